import Foundation

/// A failure of a test helper: a socket that cannot be bound or reached, a connection closed.
public struct SupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking client of a Unix stream socket speaking lines: the control protocol as the
/// tests, the abuse tests and the benchmarks see it. Not for sharing between threads.
public final class LineSocket: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects; reads give up after `receiveTimeout` seconds, writes after `sendTimeout`.
    public init(path: String, receiveTimeout: Int = 5, sendTimeout: Int? = nil) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let rc = withUnixAddress(path) { connect(fd, $0, $1) }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SupportError("cannot connect to \(path): \(reason)")
        }
        setTimeout(fd, SO_RCVTIMEO, seconds: receiveTimeout)
        if let sendTimeout { setTimeout(fd, SO_SNDTIMEO, seconds: sendTimeout) }
    }

    deinit { close(fd) }

    public static func canConnect(_ path: String) -> Bool { (try? LineSocket(path: path)) != nil }

    /// Sends every byte (no SIGPIPE on a closed peer).
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SupportError("send failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// The next line, without its newline.
    public func readLine() throws -> String {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                defer { buffer.removeSubrange(...newline) }
                return String(decoding: buffer[..<newline], as: UTF8.self)
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { throw SupportError("connection closed or timed out") }
            buffer += chunk[0..<n]
        }
    }

    /// Shuts down the sending side (`shutdown(SHUT_WR)`, what `nc -N` does): the peer reads
    /// the end of the input, and this side can still read.
    public func shutdownWriting() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Every line until the peer closes the connection (a timeout throws).
    public func readLinesUntilClosed() throws -> [String] {
        var lines: [String] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            while let newline = buffer.firstIndex(of: 0x0A) {
                lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 {
                if !buffer.isEmpty { lines.append(String(decoding: buffer, as: UTF8.self)) }
                return lines
            }
            guard n > 0 else { throw SupportError("no end of the connection: \(String(cString: strerror(errno)))") }
            buffer += chunk[0..<n]
        }
    }

    /// One request line out (a newline is added), one reply line back.
    public func roundTrip(_ line: String) throws -> String {
        try roundTrip(Array((line + "\n").utf8))
    }

    /// Bytes that end with a newline out, one reply line back (benchmarks encode once).
    public func roundTrip(_ request: [UInt8]) throws -> String {
        try send(request)
        return try readLine()
    }

    /// Every line of one reply: one line, or a stream's header, rows and end (or error) line.
    public func readReply() throws -> [String] {
        let first = try readLine()
        var lines = [first]
        guard first.contains(#""stream":true"#) else { return lines }
        while true {
            let line = try readLine()
            lines.append(line)
            if line.hasPrefix(#"{"end":"#) || line.hasPrefix(#"{"error":"#) { return lines }
        }
    }

    /// `readReply` after sending a request line, on a thread of its own.
    public func askAll(_ line: String) async throws -> [String] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[String], any Error>) in
            Thread {
                continuation.resume(with: Result {
                    try self.send(Array((line + "\n").utf8))
                    return try self.readReply()
                })
            }.start()
        }
    }

    /// `roundTrip` on a thread of its own, so a test awaiting a reply never holds a
    /// cooperative thread the server's handlers need.
    public func ask(_ line: String) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread { continuation.resume(with: Result { try self.roundTrip(line) }) }.start()
        }
    }
}

/// Calls `body` with `path` as a `sockaddr_un`.
func withUnixAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

func setTimeout(_ fd: Int32, _ option: Int32, seconds: Double) {
    var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
}

func setTimeout(_ fd: Int32, _ option: Int32, seconds: Int) {
    setTimeout(fd, option, seconds: Double(seconds))
}
