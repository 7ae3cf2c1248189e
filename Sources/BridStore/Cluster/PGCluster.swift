import BridPostgres
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The instances sharing a PostgreSQL store (tables `instances` and `source_leases` of
/// `PGSchema`), on a connection of its own so a heartbeat never waits behind an ingest.
///
/// Times are the database's (`clock_timestamp()` in milliseconds): every instance compares
/// leases by the same clock whatever its own says, so a host whose clock runs behind does
/// not keep checking a source another instance has taken. A lease changes hands only in
/// one statement — `INSERT … ON CONFLICT (source_id) DO UPDATE … WHERE the lease expired or
/// is ours` — whose row lock makes two instances taking the same source at the same moment
/// take turns: the second sees the first's lease and takes nothing.
///
/// What this instance holds is also judged on its own monotonic clock (`holds`), from the
/// moment before its last renewal was sent: a renewal that failed or never ran (a pause of
/// the process, the database cut off) ends the hold here no later than it ends in the
/// database.
///
/// A lease given back (a clean stop, a source above the share or no longer configured)
/// keeps its row, with `acquired_at` = `expires_at` = the moment it was given back (a millisecond
/// before, so it reads as expired at once): a
/// renewal (which renews only rows whose `expires_at` is after `acquired_at`) never takes
/// it again, and a source whose lease has been free or expired for a whole lease is one no
/// other instance wants: beyond its share an instance takes those too (`claim`), so
/// instances with overlapping but different sources leave none unchecked.
// @unchecked: the connection, `extras` and `claimingSince` are used under `lock` only.
public final class PGCluster: Cluster, @unchecked Sendable {
    public let instance: String
    public let lease: Duration
    public var isShared: Bool { true }

    private let connection: PGConnection
    private let lock = Mutex(())

    /// What this instance holds, apart from the connection: `holds` never waits for a
    /// statement in flight.
    private struct Holding {
        var sources: Set<String> = []
        /// When the holds end by this instance's monotonic clock, unless renewed.
        var until: ContinuousClock.Instant?
    }

    private let holding = Mutex(Holding())
    /// Sources held beyond the fair share because no other instance wanted them for a
    /// lease: never given back as surplus (nobody would take them).
    private var extras: Set<String> = []
    /// This instance's first claim: a source with no lease row at all is one nobody wants
    /// once this instance has claimed for a whole lease.
    private var claimingSince: ContinuousClock.Instant?

    /// The database's clock in milliseconds since 1970.
    static let nowMS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    /// Instances that stopped cleanly this long ago are forgotten when an instance joins.
    static let forgetStopped: Int64 = 86_400_000

    /// Connects (a connection of its own, with the store's URL and password).
    public convenience init(conninfo: String, password: String?, instance: String, lease: Duration) throws(PGError) {
        self.init(connection: try PGConnection(conninfo: conninfo, password: password, applicationName: "brid cluster"),
                  instance: instance, lease: lease)
    }

    /// On a connection given to it alone.
    public init(connection: PGConnection, instance: String, lease: Duration) {
        self.instance = instance
        self.lease = lease
        self.connection = connection
    }

    var leaseMS: String { String(lease.wholeMilliseconds) }

    // MARK: Joining and leaving

    public func join(host: String, pid: Int32, version: String, now: Date) throws {
        try locked { connection in
            try Self.run(connection, """
                DELETE FROM instances WHERE stopped_at IS NOT NULL AND stopped_at < \(Self.nowMS) - $1::bigint AND name <> $2
                """, [String(Self.forgetStopped), instance])
            // Takes the name when it is free: never used, stopped, silent past the lease, or
            // ours on this host (a restart).
            let joined = try Self.run(connection, """
                INSERT INTO instances (name, host, pid, version, started_at, heartbeat_at, stopped_at)
                VALUES ($1, $2, $3::integer, $4, \(Self.nowMS), \(Self.nowMS), NULL)
                ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version,
                    started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at, stopped_at = NULL
                WHERE instances.stopped_at IS NOT NULL OR instances.heartbeat_at < EXCLUDED.heartbeat_at - $5::bigint
                   OR (instances.host = EXCLUDED.host AND instances.pid = EXCLUDED.pid)
                RETURNING name
                """, [instance, host, String(pid), version, leaseMS])
            if !joined.rows.isEmpty { return }
            // Held by a live instance. On this host with its process gone (killed, then
            // restarted within the lease) the name is ours again; anywhere else it is taken.
            let other = try Self.run(connection, "SELECT host, pid, heartbeat_at, \(Self.nowMS) FROM instances WHERE name = $1",
                                     [instance])
            guard let row = other.rows.first else { return try join(connection, host: host, pid: pid, version: version) }
            let otherHost = row[0] ?? "", otherPID = Int32(row[1] ?? "") ?? 0
            let age = ((Int64(row[3] ?? "") ?? 0) - (Int64(row[2] ?? "") ?? 0)) / 1000
            if otherHost == host && otherPID != pid && kill(otherPID, 0) == -1 && errno == ESRCH {
                try Self.run(connection, """
                    UPDATE instances SET host = $2, pid = $3::integer, version = $4, started_at = \(Self.nowMS),
                        heartbeat_at = \(Self.nowMS), stopped_at = NULL WHERE name = $1
                    """, [instance, host, String(pid), version])
                return
            }
            throw ClusterError("instance \(instance) is already running on \(otherHost) (pid \(otherPID), heartbeat \(age)s ago): give each brid sharing the store its own [daemon] instance")
        }
    }

    /// The insert again, for a row deleted between the two statements.
    private func join(_ connection: PGConnection, host: String, pid: Int32, version: String) throws {
        try Self.run(connection, """
            INSERT INTO instances (name, host, pid, version, started_at, heartbeat_at, stopped_at)
            VALUES ($1, $2, $3::integer, $4, \(Self.nowMS), \(Self.nowMS), NULL)
            """, [instance, host, String(pid), version])
    }

    public func release(now: Date) throws {
        holding.withLock { $0 = Holding() }
        _ = try locked { connection in
            extras = []
            claimingSince = nil
            try Self.run(connection, """
                WITH gone AS (UPDATE source_leases SET acquired_at = \(Self.nowMS) - 1, expires_at = \(Self.nowMS) - 1
                          WHERE instance = $1 AND expires_at > acquired_at RETURNING source_id)
                UPDATE instances SET stopped_at = \(Self.nowMS), heartbeat_at = \(Self.nowMS) WHERE name = $1
                """, [instance])
        }
    }

    // MARK: Heartbeat and claims

    public func heartbeat(now: Date) throws -> Set<String> {
        try locked { connection in try renew(connection) }
    }

    /// Renews the instance's row and every lease under its name (one that expired but that
    /// no other instance took since is still ours: a take writes the taker's name; one
    /// given back is not).
    private func renew(_ connection: PGConnection) throws -> Set<String> {
        let sent = ContinuousClock.now
        let rows = try Self.run(connection, """
            WITH me AS (UPDATE instances SET heartbeat_at = \(Self.nowMS), stopped_at = NULL WHERE name = $1 RETURNING name)
            UPDATE source_leases SET expires_at = \(Self.nowMS) + $2::bigint
            WHERE instance = $1 AND expires_at > acquired_at RETURNING source_id
            """, [instance, leaseMS])
        let held = Set(rows.rows.compactMap { $0.first ?? nil })
        holding.withLock { $0 = Holding(sources: held, until: sent + lease) }
        return held
    }

    public func claim(sources: [String], busy: Set<String>, now: Date) throws -> Set<String> {
        try locked { connection in
            var held = try renew(connection)
            let wanted = Set(sources)
            let started = claimingSince ?? ContinuousClock.now
            claimingSince = started
            extras.formIntersection(held)
            // Sources no longer configured here are given up.
            let stale = held.subtracting(wanted).subtracting(busy)
            if !stale.isEmpty {
                try giveUp(stale, connection)
                held.subtract(stale)
                extras.subtract(stale)
            }
            let live = Int(try Self.run(connection, """
                SELECT count(*) FROM instances
                WHERE name = $1 OR (stopped_at IS NULL AND heartbeat_at >= \(Self.nowMS) - $2::bigint)
                """, [instance, leaseMS]).scalar ?? "1") ?? 1
            let share = (wanted.count + max(live, 1) - 1) / max(live, 1)
            // The share counts the sources held for it, not those nobody else wanted.
            let mine = held.intersection(wanted).subtracting(extras)
            if mine.count > share {
                // Above the fair share (an instance joined): the surplus goes back, those
                // being checked last, so the newcomer takes them at its next claim.
                let spare = mine.subtracting(busy).sorted().suffix(mine.count - share)
                if !spare.isEmpty {
                    try giveUp(Set(spare), connection)
                    held.subtract(spare)
                }
            } else if mine.count < share {
                let taken = try take(wanted.subtracting(held), count: share - mine.count, connection)
                held.formUnion(taken)
            }
            // Beyond the share: sources free or expired for a whole lease, which no other
            // instance wants (its configuration lacks them, or it is at its own share).
            let unheld = wanted.subtracting(held)
            if !unheld.isEmpty {
                let unwanted = try take(unheld, count: unheld.count, freeFor: true,
                                        neverLeased: ContinuousClock.now - started >= lease, connection)
                held.formUnion(unwanted)
                extras.formUnion(unwanted)
            }
            holding.withLock { $0.sources = held }
            return held
        }
    }

    /// Takes up to `count` of `candidates` whose lease is free or expired. Each instance
    /// tries them in an order of its own (by a hash of source and instance), so instances
    /// claiming at once mostly want different sources; the rows are written in the order
    /// of their keys, so two claims wanting the same rows wait for each other, never
    /// deadlock. With `freeFor`, only those free or expired for a whole lease (and those
    /// never leased when `neverLeased`).
    private func take(_ candidates: Set<String>, count: Int, freeFor: Bool = false, neverLeased: Bool = true,
                      _ connection: PGConnection) throws -> Set<String> {
        guard count > 0, !candidates.isEmpty else { return [] }
        let free = freeFor ? "(l.source_id IS NULL AND \(neverLeased)) OR l.expires_at < \(Self.nowMS) - \(leaseMS)"
            : "l.source_id IS NULL OR l.expires_at < \(Self.nowMS)"
        let rows = try Self.run(connection, """
            WITH free AS (
                SELECT c.id FROM unnest($2::text[]) AS c(id)
                LEFT JOIN source_leases l ON l.source_id = c.id
                WHERE \(free)
                ORDER BY md5(c.id || '/' || $1) LIMIT $3::integer
            )
            INSERT INTO source_leases (source_id, instance, acquired_at, expires_at)
            SELECT id, $1, \(Self.nowMS), \(Self.nowMS) + $4::bigint FROM free ORDER BY id
            ON CONFLICT (source_id) DO UPDATE SET instance = EXCLUDED.instance, acquired_at = EXCLUDED.acquired_at,
                expires_at = EXCLUDED.expires_at
            WHERE source_leases.expires_at < EXCLUDED.acquired_at OR source_leases.instance = EXCLUDED.instance
            RETURNING source_id
            """, [instance, PGReleaseWriter.arrayLiteral(candidates.sorted()), String(count), leaseMS])
        return Set(rows.rows.compactMap { $0.first ?? nil })
    }

    /// Not held here from before the statement on: no check of them starts after it. The
    /// rows stay, ended now (see the type's comment).
    private func giveUp(_ sources: Set<String>, _ connection: PGConnection) throws {
        holding.withLock { $0.sources.subtract(sources) }
        try Self.run(connection, """
            UPDATE source_leases SET acquired_at = \(Self.nowMS) - 1, expires_at = \(Self.nowMS) - 1
            WHERE instance = $1 AND source_id = ANY($2::text[]) AND expires_at > acquired_at
            """, [instance, PGReleaseWriter.arrayLiteral(sources.sorted())])
    }

    public func holds(_ source: String) -> Bool {
        holding.withLock { holding in
            guard let until = holding.until, ContinuousClock.now < until else { return false }
            return holding.sources.contains(source)
        }
    }

    // MARK: Status

    public func members(now: Date) throws -> [ClusterMember] {
        try locked { connection in
            try Self.run(connection, """
                SELECT name, host, pid, version, started_at, heartbeat_at, stopped_at, \(Self.nowMS) FROM instances ORDER BY name
                """).rows.map { row in
                let heartbeat = Int64(row[5] ?? "") ?? 0, dbNow = Int64(row[7] ?? "") ?? 0
                let stopped = row[6].flatMap { Int64($0) }
                let condition: ClusterMember.State = stopped != nil ? .stopped
                    : heartbeat < dbNow - (Int64(leaseMS) ?? 0) ? .silent : .live
                return ClusterMember(name: row[0] ?? "", host: row[1] ?? "", pid: Int32(row[2] ?? "") ?? 0, version: row[3] ?? "",
                                     startedAt: Date(milliseconds: Int64(row[4] ?? "") ?? 0), heartbeatAt: Date(milliseconds: heartbeat),
                                     stoppedAt: stopped.map(Date.init(milliseconds:)), state: condition)
            }
        }
    }

    public func leases(now: Date) throws -> [SourceLease] {
        try locked { connection in
            try Self.run(connection, """
                SELECT source_id, instance, acquired_at, expires_at, expires_at < \(Self.nowMS) FROM source_leases ORDER BY source_id
                """).rows.map { row in
                SourceLease(source: row[0] ?? "", instance: row[1] ?? "", acquiredAt: Date(milliseconds: Int64(row[2] ?? "") ?? 0),
                            expiresAt: Date(milliseconds: Int64(row[3] ?? "") ?? 0), expired: row[4] == "t")
            }
        }
    }

    // MARK: Statements

    @discardableResult
    private func locked<T: Sendable>(_ body: (PGConnection) throws -> T) throws -> T {
        try lock.withLock { _ in try body(connection) }
    }

    /// Runs a statement, connecting again once when the connection was lost (the server
    /// restarted), and again when PostgreSQL ended it to break a deadlock with another
    /// instance's (rows of both renewed or taken at once): every statement here may be run
    /// twice.
    static let deadlockDetected = "40P01"

    @discardableResult
    static func run(_ connection: PGConnection, _ sql: String, _ parameters: [String?] = []) throws -> PGRows {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try connection.query(sql, parameters)
            } catch {
                if error.kind == .connectionLost, attempt == 1 {
                    continue  // the connection is reset before the next statement is sent
                } else if error.sqlState == deadlockDetected, attempt < 4 {
                    continue  // the other statement went through; ours again sees its outcome
                } else {
                    throw error
                }
            }
        }
    }
}
