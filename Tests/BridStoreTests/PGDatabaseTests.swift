import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// A PostgreSQL database of a test's own on the shared test cluster, reached through the
/// adapter the shared store code uses; with `schema`, PGSchema's migrations applied.
func portableDatabase(schema: Bool = true) async throws -> (database: PGDatabase, cluster: PostgresCluster, name: String) {
    let cluster = try await PostgresCluster.shared()
    let name = "portable_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try cluster.createDatabase(name)
    let database = try PGDatabase(connecting(cluster, name))
    if schema {
        for migration in PGSchema.migrations { try database.execute(migration.sql) }
    }
    return (database, cluster, name)
}

func connecting(_ cluster: PostgresCluster, _ name: String) throws -> PGConnection {
    try PGConnection(conninfo: "host=\(cluster.folder) port=\(cluster.port) dbname=\(name) user=\(cluster.role)", password: cluster.password)
}

/// The PostgreSQL adapter of the shared SQL (`PGDatabase`, `PGSQLStatement`, `PGCursorRows`).
@Suite struct PGDatabaseTests {
    // MARK: Placeholders (no server)

    @Test func numberedAndBarePlaceholdersBecomeDollarParametersOutsideLiteralsAndComments() {
        let (sql, count) = PGDatabase.translate("""
            SELECT '?', 'it''s ?1', "odd?col", ? -- a ? here
            , ?3, ? /* ? and ?9 */ FROM t WHERE a = ?2
            """)
        #expect(sql == """
            SELECT '?', 'it''s ?1', "odd?col", $1 -- a ? here
            , $3, $4 /* ? and ?9 */ FROM t WHERE a = $2
            """)
        #expect(count == 4)
        #expect(PGDatabase.translate("SELECT 1").parameters == 0)
        #expect(PGDatabase.translate("?1 ?1 ?").sql == "$1 $1 $2")
        // Non-ASCII text around is kept byte for byte.
        #expect(PGDatabase.translate("SELECT 'ü?' || ?").sql == "SELECT 'ü?' || $1")
    }

    @Test func inlinedValuesAreStringLiteralsWithQuotesAndBackslashesEscaped() {
        #expect(PGDatabase.inline("SELECT ?1, ?, '?', ?9", [.text("it's a \\ ü"), .integer(-3), .null])
                == "SELECT E'it''s a \\\\ ü', E'-3', '?', NULL")
    }

    // MARK: Against the server

    @Test func bindsReadsBooleansNullsAndTextAsSQLiteDoes() async throws {
        let (db, _, _) = try await portableDatabase(schema: false)
        let row = try db.prepare("""
            SELECT EXISTS (SELECT 1), 1 = 0, CAST(?1 AS TEXT) IS NULL, ?2, CAST(?3 AS BIGINT), CAST(?4 AS TEXT), CAST(?5 AS TEXT), 2.5
            """).bind(.null, .text("it's ü \u{10FFFF}"), .integer(-9_007_199_254_740_993), .null, .text(""))
            .firstRow { s in
                (s.int(0), s.int(1), s.int(2), s.text(3), s.int(4), s.isNull(5), s.optionalInt(5), s.text(6), s.isNull(6), s.int(7))
            }
        let r = try #require(row)
        #expect(r.0 == 1 && r.1 == 0 && r.2 == 1)
        #expect(r.3 == "it's ü \u{10FFFF}")
        #expect(r.4 == -9_007_199_254_740_993)
        #expect(r.5 && r.6 == nil)
        #expect(r.7 == "" && !r.8)
        #expect(r.9 == 2)
    }

    @Test func aTextIsPreparedOnceAndItsStatementsAreIndependent() async throws {
        let (db, _, _) = try await portableDatabase(schema: false)
        try db.execute("CREATE TABLE t (n BIGINT PRIMARY KEY, s TEXT)")
        let insert = try db.prepare("INSERT INTO t (n, s) VALUES (?, ?)")
        for n in 1...5 { try insert.bind(.integer(Int64(n)), .text("s\(n)")).run() }
        let a = try db.prepare("SELECT n FROM t WHERE n >= ? ORDER BY n")
        let b = try db.prepare("SELECT n FROM t WHERE n >= ? ORDER BY n")
        #expect(db.preparedCount == 2)
        a.bind(.integer(2))
        b.bind(.integer(4))
        #expect(try a.step() && a.int(0) == 2)
        #expect(try b.rows { $0.int(0) } == [4, 5])
        #expect(try a.step() && a.int(0) == 3)
        a.reset()
        #expect(try a.rows { $0.int(0) } == [2, 3, 4, 5])
        // Stepping on after the end runs the statement again, as SQLite does.
        #expect(try a.rows { $0.int(0) }.count == 4)
        // A binding kept across a reset; one value replaced.
        a.bind(.integer(5), at: 1)
        #expect(try a.rows { $0.int(0) } == [5])
        // INSERT … RETURNING and ON CONFLICT DO NOTHING, as the shared SQL uses them.
        #expect(try db.prepare("INSERT INTO t (n, s) VALUES (?, ?) RETURNING n").bind(.integer(9), .null).firstRow { $0.int(0) } == 9)
        try db.prepare("INSERT INTO t (n, s) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(.integer(9), .text("again")).run()
        #expect(try db.prepare("SELECT s FROM t WHERE n = 9").firstRow { $0.text(0) } == .some(nil))
    }

    @Test func aRefusedParameterIsNotRetriedNorPreparedAgain() async throws {
        let (db, _, _) = try await portableDatabase(schema: false)
        try db.execute("CREATE TABLE t (s TEXT)")
        let insert = try db.prepare("INSERT INTO t (s) VALUES (?)")
        try insert.bind(.text("fine")).run()
        let onServer = { try db.connection.query("SELECT count(*) FROM pg_prepared_statements").scalar }
        let before = try onServer()
        let error = try #require(throws: PGError.self) { try insert.bind(.text("a\u{0}b")).run() }
        #expect(error.kind == .usage && !error.isNotPrepared)
        #expect(try onServer() == before, "no statement prepared again for a refusal that would fail again")
        #expect(try db.prepare("SELECT count(*) FROM t").firstRow { $0.int(0) } == 1)
    }

    @Test func errorsCarryTheirSQLSTATEAndATransactionRollsBack() async throws {
        let (db, _, _) = try await portableDatabase(schema: false)
        try db.execute("CREATE TABLE t (n BIGINT PRIMARY KEY)")
        let syntax = try #require(throws: PGError.self) { try db.prepare("SELEC 1") }
        #expect(syntax.sqlState == "42601")
        let insert = try db.prepare("INSERT INTO t (n) VALUES (?)")
        try insert.bind(.integer(1)).run()
        let duplicate = try #require(throws: PGError.self) { try insert.bind(.integer(1)).run() }
        #expect(duplicate.sqlState == "23505" && duplicate.kind == .statement)
        _ = try? db.transaction {
            try insert.bind(.integer(2)).run()
            try insert.bind(.integer(1)).run()
        }
        #expect(try db.prepare("SELECT count(*) FROM t").firstRow { $0.int(0) } == 1)
        // The statement still works after the errors.
        try insert.bind(.integer(3)).run()
        #expect(try db.prepare("SELECT count(*) FROM t").firstRow { $0.int(0) } == 2)
    }

    @Test func aCursorFetchesInBatchesInOneSnapshotAndGivesItsConnectionBack() async throws {
        let (db, cluster, name) = try await portableDatabase(schema: false)
        try db.execute("CREATE TABLE t (n BIGINT PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 25)")
        var givenBack = 0
        // The values are inlined into the one string that opens the cursor: a text with a
        // quote and a backslash, compared in the server, must come back as the same text.
        let tricky = "it's \\' ü"
        let stream = RowStream<PGDatabase, Int64>(sql: "SELECT n FROM t WHERE n >= ?1 AND ?2 = CAST(?3 AS TEXT) ORDER BY n",
                                                  binds: [.integer(3), .text(tricky), .text(tricky)]) { row, rows in
            rows.append(row.int(0))
            return true
        }
        let source = try PGCursorRows(database: db, stream: stream, fetchSize: 4) { _ in givenBack += 1 }
        let cursor = StoreCursor(source)
        var first: [Int64] = []
        first += try cursor.next(5)
        // Written after the cursor opened: not in its snapshot.
        let other = try connecting(cluster, name)
        try other.execute("INSERT INTO t VALUES (100)")
        var all = first
        while case let batch = try cursor.next(5), !batch.isEmpty {
            #expect(batch.count <= 5)
            all += batch
        }
        #expect(first == [3, 4, 5, 6, 7])
        #expect(all == Array(3...25))
        #expect(cursor.isFinished && givenBack == 1)
        #expect(!db.connection.inTransaction)
        cursor.close()
        #expect(givenBack == 1)
        // The connection is usable again, and sees the new row.
        #expect(try db.prepare("SELECT max(n) FROM t").firstRow { $0.int(0) } == 100)
    }

    @Test func aCursorThatFailsToOpenOrIsClosedEarlyEndsItsTransaction() async throws {
        let (db, _, _) = try await portableDatabase(schema: false)
        try db.execute("CREATE TABLE t (n BIGINT PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)")
        var givenBack = 0
        let bad = RowStream<PGDatabase, Int64>(sql: "SELECT nope FROM t", binds: []) { _, _ in true }
        let error = try #require(throws: PGError.self) { try PGCursorRows(database: db, stream: bad) { _ in givenBack += 1 } }
        #expect(error.sqlState == "42703")
        #expect(givenBack == 1 && !db.connection.inTransaction)
        let stream = RowStream<PGDatabase, Int64>(sql: "SELECT n FROM t ORDER BY n", binds: []) { row, rows in
            rows.append(row.int(0))
            return true
        }
        let cursor = StoreCursor(try PGCursorRows(database: db, stream: stream, fetchSize: 3) { _ in givenBack += 1 })
        #expect(try cursor.next(2) == [1, 2])
        #expect(db.connection.inTransaction)
        cursor.close()
        #expect(givenBack == 2 && !db.connection.inTransaction)
        // A row maker that stops early ends the cursor.
        let stopping = RowStream<PGDatabase, Int64>(sql: "SELECT n FROM t ORDER BY n", binds: []) { row, rows in
            guard row.int(0) < 4 else { return false }
            rows.append(row.int(0))
            return true
        }
        let early = StoreCursor(try PGCursorRows(database: db, stream: stopping, fetchSize: 2) { _ in givenBack += 1 })
        #expect(try early.next(100) == [1, 2, 3])
        #expect(early.isFinished && givenBack == 3 && !db.connection.inTransaction)
    }
}
