import BridProtocol
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A tiny Unix-socket server on a thread, for client tests: it reads request lines and
/// answers each with what `respond` returns (nil: no answer, the client must time out).
final class FakeServer: Sendable {
    let path: String
    private let listener: Int32
    private let received = Mutex<[String]>([])
    private let done = Mutex(false)

    /// The request lines received so far.
    var requests: [String] { received.withLock { $0 } }

    init(respond: @escaping @Sendable ([UInt8]) -> Data?) throws {
        path = NSTemporaryDirectory() + "brictl-\(UInt32.random(in: 0...UInt32.max)).sock"
        listener = try Self.listen(at: path)
        let listener = self.listener
        let thread = Thread { [self] in
            // The thread owns the listener and closes it itself, so its descriptor number
            // cannot be reused by another test's server while this loop may still accept.
            while true {
                let connection = accept(listener, nil, nil)
                if self.done.withLock({ $0 }) {
                    if connection >= 0 { close(connection) }
                    close(listener)
                    return
                }
                if connection < 0 { continue }
                self.serve(connection, respond: respond)
                close(connection)
            }
        }
        thread.start()
    }

    /// Answers each command with its `Fixtures` reply, or the error given for it.
    convenience init(fixtures: Fixtures, errors: [String: ControlError] = [:]) throws {
        let table = fixtures.replies
        try self.init { line in
            guard case let .success(request) = ControlMessage.parseRequestLine(line) else { return nil }
            if let error = errors[request.name] { return ControlMessage.encodeErrorReply(id: request.id, error) }
            guard let result = table[request.name] else { return ControlMessage.encodeErrorReply(id: request.id, .internal("no fixture")) }
            if let type = request.command as? any StreamedRequest.Type, let lines = Self.stream(type, id: request.id, result: result) {
                return lines
            }
            return ControlMessage.encodeReply(id: request.id, result: AnyEncodable(result))
        }
    }

    /// A fixture of a streamed command sent as brid sends it: header, rows, end.
    private static func stream<R: StreamedRequest>(_: R.Type, id: Int, result: Any) -> Data? {
        guard let response = result as? R.Response else { return nil }
        return ControlMessage.encodeStream(R.self, id: id, response: response, batch: 2)
    }

    func stop() {
        done.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))  // wakes accept(); the thread closes the listener
        unlink(path)
    }

    deinit { unlink(path) }

    private func serve(_ connection: Int32, respond: @Sendable ([UInt8]) -> Data?) {
        var framer = LineFramer()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress!, $0.count) }
            guard count > 0 else { return }
            framer.append(buffer[0..<count])
            while case let .line(line) = framer.next() {
                received.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
                if let reply = respond(line) {
                    _ = reply.withUnsafeBytes { send(connection, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
    }

    static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try bind(fd, path)
        guard Glibc.listen(fd, 16) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        return fd
    }

    /// A socket file nobody listens on: connecting to it is refused.
    static func deadSocket() throws -> String {
        let path = NSTemporaryDirectory() + "brictl-dead-\(UInt32.random(in: 0...UInt32.max)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try bind(fd, path)
        close(fd)
        return path
    }

    private static func bind(_ fd: Int32, _ path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw POSIXError(.init(rawValue: errno)!) }
    }
}

/// Encodes any fixture through its own `encode(to:)`.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
