import BridCore
import BridPostgres
import Foundation
import Synchronization

/// The vintage store in a PostgreSQL database, shared by every brid instance that points
/// at it (issue 11): the same tables, invariants and semantics as `SQLiteStore`.
///
/// Writes go through one connection (a transaction at a time, under a lock), reads through
/// a small pool of others, each read in one snapshot. Releases are written under a
/// transaction-level advisory lock held to commit (see `PGReleaseWriter`), so release ids
/// and ingest times rise together across instances, and a reader never sees release N+1
/// without release N. The password is kept only to open connections; it is in no message.
///
/// The queries, cursors, alert rules, outbox and retention are the backend-neutral code of
/// Sources/BridStore/SQL (`StoreQueries`, `AlertWriter`) on `PGDatabase` connections, as on
/// SQLite; the deliveries are claimed per instance (`PGDeliveryClaims`).
///
/// Errors: a `PGError` goes through unchanged (its `isUnavailable` says when the server
/// cannot be reached); a `StoreError` made from one keeps that flag.
public final class PostgresStore: VintageStore {
    /// This brid instance's name (`[daemon] instance`), for the cluster's tables.
    public let instance: String
    /// The server, database and role, as libpq resolved them.
    public let endpoint: PGConnection.Endpoint
    /// "host:port database NAME as USER" — never the password.
    public var location: String { endpoint.description }
    let writer: PGWriter
    /// Delivery claims, renewals and records on a connection of their own: they never wait
    /// behind an ingest holding the writer (a claim could run out meanwhile).
    let claims: PGWriter
    let reads: PGReadPool
    private let connect: @Sendable () throws(PGError) -> PGConnection
    private let closed = Atomic<Bool>(false)
    /// How long a delivery this instance claimed stays its own (`[store] lease`).
    public let lease: Duration
    /// The alert rules and notifiers in force.
    let policy = Mutex(AlertPolicy.none)
    /// Told of every committed alert transition.
    let alertObserver = Mutex<(@Sendable ([AlertTransition]) -> Void)?>(nil)
    /// When each rule was last judged (since this store was opened).
    let ruleEvaluations = Mutex<[String: Date]>([:])

    /// How many queries may read the store at once.
    public static let readConnections = 4

    /// The advisory locks brid takes (two-key form: brid's space, then which).
    static let lockSpace = "1651665252"  // "brid" as a 32-bit number
    enum AdvisoryLock: String {
        /// Held by the transaction that applies migrations.
        case migrations = "1"
        /// Held by a transaction that writes a release, from taking its id and time to commit,
        /// and by every transaction that may write alerts (`alertingTransaction`).
        case releases = "2"
    }

    /// Connects to the database at `url` (a libpq URI or key=value string) with `password`
    /// (nil: libpq's own, `PGPASSWORD` or `~/.pgpass`), and applies pending migrations.
    /// Throws `StoreError` saying which server and why; never with the password in it (its
    /// `isUnavailable` holds when the server could not be reached, as opposed to refusing).
    /// `lease`: how long a delivery claimed by this instance stays its own.
    public init(url: String, password: String?, instance: String, lease: Duration = StoreConfig.defaultLease) throws(StoreError) {
        self.instance = instance
        self.lease = lease
        let connect: @Sendable () throws(PGError) -> PGConnection = { () throws(PGError) in
            try PGConnection(conninfo: url, password: password, applicationName: "brid \(instance)")
        }
        let connection: PGConnection
        do {
            connection = try connect()
        } catch {
            throw Self.connectError(error)
        }
        endpoint = connection.endpoint
        try Self.migrate(connection)
        self.connect = connect
        writer = PGWriter(connection)
        do {
            claims = PGWriter(try connect())
        } catch {
            connection.close()
            throw Self.connectError(error)
        }
        reads = PGReadPool(capacity: Self.readConnections) { try connect() }
    }

    /// Closed if nobody did.
    deinit { close() }

    static func connectError(_ error: PGError) -> StoreError {
        let server = error.server.map { " at \($0)" } ?? ""
        var message = error.message
        // libpq's "connection to server … failed: " opening: the line names the server already.
        if message.hasPrefix("connection to server"), let end = message.firstRange(of: " failed: ") {
            message = String(message[end.upperBound...])
        }
        let text = "cannot connect to PostgreSQL\(server): \(message)"
        return error.isUnavailable ? .unavailable(text) : StoreError(text)
    }

    /// Opens a connection of its own (a frequency lookup, a benchmark's reference).
    func openConnection() throws -> PGConnection {
        guard !isClosed else { throw StoreError.closed }
        do {
            return try connect()
        } catch {
            throw Self.connectError(error)
        }
    }

