import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Synchronization
import Testing

/// The backends the store suite runs against: every backend-neutral test takes one as its
/// argument (`@Test(arguments: StoreBackend.allCases)`).
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    /// A database of its own on the shared test cluster (`PostgresCluster`).
    case postgresql

    var testDescription: String { rawValue }

    /// A new, empty store of this backend, its files (if any) in `folder`.
    func makeStore(in folder: String) throws -> any VintageStore {
        switch self {
        case .sqlite: try SQLiteStore(path: folder + "/brid.sqlite")
        case .postgresql:
            try Self.makePostgresStore()
        }
    }

    static let databases = Atomic<Int>(0)

    /// A PostgresStore in a new, empty database of the shared test cluster.
    static func makePostgresStore(instance: String = "test") throws -> PostgresStore {
        let cluster = try PostgresCluster.sharedBlocking()
        let name = "suite_\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)_\(UInt32.random(in: 0...UInt32.max))"
        try cluster.createDatabase(name)
        return try PostgresStore(url: "host=\(cluster.folder) port=\(cluster.port) dbname=\(name) user=\(cluster.role)",
                                 password: cluster.password, instance: instance)
    }
}

/// A store in a fresh temporary folder, removed when the test's value goes away.
final class TemporaryStore {
    let backend: StoreBackend
    let folder: String
    let store: any VintageStore
    var clock = Date(timeIntervalSince1970: 1_543_622_400)  // 2018-12-01T00:00:00Z

    /// A store of `backend`; SQLite-only tests take the default.
    init(_ backend: StoreBackend = .sqlite) throws {
        self.backend = backend
        folder = NSTemporaryDirectory() + "brid-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        store = try backend.makeStore(in: folder)
    }

    /// On PostgreSQL, every test of the store suite ends by checking that each series'
    /// record in `series_current` (the ingest's cache of its current vintage) equals the
    /// current vintage derived from its immutable versions.
    deinit {
        if let pg = store as? PostgresStore, !pg.isClosed {
            do {
                let differing = try SeriesCurrentCheck.differing(pg)
                if differing != 0 {
                    Issue.record("series_current differs from the versions' current vintage in \(differing) series")
                }
            } catch {
                Issue.record("checking series_current: \(error)")
            }
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The SQLite backend itself, for the tests of SQLite specifics (its WAL, its
    /// connections, its query plans, its triggers).
    var sqlite: SQLiteStore {
        get throws { try #require(store as? SQLiteStore, "an SQLite-only test ran on \(backend)") }
    }

    /// The PostgreSQL backend itself (PostgreSQL-only checks).
    var postgres: PostgresStore {
        get throws { try #require(store as? PostgresStore, "a PostgreSQL-only test ran on \(backend)") }
    }

    /// The SQLite backend's database file (SQLite-only tests).
    var databasePath: String { folder + "/brid.sqlite" }

    /// Ingests rows (series, period, value) as one payload of `source`, one day after the last.
    @discardableResult
    func ingest(_ rows: [(String, String, String?)], source: String = "src", snapshot: Bool = false, digest: String? = nil) throws -> PayloadOutcome {
        clock = clock.addingTimeInterval(86_400)
        let frequencies = try store.seriesFrequencies()
        var builder = PayloadBuilder(origin: "test.csv") { frequencies[$0] }
        for (i, row) in rows.enumerated() {
            try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
        }
        let payload = try builder.finish()
        let sha = digest ?? String(repeating: "0", count: 48) + String(format: "%016x", UInt64(clock.timeIntervalSince1970))
        return try store.ingest(payload, source: source, recordRemovals: snapshot, sha256: sha, at: clock)
    }

    func release(_ outcome: PayloadOutcome) -> Release? {
        if case let .released(release) = outcome { return release }
        return nil
    }

    func latest(_ series: String) throws -> [String: String?] {
        Dictionary(uniqueKeysWithValues: try (store.observations(series: series) ?? []).map { ($0.period, $0.value) })
    }

    // What the interface does not show (the outbox's rows, how many deliveries are kept),
    // read in each backend's own SQL: the same tables on every backend.

    /// How many rows `table` has.
    func count(_ table: String) throws -> Int {
        switch backend {
        case .sqlite:
            Int(try sqlite.reads.read { db in try db.prepare("SELECT count(*) FROM \(table)").firstRow { $0.int(0) } } ?? -1)
        case .postgresql:
            Int(try postgres.reads.read { db in try db.query("SELECT count(*) FROM \(table)").scalar } ?? "") ?? -1
        }
    }

    /// The outbox's rows, oldest first: their ids, alerts and events.
    func outbox() throws -> [(id: Int64, alert: Int64, event: String)] {
        switch backend {
        case .sqlite:
            try sqlite.reads.read { db in
                try db.prepare("SELECT id, alert_id, event FROM outbox ORDER BY id").rows { ($0.int(0), $0.int(1), $0.text(2) ?? "") }
            }
        case .postgresql:
            try postgres.reads.read { db in
                try db.query("SELECT id, alert_id, event FROM outbox ORDER BY id").rows.map { (Int64($0[0] ?? "") ?? 0, Int64($0[1] ?? "") ?? 0, $0[2] ?? "") }
            }
        }
    }
}

/// Compares PostgreSQL's `series_current` (a derived cache the ingest keeps, migration
/// `2026-12-10-pg-series-current`) with the current vintage derived from the versions.
enum SeriesCurrentCheck {
    /// How many series' records differ from their versions' current vintage (a missing or
    /// extra record counts too): one query.
    static let sql = """
        SELECT count(*) FROM brid_series_current_derived() d FULL JOIN series_current c ON c.series_id = d.series_id
        WHERE d.current IS DISTINCT FROM c.current
        """

    static func differing(_ store: PostgresStore) throws -> Int {
        Int(try store.reads.read { db in try db.query(sql).scalar } ?? "") ?? -1
    }

    static func differing(_ db: PGConnection) throws -> Int {
        Int(try db.query(sql).scalar ?? "") ?? -1
    }
}
