import BridRuntime
import Foundation
import Logging
import Testing

@Suite struct LoggingTests {
    @Test func journalLinesCarryTheSyslogPriority() {
        let capture = LogCapture()
        let logger = capture.logger(journal: true)
        logger.error("rejected: bad.csv line 3", metadata: ["source.id": "bri-cn-kz"])
        logger.info("accepted")
        logger.warning("w")
        #expect(capture.lines.withLock { $0 } == ["<3>rejected: bad.csv line 3 source.id=bri-cn-kz\n", "<6>accepted\n", "<4>w\n"])
    }

    @Test func terminalLinesCarryTimeAndLevel() {
        let capture = LogCapture()
        capture.logger().notice("hello", metadata: ["file": "a b.csv"])
        let line = capture.text
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ notice   hello file="a b.csv"\n$"#, options: .regularExpression) != nil, "\(line)")
    }

    @Test func everyLevelIsNamedWholeInOneColumn() {
        let capture = LogCapture()
        let logger = capture.logger(level: .trace)
        for level in Logger.Level.allCases { logger.log(level: level, "message") }
        let lines = capture.lines.withLock { $0 }
        #expect(lines.count == Logger.Level.allCases.count)
        for (line, level) in zip(lines, Logger.Level.allCases) {
            let afterTime = line.drop { $0 != " " }.dropFirst()
            #expect(afterTime.hasPrefix(level.rawValue + " "), "\(line)")
            // The messages line up: the level column is as wide as "critical" and a space.
            #expect(afterTime.firstRange(of: "message")?.lowerBound == afterTime.index(afterTime.startIndex, offsetBy: 9), "\(line)")
        }
        #expect(lines.last?.contains(" critical message") == true)
    }

    @Test func journalStreamMustNameOurStderr() {
        #expect(!StderrLogHandler.stderrIsJournal(environment: [:]))
        #expect(!StderrLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "0:0"]))
        var info = stat()
        fstat(STDERR_FILENO, &info)
        #expect(StderrLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]))
    }
}

@Suite struct LogInjectionTests {
    @Test func textFromOutsideCannotForgeJournalLines() {
        let capture = LogCapture()
        capture.logger(journal: true).info("ingest evil\n<0>forged.csv", metadata: ["file": "a\nb"])
        let lines = capture.lines.withLock { $0 }
        #expect(lines == ["<6>ingest evil\\n<0>forged.csv file=a\\nb\n"])
    }
}
