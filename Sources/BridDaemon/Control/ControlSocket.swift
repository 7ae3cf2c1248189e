import BridCore
import BridRuntime
import Foundation

/// The listening control socket: inherited from systemd (socket activation) or bound at
/// the configured path. A stale socket file left by a crashed brid is replaced; a socket
/// that a running brid answers on is not taken over.
public struct ControlSocket: Sendable {
    public let fd: Int32
    public let path: String
    /// Whether systemd passed the socket (then systemd owns the file, too).
    public let activated: Bool

    /// The group that owns the socket file: its members may run mutating commands.
    public var group: UInt32? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_gid : nil
    }

    public static func open(path: String, environment: [String: String]) throws -> ControlSocket {
        let inherited = SocketActivation.sockets(environment: environment)
        if let socket = inherited.first(where: { $0.name == "control" }) ?? inherited.first {
            SocketActivation.forgetEnvironment()
            _ = fcntl(socket.fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(socket.fd, F_SETFL, fcntl(socket.fd, F_GETFL) | O_NONBLOCK)
            return ControlSocket(fd: socket.fd, path: path, activated: true)
        }
        try FileManager.default.createDirectory(atPath: Paths.directory(of: path), withIntermediateDirectories: true)
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard (existing.st_mode & S_IFMT) == S_IFSOCK else {
                throw RuntimeError("the control socket path \(path) exists and is not a socket; refusing to replace it (check `socket` in the config)")
            }
            if answers(path) {
                throw RuntimeError("another brid is running: its control socket \(path) answers; stop it first (systemctl stop brid)")
            }
            unlink(path)  // stale, from a brid that died
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError("cannot create the control socket: \(String(cString: strerror(errno)))") }
        var address = try Self.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o660) == 0, listen(fd, 512) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw RuntimeError("cannot listen on the control socket \(path): \(reason)")
        }
        return ControlSocket(fd: fd, path: path, activated: false)
    }

    /// Whether something accepts connections on `path`.
    static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0, var address = try? address(path) else { return false }
        defer { Glibc.close(fd) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RuntimeError("the control socket path is too long (\(bytes.count) bytes, at most 107): \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }

    /// Closes the socket and removes the file brid created.
    public func close() {
        _ = Glibc.close(fd)
        if !activated { unlink(path) }
    }
}
