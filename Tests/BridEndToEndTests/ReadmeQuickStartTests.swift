import BridTestSupport
import Foundation
import Testing

/// README.md's Quick start, run as written: `make run`'s steps on a fresh copy of the
/// bundled config and sample, the daemon's log compared with the block marked
/// `<!-- doctest: daemon-log -->` (each line logged, in any order), then every `$ command` of the block marked
/// `<!-- doctest: transcript -->` run with `sh -c` from the copy's root, its output and
/// exit status compared with the lines the README shows under it. Times, ages, pids,
/// sizes of the database and the checkout's path are masked, and runs of spaces count as
/// one (column widths follow the masked times). Set `BRID_README_TRANSCRIPT=FILE` to get
/// the transcript as it ran, in the README's form, when the output changed on purpose.
@Suite struct ReadmeQuickStartTests {
    /// The path the README shows for the checkout.
    static let shownRoot = "/home/me/brid"

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    struct Step {
        var command: String
        var output: [String]
        var status: Int32
    }

    /// The lines of the fenced block that follows `<!-- doctest: NAME -->`.
    static func block(_ name: String, in readme: String) throws -> [String] {
        let lines = readme.components(separatedBy: "\n")
        guard let marker = lines.firstIndex(of: "<!-- doctest: \(name) -->"),
              marker + 1 < lines.count, lines[marker + 1].hasPrefix("```"),
              let end = lines[(marker + 2)...].firstIndex(where: { $0.hasPrefix("```") })
        else { throw WaitTimeout(description: "README.md has no ``` block after <!-- doctest: \(name) -->") }
        return Array(lines[(marker + 2)..<end])
    }

    /// `$ command` lines and what follows each; `[exit N]` ending the output is its status.
    static func steps(_ lines: [String]) -> [Step] {
        var steps: [Step] = []
        for line in lines {
            if line.hasPrefix("$ ") {
                steps.append(Step(command: String(line.dropFirst(2)), output: [], status: 0))
            } else if !steps.isEmpty {
                steps[steps.count - 1].output.append(line)
            }
        }
        return steps.map { step in
            var step = step
            while step.output.last?.isEmpty == true { step.output.removeLast() }
            if let last = step.output.last, let range = last.range(of: #"\s*\[exit (\d+)\]$"#, options: .regularExpression) {
                step.status = Int32(last[range].filter(\.isNumber)) ?? -1
                step.output[step.output.count - 1] = String(last[..<range.lowerBound])
            }
            return step
        }
    }