    // MARK: Migrations

    /// Names of the migrations applied to this database, in the order they were written.
    public func appliedMigrations() throws -> [String] {
        let applied = try reads.read { db in try db.query("SELECT name FROM schema_migrations").rows.compactMap { $0.first ?? nil } }
        let order = Dictionary(uniqueKeysWithValues: PGSchema.migrations.enumerated().map { ($1.name, $0) })
        return applied.sorted { (order[$0] ?? .max, $0) < (order[$1] ?? .max, $1) }
    }

    /// Applies the migrations the database lacks, in order, in one transaction under an
    /// advisory lock: two instances starting at once apply them once (the second waits,
    /// then finds them applied). A database with a migration this brid does not know was
    /// written by a newer brid, and is refused.
    static func migrate(_ db: PGConnection) throws(StoreError) {
        do {
            try db.transaction { db in
                try db.query("SELECT pg_advisory_xact_lock($1::integer, $2::integer)", [lockSpace, AdvisoryLock.migrations.rawValue])
                try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT COLLATE \"C\" PRIMARY KEY, applied_at BIGINT NOT NULL)")
                let applied = Set(try db.query("SELECT name FROM schema_migrations").rows.compactMap { $0.first ?? nil })
                let known = Set(PGSchema.migrations.map(\.name))
                if let unknown = applied.subtracting(known).sorted().first {
                    throw StoreError("the database has migration \(unknown), which this brid does not know: it was written by a newer version")
                }
                for migration in PGSchema.migrations where !applied.contains(migration.name) {
                    try db.execute(migration.sql)
                    try db.query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
                                 [migration.name, String(Date().millisecondsSince1970)])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as PGError where error.isUnavailable {
            throw .unavailable("migration failed: \(error)")
        } catch {
            throw StoreError("migration failed: \(error)")
        }
    }

    // MARK: The store itself

    /// The database's size on the server; no write-ahead log of brid's own (the server's is its).
    public func storageSizes() -> StorageSizes {
        let bytes = (try? reads.read { db in try db.query("SELECT pg_database_size(current_database())").scalar })
            .flatMap { $0 }.flatMap { Int64($0) } ?? 0
        return StorageSizes(databaseBytes: bytes, walBytes: 0)
    }

    /// Nothing to do: the server keeps its own files tidy (autovacuum, checkpoints).
    @discardableResult
    public func maintain() throws -> String? { nil }

    /// Not brid's job on a server: `pg_dump` takes a consistent copy while brid runs.
    public func backup(to target: String, overwrite: Bool) throws(BackupError) -> BackupResult {
        throw BackupError(kind: .failed, description: "the store is in PostgreSQL (\(location)): back it up with the server's tools, e.g. pg_dump --format=custom --file=\(target) \(endpoint.database)")
    }

    /// Closes every connection; later calls throw. Again is fine.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        reads.close()
        writer.with { $0.close() }
        claims.with { $0.close() }
    }

    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Asks the server through the writer's connection (connecting again when it broke);
    /// throws a `PGError` whose `isUnavailable` holds while the server cannot be reached.
    public func ping() throws {
        guard !isClosed else { throw StoreError.closed }
        try writer.with { db in
            guard !isClosed else { throw StoreError.closed }
            try db.ping()
        }
    }

    /// Runs `body` in a transaction on the writer connection.
    func write<T>(_ body: (PGConnection) throws -> T) throws -> T {
        guard !isClosed else { throw StoreError.closed }
        return try writer.with { db in
            guard !isClosed else { throw StoreError.closed }
            return try db.transaction { try body($0) }
        }
    }

    // MARK: Catalogue

    /// Writes the catalogue's names, units and frequencies. A series that does not exist
    /// yet is created without a source; the frequency of a series that already has
    /// observations is never changed (returned as a conflict instead).
    @discardableResult
    public func applyCatalogue(_ entries: [SeriesMetadata]) throws -> [String] {
        try write { db in
            var conflicts: [String] = []
            for entry in entries {
                let existing = try db.query("""
                    SELECT id, frequency, EXISTS (SELECT 1 FROM observation_versions v WHERE v.series_id = series.id)
                    FROM series WHERE key = $1
                    """, [entry.key]).rows.first
                if let existing, let id = existing[0] {
                    let frequency = existing[1] ?? ""
                    var newFrequency = frequency
                    if let wanted = entry.frequency?.rawValue, wanted != frequency {
                        if existing[2] == "t" {
                            conflicts.append("series \(entry.key) is stored with frequency \(frequency) but the catalogue says \(wanted); keeping \(frequency)")
                        } else {
                            newFrequency = wanted
                        }
                    }
                    try db.query("UPDATE series SET name = $1, unit = $2, frequency = $3 WHERE id = $4",
                                 [entry.name, entry.unit, newFrequency, id])
                } else if let frequency = entry.frequency {
                    try db.query("INSERT INTO series (key, frequency, name, unit) VALUES ($1, $2, $3, $4)",
                                 [entry.key, frequency.rawValue, entry.name, entry.unit])
                }
            }
            return conflicts
        }
    }

