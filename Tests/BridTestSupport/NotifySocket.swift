import Foundation
import Synchronization

/// A datagram socket standing in for systemd's `$NOTIFY_SOCKET`. Either read datagram by
/// datagram (`receive`), or, `collecting`, gathered by a thread of its own into `all`.
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let messages = Mutex<[String]>([])

    public init(path: String, collecting: Bool = false) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard withUnixAddress(path, { bind(fd, $0, $1) }) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SupportError("cannot bind \(path): \(reason)")
        }
        setTimeout(fd, SO_RCVTIMEO, seconds: collecting ? 0.1 : 5)
        guard collecting else { return }
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 {
                    let text = String(decoding: buffer[0..<n], as: UTF8.self)
                    messages.withLock { $0.append(text) }
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    return
                }
            }
        }
        thread.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    /// The next datagram, or nil after 5 s (not when `collecting`).
    public func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// Every datagram collected so far.
    public var all: [String] { messages.withLock { $0 } }

    public func count(where predicate: (String) -> Bool) -> Int { all.filter(predicate).count }
}
