import Foundation

/// One HTTP/1.1 exchange with a server on 127.0.0.1, over a plain TCP socket: what the
/// HTTP listener's tests send and read (a blocking helper, `Connection: close`; bodies by
/// `Content-Length`, chunks or the end of the connection).
public struct HTTPTestResponse: Sendable {
    public let status: Int
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum HTTPTestClient {
    /// `GET path` (with its query) from `127.0.0.1:port`, with extra request headers, on a
    /// thread of its own (a blocking read on one of the few cooperative threads would starve
    /// a server in the same process).
    public static func get(port: Int, _ path: String, headers: [(String, String)] = [], method: String = "GET",
                           host: String = "127.0.0.1", timeout: Int = 20) async throws -> HTTPTestResponse {
        let headers = Unchecked(headers)
        return try await offPool { try blockingGet(port: port, path, headers: headers.value, method: method, host: host, timeout: timeout) }
    }

    /// The same, blocking the calling thread.
    public static func blockingGet(port: Int, _ path: String, headers: [(String, String)] = [], method: String = "GET",
                           host: String = "127.0.0.1", timeout: Int = 20) throws -> HTTPTestResponse {
        let fd = socket(host.contains(":") ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SupportError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc: Int32
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard rc == 0 else { throw SupportError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))") }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SupportError("send failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Done once the whole body is in (a server may keep the connection open).
            if let response = try? parse(received, method: method, complete: true) { return response }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { break }
            guard n > 0 else { throw SupportError("recv failed or timed out: \(String(cString: strerror(errno)))") }
            received += chunk[0..<n]
        }
        return try parse(received, method: method, complete: false)
    }

    /// `complete`: only a response whose end is known (a length, the last chunk); otherwise
    /// the connection's end ends the body.
    static func parse(_ bytes: [UInt8], method: String, complete: Bool) throws -> HTTPTestResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
            throw SupportError("no end of headers in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw SupportError("bad status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if method == "HEAD" { body = [] } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { throw SupportError("body cut short: \(body.count) of \(length) bytes") }
            body = Array(body.prefix(length))
        } else if complete {
            throw SupportError("no length: read to the end")
        }
        return HTTPTestResponse(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = (i..<max(i, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else {
                throw SupportError("chunked body cut short")
            }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { throw SupportError("bad chunk size \(sizeText)") }
            i = lineEnd + 2
            if size == 0 { return out }
            guard i + size <= bytes.count else { throw SupportError("chunk cut short") }
            out += bytes[i..<(i + size)]
            i += size + 2
        }
    }
}
