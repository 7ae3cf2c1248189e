import Foundation
import Synchronization

/// The brid instances sharing one store, and which of them checks which URL source: each
/// URL source is checked by the one instance that holds its lease, renewed by a heartbeat;
/// a lease not renewed within `lease` (the instance died, hung or was cut off) is taken by
/// another instance. Drop folders are not leased: they stay with the machine that has them.
///
/// Two implementations: `SingleInstanceCluster` for an SQLite store (one instance, which
/// holds every source; no tables), and `PGCluster` for a shared PostgreSQL database.
///
/// The calls block (a PostgreSQL cluster talks to its server): the daemon makes them off
/// its actor. `now` is this instance's clock, used where there is no shared one; a shared
/// cluster judges leases by its database's clock, so instances whose clocks disagree still
/// agree on when a lease ends.
public protocol Cluster: AnyObject, Sendable {
    /// This instance's name (`[daemon] instance`, else the host name).
    var instance: String { get }
    /// How long a source stays held without renewal (`[store] lease`).
    var lease: Duration { get }
    /// Whether other instances may share the store: false, and every source is this one's.
    var isShared: Bool { get }

    /// Registers this instance (again after a restart). Throws when an instance of the same
    /// name is alive elsewhere.
    func join(host: String, pid: Int32, version: String, now: Date) throws

    /// Renews this instance's heartbeat and every lease it holds; returns the sources it holds.
    func heartbeat(now: Date) throws -> Set<String>

    /// Renews as `heartbeat` does, gives up leases on sources no longer in `sources` and
    /// those above a fair share (never one in `busy`, being checked), then takes unheld or
    /// expired leases until it holds its fair share: ceil(sources / live instances), so N
    /// instances split the sources. Returns the sources it holds.
    func claim(sources: [String], busy: Set<String>, now: Date) throws -> Set<String>

    /// A clean stop: gives up every lease at once (another instance takes them at its next
    /// heartbeat) and marks this instance stopped.
    func release(now: Date) throws

    /// Whether this instance holds `source` now: a lease it claimed or renewed less than
    /// `lease` ago by its own monotonic clock (measured from before the renewal was sent,
    /// so it ends no later than the database's). False for a lease lost to a long pause or
    /// a cut-off, until claimed again.
    func holds(_ source: String) -> Bool

    /// Every instance that has joined, by name.
    func members(now: Date) throws -> [ClusterMember]

    /// Every source lease, by source.
    func leases(now: Date) throws -> [SourceLease]
}

/// One brid instance of a cluster, for `status`.
public struct ClusterMember: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// Heartbeat within the lease.
        case live
        /// No heartbeat for longer than the lease, and no clean stop: dead, hung or cut off.
        case silent
        /// Stopped cleanly (its leases given up).
        case stopped
    }

    public let name: String
    public let host: String
    public let pid: Int32
    public let version: String
    public let startedAt: Date
    public let heartbeatAt: Date
    public let stoppedAt: Date?
    public let state: State

    public init(name: String, host: String, pid: Int32, version: String, startedAt: Date, heartbeatAt: Date,
                stoppedAt: Date?, state: State) {
        self.name = name
        self.host = host
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.stoppedAt = stoppedAt
        self.state = state
    }
}

/// Which instance holds a source's lease, until when.
public struct SourceLease: Sendable, Equatable {
    public let source: String
    public let instance: String
    public let acquiredAt: Date
    public let expiresAt: Date
    /// Past `expiresAt` by the database's clock: any instance may take it.
    public let expired: Bool

    public init(source: String, instance: String, acquiredAt: Date, expiresAt: Date, expired: Bool) {
        self.source = source
        self.instance = instance
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
        self.expired = expired
    }
}

/// Why an instance cannot join its cluster.
public struct ClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An SQLite store's cluster: this instance alone, holding every source. No tables, no
/// heartbeat; `members` is this instance.
public final class SingleInstanceCluster: Cluster {
    public let instance: String
    public let lease: Duration
    public var isShared: Bool { false }
    private let member = Mutex<ClusterMember?>(nil)

    public init(instance: String, lease: Duration = .seconds(30)) {
        self.instance = instance
        self.lease = lease
    }

    public func join(host: String, pid: Int32, version: String, now: Date) {
        member.withLock {
            $0 = ClusterMember(name: instance, host: host, pid: pid, version: version, startedAt: now, heartbeatAt: now,
                               stoppedAt: nil, state: .live)
        }
    }

    public func heartbeat(now: Date) -> Set<String> { [] }

    /// Every source is this instance's: it returns them all.
    public func claim(sources: [String], busy: Set<String>, now: Date) -> Set<String> { Set(sources) }

    public func release(now: Date) {}

    public func holds(_ source: String) -> Bool { true }

    public func members(now: Date) -> [ClusterMember] {
        member.withLock { $0 }.map { m in
            [ClusterMember(name: m.name, host: m.host, pid: m.pid, version: m.version, startedAt: m.startedAt, heartbeatAt: now,
                           stoppedAt: nil, state: .live)]
        } ?? []
    }

    public func leases(now: Date) -> [SourceLease] { [] }
}
