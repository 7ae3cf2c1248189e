import Foundation

/// Sockets passed by systemd socket activation (`LISTEN_FDS`, `LISTEN_PID`,
/// `LISTEN_FDNAMES`): file descriptors 3, 4, … when they are meant for this process.
public enum SocketActivation {
    public struct ListeningSocket: Sendable, Equatable {
        public let fd: Int32
        public let name: String

        public init(fd: Int32, name: String) {
            self.fd = fd
            self.name = name
        }
    }

    /// The inherited sockets, or none when `LISTEN_PID` is not this process.
    public static func sockets(environment: [String: String] = ProcessInfo.processInfo.environment,
                               pid: Int32 = getpid()) -> [ListeningSocket] {
        guard environment["LISTEN_PID"] == String(pid),
              let count = environment["LISTEN_FDS"].flatMap(Int32.init), count > 0 else { return [] }
        let names = environment["LISTEN_FDNAMES"]?.split(separator: ":", omittingEmptySubsequences: false).map(String.init) ?? []
        return (0..<count).map { i in
            ListeningSocket(fd: 3 + i, name: Int(i) < names.count ? names[Int(i)] : "unknown")
        }
    }

    /// Removes the variables so that child processes do not think the sockets are theirs.
    public static func forgetEnvironment() {
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
    }
}
