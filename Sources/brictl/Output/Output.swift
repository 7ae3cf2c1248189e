import Foundation

/// Where brictl writes: whole texts, so a table is one write.
enum Output {
    /// Writes `text` and a newline to stdout (none added when it already ends in one).
    static func write(_ text: String, newline: Bool = true) {
        FileHandle.standardOutput.write(Data((!newline || text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Writes one line to stderr.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
