#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where brictl writes: whole texts, so a table is one write.
enum Output {
    /// Writes `text` and a newline to stdout (none added when it already ends in one).
    static func write(_ text: String, newline: Bool = true) {
        write(bytes: Array((!newline || text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Writes one line to stderr.
    static func error(_ text: String) {
        write(bytes: Array((text.hasSuffix("\n") ? text : text + "\n").utf8), to: STDERR_FILENO)
    }

    /// Writes all of `bytes` to a descriptor (stdout unless told), straight through
    /// write(2): no Foundation FileHandle, which would link all of Foundation into brictl.
    static func write(bytes: [UInt8], to descriptor: Int32 = STDOUT_FILENO) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // a closed stdout: nothing more can be said anywhere
                }
                offset += written
            }
        }
    }
}

/// write(2), named apart from `Output.write`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