    /// What may differ between runs, masked; runs of spaces as one; ends trimmed.
    static func masked(_ line: String) -> String {
        var text = line
        let rules: [(String, String)] = [
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "TIME"),
            (#"\((now|in [^()]*|[^()]* ago)\)"#, "(AGE)"),
            (#"\bup \d+[a-z]+( \d+[a-z]+)?"#, "up AGE"),
            (#"\bpid \d+"#, "pid N"),
            (#"\b(now|\d+[smhd]( \d+[smhd])? ago)\b"#, "AGE"),
            (#"\bin \d+(\.\d+)? s\b"#, "in SECONDS"),
            // The checkout listens on a port the system picks (tests run side by side).
            (#"\b127\.0\.0\.1:\d+"#, "127.0.0.1:PORT"),
        ]
        for (pattern, replacement) in rules {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        if text.hasPrefix("database ") || text.hasPrefix("backup ") {
            text = text.replacingOccurrences(of: #"\d+(\.\d+)? (B|KB|MB|GB)\b"#, with: "SIZE", options: .regularExpression)
        }
        text = text.replacingOccurrences(of: #"[ \t]+"#, with: " ", options: .regularExpression)
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// A fresh checkout as `make run` needs it: the bundled config and sample, the built
    /// binaries where `make` puts them.
    static func checkout() throws -> String {
        let root = NSTemporaryDirectory() + "brid-readme-" + UUID().uuidString
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/Config/samples", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/.build", withIntermediateDirectories: true)
        for file in ["Config/brid.toml", "Config/samples/bri-cn-kz-2018.csv"] {
            try files.copyItem(atPath: repository + "/" + file, toPath: root + "/" + file)
        }
        // The bundled listener's port, 8089, may be taken by a `make run` or a test beside
        // this one: the checkout's listens on a port the system picks.
        let config = try String(contentsOfFile: root + "/Config/brid.toml", encoding: .utf8)
        try config.replacingOccurrences(of: "listen = \"127.0.0.1:8089\"", with: "listen = \"127.0.0.1:0\"")
            .write(toFile: root + "/Config/brid.toml", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: root + "/.build/debug", withDestinationPath: BuiltProducts.folder)
        return root
    }

    @Test func theQuickStartPrintsWhatTheReadmeShows() async throws { try await offPool {
        let readme = try String(contentsOfFile: Self.repository + "/README.md", encoding: .utf8)
        let shownLog = try Self.block("daemon-log", in: readme).filter { !$0.isEmpty }
        let steps = Self.steps(try Self.block("transcript", in: readme))
        #expect(shownLog.count >= 3 && steps.count >= 10, "the marked blocks are empty")
        let root = try Self.checkout()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let unmask = { (text: String) in text.replacingOccurrences(of: root, with: Self.shownRoot) }

        // make run: the sample into the drop folder, then the daemon on the bundled config.
        try FileManager.default.createDirectory(atPath: root + "/var/drop/bri-cn-kz", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: root + "/Config/samples/bri-cn-kz-2018.csv",
                                         toPath: root + "/var/drop/bri-cn-kz/bri-cn-kz-2018.csv")
        let daemon = try DaemonProcess(config: root + "/Config/brid.toml", logPath: root + "/brid.log")
        // Each shown line somewhere in the log (the alert's notification and the release's
        // line race); one ending in " …" is a line's beginning.
        func logMatches() -> Bool {
            let logged = Self.logLines(daemon.log, unmask: unmask)
            return shownLog.map(Self.masked).allSatisfy { shown in
                let prefix = shown.hasSuffix(" …") ? String(shown.dropLast(2)) : nil
                return logged.contains { prefix.map($0.hasPrefix) ?? ($0 == shown) }
            }
        }
        do {
            try waitUntil("the daemon's log shows the README's lines", seconds: 20, logMatches)
        } catch {
            Issue.record("""
                README.md's daemon-log block is not what brid logged.
                README:
                \(shownLog.joined(separator: "\n"))
                brid:
                \(unmask(daemon.log))
                """)
            return
        }

        var transcript: [String] = []
        var exports: [String] = []
        var mismatches: [String] = []
        for step in steps {
            let script = (exports + [step.command]).joined(separator: "\n")
            let run = try ProcessRunner.run("/bin/sh", ["-c", script], environment: ["PWD": root],
                                            removing: ["BRID_SOCKET", "NO_COLOR", "COLUMNS", "JOURNAL_STREAM"], in: root)
            if step.command.hasPrefix("export ") { exports.append(step.command) }
            // A file copied into a drop folder is ingested by the daemon on its own time.
            if let match = step.command.firstMatch(of: /^cp \S+ var\/drop\/[^\/ ]+\/([^\/ ]+)/) {
                try waitUntil("brid took the dropped \(match.1)", seconds: 20) { daemon.log.contains("file=\(match.1)") }
            }
            var actual = unmask(run.stdout + run.stderr).components(separatedBy: "\n")
            while actual.last?.isEmpty == true { actual.removeLast() }
            transcript.append("$ " + step.command)
            transcript += actual.enumerated().map { index, line in
                index == actual.count - 1 && run.status != 0 ? line + "      [exit \(run.status)]" : line
            }
            if run.status != 0 && actual.isEmpty { transcript.append("[exit \(run.status)]") }
            if actual.map(Self.masked) != step.output.map(Self.masked) || run.status != step.status {
                mismatches.append("""
                    $ \(step.command)
                    README (exit \(step.status)):
                    \(step.output.joined(separator: "\n"))
                    ran (exit \(run.status)):
                    \(actual.joined(separator: "\n"))
                    """)
            }
        }
        if let path = ProcessInfo.processInfo.environment["BRID_README_TRANSCRIPT"] {
            try (unmask(daemon.log) + "\n" + transcript.joined(separator: "\n") + "\n")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(mismatches.isEmpty, "README.md's Quick start differs from what the commands print:\n\(mismatches.joined(separator: "\n\n"))")
        #expect(try daemon.terminate().status == 0)
    } }

    static func logLines(_ log: String, unmask: (String) -> String) -> [String] {
        unmask(log).components(separatedBy: "\n").filter { !$0.isEmpty }.map(masked)
    }
}
