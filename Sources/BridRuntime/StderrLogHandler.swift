import BridCore
import Foundation
import Logging

/// Logs one line per event to stderr. Under systemd (when `JOURNAL_STREAM` names our
/// stderr) each line starts with its syslog priority `<N>` so journald files it at the
/// right level, and the timestamp is left to the journal.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let journal: Bool
    private let sink: LineSink

    public init(label: String, level: Logger.Level = .info, journal: Bool = StderrLogHandler.stderrIsJournal(), sink: LineSink = .stderr) {
        self.label = label
        self.logLevel = level
        self.journal = journal
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = journal ? "<\(Self.priority(event.level))>" : Timestamp.format(Date()) + " "
        if !journal { line += Self.levelColumn(event.level) }
        line += Self.oneLine("\(event.message)")
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted(Self.oneLine("\(merged[key]!)")))"
        }
        sink.write(line + "\n")
    }

    /// The level's whole name in a column as wide as the longest (`critical`), then a space.
    static func levelColumn(_ level: Logger.Level) -> String {
        let name = level.rawValue
        return name + String(repeating: " ", count: max(0, levelWidth - name.count)) + " "
    }

    static let levelWidth = Logger.Level.allCases.map(\.rawValue.count).max() ?? 8

    /// syslog priorities (sd-daemon.h): 3 err, 4 warning, 5 notice, 6 info, 7 debug.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Control characters escaped, so that text from outside (a file name, a payload's
    /// error) cannot start a journal line of its own, with a priority of its choosing.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || value.isEmpty
            ? "\"" + value.replacing("\"", with: "\\\"") + "\"" : value
    }

    /// Whether stderr is the journal's stream: `JOURNAL_STREAM` is `DEV:INODE` of it.
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return value == "\(info.st_dev):\(info.st_ino)"
    }
}

/// Where log lines go: stderr in production, a buffer in tests.
public struct LineSink: Sendable {
    public let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static let stderr = LineSink.descriptor(STDERR_FILENO)
    public static let stdout = LineSink.descriptor(STDOUT_FILENO)

    /// Each line written whole to a file descriptor.
    public static func descriptor(_ fd: Int32) -> LineSink {
        LineSink { line in
            line.utf8CString.withUnsafeBufferPointer { buffer in
                _ = Foundation.write(fd, buffer.baseAddress, buffer.count - 1)
            }
        }
    }
}
