#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The answer to `status`: the daemon, its database, every source, alert counts.
public struct StatusResponse: Codable, Sendable, Equatable {
    /// brid's version (`0.1.0`).
    public var version: String
    public var pid: Int32
    public var startedAt: Date
    public var configPath: String
    public var database: DatabaseStatus
    public var sources: [SourceStatus]
    public var alerts: AlertCounts
    /// The last refused reload, until a reload succeeds.
    public var lastReloadError: ReloadFailure?
    /// Set while the store cannot be reached (its database server restarting or cut off):
    /// checks and deliveries wait. Absent from a brid older than this field, and whenever
    /// the store answers.
    public var storeUnavailable: StoreUnavailable?
    /// The instances sharing the store, when there is more than one (PostgreSQL); absent
    /// otherwise and from a brid older than this field.
    public var cluster: ClusterStatus?

    public init(version: String, pid: Int32, startedAt: Date, configPath: String, database: DatabaseStatus,
                sources: [SourceStatus], alerts: AlertCounts, lastReloadError: ReloadFailure? = nil,
                storeUnavailable: StoreUnavailable? = nil, cluster: ClusterStatus? = nil) {
        self.storeUnavailable = storeUnavailable
        self.version = version
        self.pid = pid
        self.startedAt = startedAt
        self.configPath = configPath
        self.database = database
        self.sources = sources
        self.alerts = alerts
        self.lastReloadError = lastReloadError
        self.cluster = cluster
    }
}

/// The brid instances sharing one store, for `status`.
public struct ClusterStatus: Codable, Sendable, Equatable {
    /// The instance that answered.
    public var instance: String
    /// How long a source stays held without a heartbeat.
    public var leaseSeconds: Double
    public var members: [ClusterMemberStatus]

    public init(instance: String, leaseSeconds: Double, members: [ClusterMemberStatus]) {
        self.instance = instance
        self.leaseSeconds = leaseSeconds
        self.members = members
    }
}

/// One instance of a cluster.
public struct ClusterMemberStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Heartbeat within the lease.
        case live
        /// No heartbeat for longer than the lease and no clean stop: dead, hung or cut off.
        case silent
        /// Stopped cleanly.
        case stopped
    }

    public var name: String
    public var host: String
    public var pid: Int32
    public var version: String
    public var startedAt: Date
    public var heartbeatAt: Date
    public var state: State
    /// URL sources whose lease it holds (an expired lease not counted).
    public var sources: Int

    public init(name: String, host: String, pid: Int32, version: String, startedAt: Date, heartbeatAt: Date, state: State, sources: Int) {
        self.name = name
        self.host = host
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.state = state
        self.sources = sources
    }
}

/// The store cannot be reached: since when, why, and how old the figures beside it are.
public struct StoreUnavailable: Codable, Sendable, Equatable {
    public var since: Date
    /// The latest reason a store call or a probe gave.
    public var reason: String
    /// When the database and source figures of the same `status` were read from the store
    /// (the last status before the outage); nil when none was read.
    public var figuresFrom: Date?

    public init(since: Date, reason: String, figuresFrom: Date? = nil) {
        self.since = since
        self.reason = reason
        self.figuresFrom = figuresFrom
    }
}

/// The SQLite file and what it holds.
public struct DatabaseStatus: Codable, Sendable, Equatable {
    public var path: String
    /// The database file's size (WAL excluded).
    public var sizeBytes: Int64
    /// The write-ahead log's size (`brid.sqlite-wal`), apart from the database: checkpoints
    /// fold it back after large releases; a clean stop removes it. Absent (0) from a brid
    /// older than this field.
    public var walBytes: Int64
    public var releases: Int
    public var series: Int
    public var observationVersions: Int

    public init(path: String, sizeBytes: Int64, walBytes: Int64 = 0, releases: Int, series: Int, observationVersions: Int) {
        self.path = path
        self.sizeBytes = sizeBytes
        self.walBytes = walBytes
        self.releases = releases
        self.series = series
        self.observationVersions = observationVersions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        sizeBytes = try c.decode(Int64.self, forKey: .sizeBytes)
        walBytes = try c.decodeIfPresent(Int64.self, forKey: .walBytes) ?? 0
        releases = try c.decode(Int.self, forKey: .releases)
        series = try c.decode(Int.self, forKey: .series)
        observationVersions = try c.decode(Int.self, forKey: .observationVersions)
    }
}

/// One configured source and how its checks go.
public struct SourceStatus: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case url, drop }
    public enum State: String, Codable, Sendable {
        /// The last check succeeded.
        case ok
        /// The last check failed (see `lastError`).
        case failing
        /// Paused by `brictl pause`.
        case paused
        /// Not checked since it was configured.
        case neverChecked = "never-checked"
    }

    public var id: String
    public var kind: Kind
    /// The URL, or the drop folder's path.
    public var location: String
    public var format: String
    public var state: State
    public var lastCheckAt: Date?
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var consecutiveFailures: Int
    /// Next scheduled check (URL sources; nil for drop folders and paused sources).
    public var nextDueAt: Date?
    /// A check is running now.
    public var inFlight: Bool
    /// The source's newest release.
    public var lastReleaseID: Int64?
    /// In a cluster (`StatusResponse.cluster`): the instance that holds the URL source's
    /// lease and checks it, and until when unless renewed; absent when none holds it.
    public var heldBy: String?
    public var heldUntil: Date?

    public init(id: String, kind: Kind, location: String, format: String, state: State, lastCheckAt: Date? = nil,
                lastSuccessAt: Date? = nil, lastError: String? = nil, lastErrorAt: Date? = nil, consecutiveFailures: Int = 0,
                nextDueAt: Date? = nil, inFlight: Bool = false, lastReleaseID: Int64? = nil, heldBy: String? = nil,
                heldUntil: Date? = nil) {
        self.id = id
        self.kind = kind
        self.location = location
        self.format = format
        self.state = state
        self.lastCheckAt = lastCheckAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.nextDueAt = nextDueAt
        self.inFlight = inFlight
        self.lastReleaseID = lastReleaseID
        self.heldBy = heldBy
        self.heldUntil = heldUntil
    }
}

/// Alerts in numbers, for `status`.
public struct AlertCounts: Codable, Sendable, Equatable {
    /// Firing alerts (acked included) by severity.
    public var firing: SeverityCounts
    /// Firing alerts that are acked.
    public var acked: Int
    /// Notifications written but not yet delivered.
    public var outboxBacklog: Int
    /// The last notification given up on, if any.
    public var lastDeliveryError: String?

    public init(firing: SeverityCounts = SeverityCounts(), acked: Int = 0, outboxBacklog: Int = 0, lastDeliveryError: String? = nil) {
        self.firing = firing
        self.acked = acked
        self.outboxBacklog = outboxBacklog
        self.lastDeliveryError = lastDeliveryError
    }
}

/// A count per alert severity.
public struct SeverityCounts: Codable, Sendable, Equatable {
    public var info: Int
    public var warning: Int
    public var critical: Int

    public init(info: Int = 0, warning: Int = 0, critical: Int = 0) {
        self.info = info
        self.warning = warning
        self.critical = critical
    }

    public var total: Int { info + warning + critical }
}

/// A reload that was refused, and why.
public struct ReloadFailure: Codable, Sendable, Equatable {
    public var at: Date
    /// Each validation error, naming the key and line.
    public var errors: [String]

    public init(at: Date, errors: [String]) {
        self.at = at
        self.errors = errors
    }
}
