import BridCore
import CSQLite
import Foundation
import Synchronization

/// The vintage store: the one owner of the SQLite database.
///
/// Every write is a named transaction that keeps the invariants of CONTRACT §2 (releases
/// and observation versions are append-only; a release writes exactly its changes).
/// Writes go through one connection, reads through a small pool of others, so queries
/// never wait for an ingest in flight, nor for each other (WAL mode).
public final class SQLiteStore: VintageStore {
    /// The database file.
    public let path: String
    public var location: String { path }
    let writer: Mutex<Connection>
    /// The read connections: a few queries run at once, each in one snapshot.
    let reads: ReadPool
    /// The rules evaluated at each write, and the notifiers the outbox is written for.
    let policy = Mutex(AlertPolicy.none)
    /// Told of every committed alert transition (the daemon wakes its delivery then).
    let alertObserver = Mutex<(@Sendable ([AlertTransition]) -> Void)?>(nil)
    /// When each rule was last evaluated.
    let ruleEvaluations = Mutex<[String: Date]>([:])
    /// The WAL size past which `checkpointIfLarge()` checkpoints (tests lower it).
    public let walCheckpointThreshold = Atomic<Int64>(SQLiteStore.defaultWALCheckpointThreshold)

    /// How many queries may read the store at once.
    public static let readConnections = 4

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        let connection = try Connection(path: path)
        // SQLite falls back to read-only when the file or its file system cannot be
        // written; brid would then run and never store anything.
        guard sqlite3_db_readonly(connection.handle, "main") != 1 else {
            throw StoreError("cannot write the database \(path): it is read-only (its owner, mode or file system) — brid needs to write its state folder")
        }
        try connection.execute("""
            PRAGMA page_size = 8192;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = ON;
            PRAGMA cache_size = -32768;
            PRAGMA temp_store = MEMORY;
            PRAGMA journal_size_limit = \(SQLiteStore.journalSizeLimit);
            """)
        try SQLiteStore.migrate(connection)
        writer = Mutex(connection)
        reads = ReadPool(path: path, capacity: SQLiteStore.readConnections, cacheKiB: 8_192)
    }

    /// Closed in the right order (see `close()`) if nobody did.
    deinit { close() }

    /// Names of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try reads.read { db in
            try db.prepare("SELECT name FROM schema_migrations ORDER BY rowid").rows { $0.text(0) ?? "" }
        }
    }

    static func migrate(_ db: Connection) throws(StoreError) {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)")
        do {
            let applied = Set(try db.prepare("SELECT name FROM schema_migrations").rows { $0.text(0) ?? "" })
            let known = Set(Schema.migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StoreError("the database has migration \(unknown), which this brid does not know: it was written by a newer version")
            }
            for migration in Schema.migrations where !applied.contains(migration.name) {
                try db.transaction {
                    try db.execute(migration.sql)
                    if Schema.editingTableText.contains(migration.name) {
                        // sqlite_master was edited: a new schema version makes every
                        // connection (this one included) read the schema again.
                        let version = try db.prepare("PRAGMA schema_version").firstRow { $0.int(0) } ?? 0
                        try db.execute("PRAGMA schema_version = \(version + 1)")
                    }
                    try db.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)")
                        .bind(.text(migration.name), .integer(Date().millisecondsSince1970)).run()
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError("migration failed: \(error)")
        }
    }

    /// Writes the catalogue's names, units and frequencies. A series that does not exist
    /// yet is created without a source; the frequency of a series that already has
    /// observations is never changed (returned as a conflict instead).
    @discardableResult
    public func applyCatalogue(_ entries: [SeriesMetadata]) throws -> [String] {
        try writer.withLock { db in
            try db.transaction {
                var conflicts: [String] = []
                let find = try db.prepare("SELECT id, frequency, EXISTS (SELECT 1 FROM observation_versions v WHERE v.series_id = series.id) FROM series WHERE key = ?")
                let insert = try db.prepare("INSERT INTO series (key, frequency, name, unit) VALUES (?, ?, ?, ?)")
                let update = try db.prepare("UPDATE series SET name = ?, unit = ?, frequency = ? WHERE id = ?")
                for entry in entries {
                    let existing = try find.bind(.text(entry.key)).firstRow { ($0.int(0), $0.text(1) ?? "", $0.int(2) != 0) }
                    if let (id, frequency, hasData) = existing {
                        var newFrequency = frequency
                        if let wanted = entry.frequency?.rawValue, wanted != frequency {
                            if hasData {
                                conflicts.append("series \(entry.key) is stored with frequency \(frequency) but the catalogue says \(wanted); keeping \(frequency)")
                            } else {
                                newFrequency = wanted
                            }
                        }
                        try update.bind(.optional(entry.name), .optional(entry.unit), .text(newFrequency), .integer(id)).run()
                    } else if let frequency = entry.frequency {
                        try insert.bind(.text(entry.key), .text(frequency.rawValue), .optional(entry.name), .optional(entry.unit)).run()
                    }
                }
                return conflicts
            }
        }
    }

    /// A lookup of stored (or catalogued) series' frequencies for one payload: one query
    /// per series the payload has, on a read connection of its own — not a dictionary of
    /// every series in the store (a million of them in a large store).
    public func frequencyLookup() throws -> FrequencyLookup {
        try FrequencyLookup(path: path)
    }

    /// Frequencies of every stored series (tests and tools; an ingest uses `frequencyLookup`).
    public func seriesFrequencies() throws -> [String: Frequency] {
        try reads.read { db in
            var result: [String: Frequency] = [:]
            let statement = try db.prepare("SELECT key, frequency FROM series")
            while try statement.step() {
                if let key = statement.text(0), let frequency = statement.text(1).flatMap(Frequency.init(rawValue:)) {
                    result[key] = frequency
                }
            }
            statement.reset()
            return result
        }
    }
}

/// Stored series' frequencies by key, for one payload's builder; used by one thread at a
/// time (the payload's reading thread). Each backend answers through its own `find`.
public final class FrequencyLookup: @unchecked Sendable {
    // `find` holds a connection used by one thread at a time, as documented.
    private let find: (String) -> Frequency?

    /// A lookup answering with `find`: nil for a series the store does not know (or when
    /// the store cannot be read: the payload then infers it, and the write, which checks
    /// against the store, refuses a conflict).
    public init(_ find: @escaping (String) -> Frequency?) {
        self.find = find
    }

    /// The frequency of a stored series, or nil for a series the store does not know.
    public func frequency(of key: String) -> Frequency? { find(key) }
}

extension FrequencyLookup {
    /// A lookup through a read connection of its own on the SQLite database at `path`, by
    /// windows of stored keys (`FrequencyWindow`: SQLite's BINARY order of keys is their
    /// byte order too): a payload's series, mostly in key order, cost a query per window
    /// rather than one per series — each query its own read transaction, whose start (the
    /// WAL's read lock, a `stat` of the file) cost more than the lookup itself, about 1 µs a
    /// series for 100,000 series.
    convenience init(path: String) throws {
        let connection = try Connection.reader(path: path, cacheKiB: 2_048)
        self.init(windowsThrough: try connection.prepare(FrequencyWindow.sql), keeping: connection)
    }
}
