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
    /// How long delivered and given-up notifications are kept (`notification_retention`).
    public static let defaultNotificationRetention: Duration = .seconds(30 * 86_400)
    /// Bytes of `ingest.chunk` uploads held in memory at once, all connections together
    /// (`max_staged_bytes`): two whole 64 MiB files.
    public static let defaultMaxStagedBytes = 128 << 20
    public static let maxStagedBytesRange = (1 << 20)...(1 << 34)
    /// `instance` names an instance in the shared store's claims and in `status`: short.
    public static let maxInstanceLength = 32

    /// Absolute folder for the database and, by default, drop folders.
    public let stateDir: String
    /// Absolute path of the control socket.
    public let socket: String
    public let maxConcurrentFetches: Int
    /// `spill_after`: observations of a payload held in memory before it is spilled.
    public let spillAfter: Int
    /// Outbox rows and deliveries are pruned this long after their last delivery finished
    /// (delivered or given up). Alerts and vintages are never pruned.
    public let notificationRetention: Duration
    /// `max_staged_bytes`: the global budget of staged uploads (read at start).
    public let maxStagedBytes: Int
    /// `instance`: this brid's name among those sharing a store; nil means the host name
    /// (`instanceName(hostName:)`).
    public let instance: String?

    public init(stateDir: String = defaultStateDir, socket: String = defaultSocket,
                maxConcurrentFetches: Int = defaultMaxConcurrentFetches, spillAfter: Int = defaultSpillAfter,
                notificationRetention: Duration = defaultNotificationRetention, maxStagedBytes: Int = defaultMaxStagedBytes,
                instance: String? = nil) {
        self.stateDir = stateDir
        self.socket = socket
        self.maxConcurrentFetches = maxConcurrentFetches
        self.spillAfter = spillAfter
        self.notificationRetention = notificationRetention
        self.maxStagedBytes = maxStagedBytes
        self.instance = instance
    }

    /// The instance's name: `instance`, else the host name made into one (its first label,
    /// lower-cased, other characters as `-`, cut to the maximum length).
    public func instanceName(hostName: String) -> String {
        if let instance { return instance }
        let label = hostName.lowercased().prefix { $0 != "." }
        var name = String(label.map { c in
            c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-") ? c : "-"
        }.prefix(Self.maxInstanceLength))
        if !Identifier.isValid(name) { name = "brid" + (name.isEmpty ? "" : "-" + name).prefix(Self.maxInstanceLength - 4) }
        return Identifier.isValid(name) ? name : "brid"
    }
}
