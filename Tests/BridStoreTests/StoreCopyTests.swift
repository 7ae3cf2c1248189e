import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// `StoreCopy` (brid migrate-store) from a real SQLite store into a database of the test
/// cluster: every row of every table arrives under its id, and ids go on past the copied ones.
@Suite("StoreCopy: SQLite into PostgreSQL")
struct StoreCopyTests {
    let cluster: PostgresCluster

    init() async throws {
        cluster = try await PostgresCluster.shared()
    }

    /// A new database of the cluster with the PostgreSQL schema applied.
    func emptyTarget() throws -> PGConnection {
        let name = "copy_" + UUID().uuidString.prefix(8).lowercased()
        try cluster.createDatabase(name)
        let pg = try PGConnection(conninfo: "host=\(cluster.folder) port=\(cluster.port) dbname=\(name) user=\(cluster.role)",
                                  password: cluster.password)
        for migration in PGSchema.migrations { _ = try pg.execute(migration.sql) }
        return pg
    }

    /// A store with a bit of everything: three releases of two sources (a revision, a
    /// snapshot's removal, a status), a catalogued series without data, a fired and a
    /// resolved alert with their outbox entries and deliveries, one delivered.
    func populatedStore() throws -> TemporaryStore {
        let t = try TemporaryStore(.sqlite)
        try t.store.applyCatalogue([SeriesMetadata(key: "kz.catalogued", name: "Catalogued\tonly \\ with a\nline break, Алатау", unit: "t", frequency: .annual)])
        let notifiers = [NotifierConfig(id: "log", kind: .log), NotifierConfig(id: "hook", kind: .log)]
        try t.store.setAlertPolicy(AlertPolicy(rules: [AlertEvaluationTests.rule("jump", "cn-kz.*", .changePct(above: 25, below: nil, compare: .previous))],
                                               notifiers: notifiers, sources: ["src", "other"]), at: t.clock)
        try t.ingest([("cn-kz.trade", "2017", "18.0"), ("cn-kz.trade", "2018", "19.885"), ("kz.trains.alataw", "2018", "2388")])
        try t.ingest([("cn-kz.trade", "2017", "15.0"), ("cn-kz.trade", "2018", "19.885"), ("kz.trains.alataw", "2018", "2388")])
        try t.ingest([("cn-kz.trade", "2018", "19.9")], snapshot: true)
        try t.ingest([("kz.trains.horgos", "2018", "404")], source: "other")
        let due = try t.store.pendingDeliveries(notifier: "hook")
        let first = try #require(due.first)
        try t.store.recordDelivered(outboxID: first.outboxID, notifier: "hook", at: t.clock)
        return t
    }

    func rows(_ table: (name: String, columns: [String], order: String), sqlite t: TemporaryStore) throws -> [[String?]] {
        let sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order)"
        return try t.sqlite.reads.read { db in
            try db.prepare(sql).rows { row in (0..<Int32(table.columns.count)).map { row.text($0) } }
        }
    }

    @Test func everyRowOfEveryTableArrivesUnderItsId() throws {
        let t = try populatedStore()
        let pg = try emptyTarget()
        defer { pg.close() }
        var told: [String] = []
        let report = try StoreCopy.copy(sqlitePath: t.databasePath, to: pg) { table, _ in told.append(table) }
        #expect(told == StoreCopy.tables.map(\.name))
        for table in StoreCopy.tables {
            let sqlite = try rows(table, sqlite: t)
            let copied = try pg.query("SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order)").rows
            #expect(copied == sqlite, "table \(table.name)")
            #expect(report.rows.first { $0.table == table.name }?.count == sqlite.count)
        }
        // Not vacuous: each kind of row is there.
        #expect(report.rows.allSatisfy { $0.count > 0 }, "\(report.summary)")
        #expect(try pg.query("SELECT count(*) FROM observation_versions WHERE removed = 1").scalar == "2")  // the snapshot removed 2017 and Alataw
        #expect(try pg.query("SELECT count(*) FROM deliveries WHERE delivered_at IS NOT NULL").scalar == "1")
    }

    @Test func idsGoOnPastTheCopiedOnesAndTheCopyIsImmutable() throws {
        let t = try populatedStore()
        let pg = try emptyTarget()
        defer { pg.close() }
        _ = try StoreCopy.copy(sqlitePath: t.databasePath, to: pg)
        let last = try #require(try t.store.latestReleaseID())
        let next = try pg.query("""
            INSERT INTO releases (source_id, ingested_at, origin, sha256, added, revised, removed, unchanged)
            VALUES ('src', 1, 'x', repeat('a', 64), 1, 0, 0, 0) RETURNING id
            """).scalar
        #expect(next == String(last + 1))
        #expect(throws: PGError.self) { _ = try pg.execute("UPDATE observation_versions SET value = '1'") }
    }

    @Test func aTargetThatHoldsAStoreIsRefusedAndLeftAsItWas() throws {
        let t = try populatedStore()
        let pg = try emptyTarget()
        defer { pg.close() }
        _ = try StoreCopy.copy(sqlitePath: t.databasePath, to: pg)
        let before = try pg.query("SELECT count(*) FROM observation_versions").scalar
        let error = try #require(throws: StoreError.self) { _ = try StoreCopy.copy(sqlitePath: t.databasePath, to: pg) }
        #expect(error.message.contains("already holds a store"))
        #expect(try pg.query("SELECT count(*) FROM observation_versions").scalar == before)
    }

    @Test func aFailedCopyLeavesTheTargetEmpty() throws {
        let t = try populatedStore()
        let pg = try emptyTarget()
        defer { pg.close() }
        // A constraint PostgreSQL keeps and this store breaks: the third table fails mid-way.
        _ = try pg.execute("ALTER TABLE releases ADD CONSTRAINT no_other CHECK (source_id <> 'other')")
        #expect(throws: PGError.self) { _ = try StoreCopy.copy(sqlitePath: t.databasePath, to: pg) }
        for table in StoreCopy.tables {
            #expect(try pg.query("SELECT count(*) FROM \(table.name)").scalar == "0", "table \(table.name)")
        }
    }
}