    /// A lookup of stored (or catalogued) series' frequencies for one payload, on a
    /// connection of its own (given back with the lookup), by windows of keys
    /// (`FrequencyWindow`): a payload's series, which come in key order mostly, cost a
    /// query per window of stored keys, not a round trip to the server per series.
    public func frequencyLookup() throws -> FrequencyLookup {
        // A read connection lent for the payload's reading (as a cursor's: never the pool's
        // last), its statement prepared once per connection — not a new connection per ingest.
        let lent = try LentReadConnection(reads)
        return FrequencyLookup(windowsThrough: try lent.database.prepare(FrequencyWindow.sql), keeping: lent)
    }

    /// Frequencies of every stored series (tests and tools; an ingest uses `frequencyLookup`).
    public func seriesFrequencies() throws -> [String: Frequency] {
        try reads.read { db in
            var result: [String: Frequency] = [:]
            try db.forEachRow("SELECT key, frequency FROM series") { row in
                if let key = row.text(0), let frequency = row.text(1).flatMap(Frequency.init(rawValue:)) {
                    result[key] = frequency
                }
            }
            return result
        }
    }
}

/// The writer connection behind a lock: one transaction at a time. (Not a `Mutex<PGConnection>`:
/// the transaction's body and result are not `sending`.)
final class PGWriter: @unchecked Sendable {
    // The connection is only used while `lock` is held.
    private let lock = Mutex(())
    /// The connection as the shared code sees it, its statements prepared once.
    private let database: PGDatabase

    init(_ connection: PGConnection) { database = PGDatabase(connection) }

    func with<T>(_ body: (PGConnection) throws -> T) rethrows -> T {
        try lock.withLock { _ in try body(database.connection) }
    }

    /// The same, for the code both backends share.
    func withDatabase<T>(_ body: (PGDatabase) throws -> T) rethrows -> T {
        try lock.withLock { _ in try body(database) }
    }
}

extension PostgresStore {
    /// One write transaction on the writer connection with an `AlertWriter` for it, under
    /// the policy in force when it began; the transitions it made are reported once committed.
    func alertingTransaction<T>(at now: Date, _ body: (PGConnection, inout AlertWriter<PGDatabase>) throws -> T) throws -> T {
        guard !isClosed else { throw StoreError.closed }
        let (result, transitions, evaluated) = try writer.withDatabase { database in
            guard !isClosed else { throw StoreError.closed }
            // Read under the write lock: a policy swapped by a reload applies to whole transactions.
            let policy = self.policy.withLock { $0 }
            return try database.connection.transaction { db in
                // Alerts are shared by every instance: one alert-writing transaction at a
                // time across them (the releases' lock, which an ingest takes anyway), so two
                // never both resolve one firing alert (two "resolved" notifications), fire
                // one key twice, or update alert rows in opposite orders (a deadlock).
                try db.query("SELECT pg_advisory_xact_lock($1::integer, $2::integer)",
                             [PostgresStore.lockSpace, PostgresStore.AdvisoryLock.releases.rawValue])
                var alerts = AlertWriter(db: database, policy: policy, now: now)
                let result = try body(db, &alerts)
                return (result, alerts.transitions, alerts.evaluatedRules)
            }
        }
        if !evaluated.isEmpty {
            ruleEvaluations.withLock { times in
                for rule in evaluated { times[rule] = now }
            }
        }
        if !transitions.isEmpty, let observer = alertObserver.withLock({ $0 }) { observer(transitions) }
        return result
    }
}

/// A read connection lent for as long as this value lives (a frequency lookup's), handed
/// back to the pool when it goes.
final class LentReadConnection {
    let database: PGDatabase
    private let pooled: Bool
    private let pool: PGReadPool

    init(_ pool: PGReadPool) throws {
        (database, pooled) = try pool.checkOutForCursor()
        self.pool = pool
    }

    deinit { pool.checkInFromCursor(database, pooled: pooled) }
}
