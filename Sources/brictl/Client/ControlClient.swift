import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small blocking client of brid's control socket: connect, write a request line, read
/// its reply line. Several requests may share one connection (replies come in order).
/// Each answer must come within `timeout` seconds.
final class ControlClient {
    let path: String
    let timeout: Double
    private var fd: Int32 = -1
    private var framer = LineFramer(maxLineBytes: ControlProtocol.maxReplyLineBytes)
    private var nextID = 1

    init(path: String, timeout: Double) {
        self.path = path
        self.timeout = timeout
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// A reply: decoded, and the line as brid sent it (for `--json`).
    struct Answer<Result> {
        var reply: ControlMessage.Reply<Result>
        var line: Data
    }

    func connect() throws(ClientError) {
        guard fd < 0 else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw .unreachable(path: path, reason: String(cString: strerror(bytes.isEmpty ? ENOENT : ENAMETOOLONG)))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_UNIX, socketType, 0)
        guard descriptor >= 0 else { throw .unreachable(path: path, reason: String(cString: strerror(errno))) }
        // SO_SNDTIMEO bounds connect() on a full backlog and every send().
        var limit = timeval(tv_sec: Int(timeout), tv_usec: .init((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            if code == EAGAIN || code == EWOULDBLOCK || code == EINPROGRESS { throw .timedOut(path: path, seconds: timeout) }
            throw ClientError.connectFailed(path: path, errno: code)
        }
        fd = descriptor
    }

    /// Sends one request and waits for its reply.
    func send<R: ControlRequest>(_ request: R) throws(ClientError) -> Answer<R.Response> {
        try send(request, as: R.Response.self)
    }

    /// Sends a request whose reply streams (protocol version 2) and hands over its pieces as
    /// they arrive: the header once, then each batch of rows, each with its line as brid
    /// sent it (for `--json`). Returns the end line. An error line midway throws `.reply`.
    /// Each line must come within `timeout`; nothing but the current line is held.
    func stream<R: StreamedRequest>(_ request: R, header: (R.Header, Data) throws -> Void,
                                    rows: ([R.Row], Data) throws -> Void) throws -> StreamEnd {
        let answer = try send(request, as: R.Header.self)
        switch answer.reply.outcome {
        case let .failure(error): throw ClientError.reply(error)
        case let .success(value): try header(value, answer.line)
        }
        while true {
            let line = try readLine()
            let piece: ControlMessage.StreamLine<R.Row>
            do {
                piece = try ControlMessage.decodeStreamLine(line, as: R.Row.self)
            } catch {
                throw ClientError.reply(error)
            }
            switch piece {
            case let .rows(batch): try rows(batch, line)
            case let .end(end): return end
            case let .failure(error): throw ClientError.reply(error)
            }
        }
    }

    /// Sends one request and waits for its reply, read as `Result`.
    private func send<R: ControlRequest, Result: Decodable>(_ request: R, as _: Result.Type) throws(ClientError) -> Answer<Result> {
        try connect()
        let id = nextID
        nextID += 1
        let line: Data
        do {
            line = try ControlMessage.encodeRequest(request, id: id)
        } catch {
            throw .protocolError("the request could not be encoded: \(error)")
        }
        guard line.count - 1 <= ControlProtocol.maxLineBytes else {
            throw .protocolError("the request is longer than the protocol's 1 MiB line limit")
        }
        try write(line)
        let replyLine = try readLine()
        let reply: ControlMessage.Reply<Result>
        do {
            reply = try ControlMessage.decodeReply(replyLine, as: Result.self)
        } catch {
            throw .reply(error)
        }
        if let replyID = reply.id, replyID != id {
            throw .protocolError("brid answered request \(replyID) where \(id) was expected")
        }
        return Answer(reply: reply, line: replyLine)
    }

    private func write(_ data: Data) throws(ClientError) {
        var failure: ClientError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                #if canImport(Glibc)
                let flags = Int32(MSG_NOSIGNAL)
                #else
                let flags: Int32 = 0
                #endif
                let sent = systemSend(fd, raw.baseAddress! + offset, raw.count - offset, flags)
                if sent > 0 {
                    offset += sent
                } else if sent < 0, errno == EINTR {
                    continue
                } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    failure = .timedOut(path: path, seconds: timeout)
                    return
                } else {
                    failure = .disconnected(path: path, reason: String(cString: strerror(errno)))
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    private func readLine() throws(ClientError) -> Data {
        let deadline = monotonicSeconds() + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            switch framer.next() {
            case let .line(bytes): return Data(bytes)
            case .tooLong: throw .protocolError("brid's reply is longer than \(ControlProtocol.maxReplyLineBytes >> 20) MiB")
            case .needMore: break
            }
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else { throw .timedOut(path: path, seconds: timeout) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining * 1000, Double(Int32.max)).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw .disconnected(path: path, reason: String(cString: strerror(errno)))
            }
            if ready == 0 { throw .timedOut(path: path, seconds: timeout) }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count > 0 {
                framer.append(buffer[0..<count])
            } else if count == 0 {
                throw .disconnected(path: path, reason: nil)
            } else if errno != EINTR && errno != EAGAIN {
                throw .disconnected(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    private func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// Why a request got no usable reply.
enum ClientError: Error, Equatable {
    /// connect() failed: the socket is missing, or refuses.
    case unreachable(path: String, reason: String)
    /// connect() was refused for want of permission: who may connect is the socket's owner,
    /// its group (the names, when the socket can be looked at) and root.
    case permissionDenied(path: String, owner: String?, group: String?)
    /// The path is there but is not a socket (a regular file, a folder…).
    case notASocket(path: String, kind: String)
    /// No answer within the timeout.
    case timedOut(path: String, seconds: Double)
    /// brid closed the connection before answering.
    case disconnected(path: String, reason: String?)
    /// The reply could not be read as the protocol says.
    case reply(ControlError)
    /// Anything else wrong with the exchange.
    case protocolError(String)

    /// What brictl prints and how it exits.
    var failure: Failure {
        switch self {
        case let .unreachable(path, reason):
            return Failure(.unreachable, "cannot reach brid at \(path): \(reason) — is it running? (systemctl status brid)")
        case let .permissionDenied(path, owner, group):
            let who: String
            if let owner, let group {
                who = "only root, brid's user (\(owner)) and members of the socket's group (\(group)) may connect: "
                    + "run brictl as one of them, or join the group"
                    + (group.hasPrefix("gid ") ? "" : " (sudo usermod -aG \(group) $USER, then log in again)")
            } else {
                who = "only root, brid's user and members of the socket's group may connect (its folder cannot be read here to name them)"
            }
            return Failure(.unreachable, "cannot reach brid at \(path): Permission denied — \(who)")
        case let .notASocket(path, kind):
            return Failure(.unreachable, "cannot reach brid at \(path): it is \(kind), not a socket — "
                + "give brid's control socket (`socket` in brid.toml) with --socket or $BRID_SOCKET")
        case let .timedOut(path, seconds):
            return Failure(.unreachable, "brid at \(path) did not answer within \(Durations.describe(seconds)) (wait longer with --timeout)")
        case let .disconnected(path, reason):
            return Failure(.unreachable, "brid at \(path) closed the connection without answering" + (reason.map { ": \($0)" } ?? ""))
        case let .reply(error):
            return Failure(error)
        case let .protocolError(message):
            return Failure(.failed, message)
        }
    }
}

extension ClientError {
    /// The error of a failed connect(), with what the socket's path says about it: who may
    /// connect when permission is denied, what the path is when it is not a socket.
    static func connectFailed(path: String, errno code: Int32) -> ClientError {
        var info = stat()
        let looked = stat(path, &info) == 0
        if looked, info.st_mode & S_IFMT != S_IFSOCK {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return .notASocket(path: path, kind: "a folder")
            case S_IFREG: return .notASocket(path: path, kind: "a regular file")
            default: return .notASocket(path: path, kind: "another kind of file")
            }
        }
        if code == EACCES || code == EPERM {
            guard looked else { return .permissionDenied(path: path, owner: nil, group: nil) }
            return .permissionDenied(path: path, owner: userName(info.st_uid), group: groupName(info.st_gid))
        }
        return .unreachable(path: path, reason: String(cString: strerror(code)))
    }

    /// A user's name, else its number.
    static func userName(_ uid: uid_t) -> String {
        name(ofID: UInt32(uid), in: "/etc/passwd") ?? "uid \(uid)"
    }

    /// A group's name, else its number.
    static func groupName(_ gid: gid_t) -> String {
        name(ofID: UInt32(gid), in: "/etc/group") ?? "gid \(gid)"
    }

    /// The name of the entry with `id` in its third field, read from /etc/passwd or
    /// /etc/group themselves: release builds of brictl are linked fully statically (for
    /// their start-up time), where getpwuid() and getgrgid() would load NSS modules of
    /// whichever glibc is installed. brid's user and group come from sysusers.d, so they
    /// are in these files; a name only a directory service knows is shown as its number.
    static func name(ofID id: UInt32, in file: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            if fields.count > 2, !fields[0].isEmpty, UInt32(fields[2]) == id { return String(fields[0]) }
        }
        return nil
    }
}

/// connect(2) and send(2), named apart from `ControlClient`'s methods.
private func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(descriptor, address, length)
}

private func systemSend(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(descriptor, buffer, count, flags)
}
