/// The `[daemon]` table.
public struct DaemonConfig: Sendable, Equatable {
    public static let defaultStateDir = "/var/lib/brid"
    public static let defaultSocket = "/run/brid/control.sock"
    public static let defaultMaxConcurrentFetches = 4
    public static let maxConcurrentFetchesRange = 1...64
    /// Observations of one payload held in memory (about 60 MB) before the rest is sorted
    /// in runs on disk; see `PayloadBuilder`.
    public static let defaultSpillAfter = PayloadBuilder.defaultMemoryLimit
    public static let spillAfterRange = 100...(1 << 28)

    /// Absolute folder for the database and, by default, drop folders.
    public let stateDir: String
    /// Absolute path of the control socket.
    public let socket: String
    public let maxConcurrentFetches: Int
    /// `spill_after`: observations of a payload held in memory before it is spilled.
    public let spillAfter: Int

    public init(stateDir: String = defaultStateDir, socket: String = defaultSocket,
                maxConcurrentFetches: Int = defaultMaxConcurrentFetches, spillAfter: Int = defaultSpillAfter) {
        self.stateDir = stateDir
        self.socket = socket
        self.maxConcurrentFetches = maxConcurrentFetches
        self.spillAfter = spillAfter
    }
}
