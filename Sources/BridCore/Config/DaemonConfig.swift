/// The `[daemon]` table.
public struct DaemonConfig: Sendable, Equatable {
    public static let defaultStateDir = "/var/lib/brid"
    public static let defaultSocket = "/run/brid/control.sock"
    public static let defaultMaxConcurrentFetches = 4
    public static let maxConcurrentFetchesRange = 1...64

    /// Absolute folder for the database and, by default, drop folders.
    public let stateDir: String
    /// Absolute path of the control socket.
    public let socket: String
    public let maxConcurrentFetches: Int

    public init(stateDir: String = defaultStateDir, socket: String = defaultSocket,
                maxConcurrentFetches: Int = defaultMaxConcurrentFetches) {
        self.stateDir = stateDir
        self.socket = socket
        self.maxConcurrentFetches = maxConcurrentFetches
    }
}
