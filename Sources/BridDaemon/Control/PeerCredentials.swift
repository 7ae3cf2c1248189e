import Foundation

/// Who is at the other end of a Unix socket (`SO_PEERCRED`), and whether they may change
/// brid's state: root, brid's own user, or a member of the socket's group.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32
    /// Supplementary groups, from the socket itself (SO_PEERGROUPS) when the kernel tells.
    public let groups: [UInt32]?

    /// `struct ucred` (Glibc hides it behind _GNU_SOURCE): the same layout.
    private struct UCred {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]? = nil) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// The credentials of the process connected on `fd`, or nil.
    public init?(socket fd: Int32) {
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else { return nil }
        self.init(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: Self.peerGroups(fd))
    }

    /// SO_PEERGROUPS (Linux 4.13+): the peer's groups as of connect, without reading /proc —
    /// which `ProtectProc=invisible` hides from brid, and whose pid may be reused.
    static func peerGroups(_ fd: Int32) -> [UInt32]? {
        let soPeerGroups: Int32 = 59  // <asm-generic/socket.h>; not exported by Swift's Glibc
        var groups = [UInt32](repeating: 0, count: 64)
        var length = socklen_t(groups.count * MemoryLayout<UInt32>.size)
        if getsockopt(fd, SOL_SOCKET, soPeerGroups, &groups, &length) != 0 {
            guard errno == ERANGE, length > 0 else { return nil }
            groups = [UInt32](repeating: 0, count: Int(length) / MemoryLayout<UInt32>.size)
            guard getsockopt(fd, SOL_SOCKET, soPeerGroups, &groups, &length) == 0 else { return nil }
        }
        return Array(groups.prefix(Int(length) / MemoryLayout<UInt32>.size))
    }

    /// Whether this peer may run mutating commands on a socket owned by `socketGroup`.
    public func mayMutate(socketGroup: UInt32?, daemonUID: UInt32 = getuid()) -> Bool {
        if uid == 0 || uid == daemonUID { return true }
        guard let socketGroup else { return false }
        return gid == socketGroup || (groups ?? supplementaryGroups).contains(socketGroup)
    }

    /// The peer's supplementary groups from /proc, for kernels without SO_PEERGROUPS.
    var supplementaryGroups: [UInt32] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Groups:") }) else { return [] }
        return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
    }

    public var description: String { "uid \(uid) pid \(pid)" }
}
