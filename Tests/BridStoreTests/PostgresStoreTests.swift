import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Synchronization
import Testing

/// A PostgreSQL store in a database of its own on the shared test cluster, with a
/// connection of the test's own to read what the interface does not show yet.
final class PGTestStore: @unchecked Sendable {
    let cluster: PostgresCluster
    let database: String
    let store: PostgresStore
    let sql: PGConnection
    var clock = Date(timeIntervalSince1970: 1_543_622_400)  // 2018-12-01T00:00:00Z

    static let counter = Atomic<Int>(0)

    init(_ cluster: PostgresCluster, instance: String = "test") throws {
        self.cluster = cluster
        database = "store_\(getpid())_\(Self.counter.add(1, ordering: .relaxed).newValue)_\(UInt32.random(in: 0...UInt32.max))"
        try cluster.createDatabase(database)
        store = try PostgresStore(url: Self.url(cluster, database), password: cluster.password, instance: instance)
        sql = try PGConnection(conninfo: Self.url(cluster, database), password: cluster.password)
    }

    static func url(_ cluster: PostgresCluster, _ database: String) -> String {
        "host=\(cluster.folder) port=\(cluster.port) dbname=\(database) user=\(cluster.role)"
    }

    /// Another store (another instance) on the same database.
    func another(instance: String) throws -> PostgresStore {
        try PostgresStore(url: Self.url(cluster, database), password: cluster.password, instance: instance)
    }

    deinit { store.close() }

    /// Ingests rows (series, period, value) as one payload of `source`, one day after the last.
    @discardableResult
    func ingest(_ rows: [(String, String, String?)], source: String = "src", snapshot: Bool = false, digest: String? = nil,
                into target: PostgresStore? = nil) throws -> PayloadOutcome {
        clock = clock.addingTimeInterval(86_400)
        let payload = try PGTestStore.payload(rows.map { ($0.0, $0.1, $0.2, nil) }, frequencies: try store.seriesFrequencies())
        let sha = digest ?? String(repeating: "0", count: 48) + String(format: "%016x", UInt64(clock.timeIntervalSince1970))
        return try (target ?? store).ingest(payload, source: source, recordRemovals: snapshot, sha256: sha, at: clock)
    }

    static func payload(_ rows: [(String, String, String?, String?)], deletions: [(String, String)] = [],
                        frequencies: [String: Frequency]) throws -> Payload {
        var builder = PayloadBuilder(origin: "test.csv") { frequencies[$0] }
        for (i, row) in rows.enumerated() {
            try builder.add(series: row.0, period: row.1, value: row.2, status: row.3, ordinal: Int32(i + 2), place: .line(i + 2))
        }
        for (i, deletion) in deletions.enumerated() {
            try builder.delete(series: deletion.0, period: deletion.1, ordinal: Int32(rows.count + i + 2), place: .line(rows.count + i + 2))
        }
        return try builder.finish()
    }

    func release(_ outcome: PayloadOutcome) -> Release? {
        if case let .released(release) = outcome { return release }
        return nil
    }

    /// Rows of a query, as texts.
    func rows(_ query: String, _ parameters: [String?] = []) throws -> [[String?]] {
        try sql.query(query, parameters).rows
    }

    /// The current value of each period of a series (removed periods absent).
    func latest(_ key: String) throws -> [String: String?] {
        let rows = try rows("""
            SELECT DISTINCT ON (v.period) v.period, v.value, v.removed FROM observation_versions v JOIN series s ON s.id = v.series_id
            WHERE s.key = $1 ORDER BY v.period, v.release_id DESC
            """, [key])
        return Dictionary(uniqueKeysWithValues: rows.filter { $0[2] == "0" }.map { ($0[0] ?? "", $0[1]) })
    }

    func count(_ table: String) throws -> Int {
        Int(try sql.query("SELECT count(*) FROM \(table)").scalar ?? "") ?? -1
    }
}

/// The same store contents read from either backend, for comparing them: every table an
/// ingest writes, by keys (not ids, which the backends may number alike or not).
enum StoreDump {
    static let queries: [(sql: String, columns: Int32)] = [
        ("SELECT key, frequency, coalesce(source_id, '-'), coalesce(name, '-'), coalesce(unit, '-') FROM series", 5),
        ("""
        SELECT s.key, v.period, v.release_id, coalesce(v.value, '-'), v.removed, coalesce(v.status, '-')
        FROM observation_versions v JOIN series s ON s.id = v.series_id
        """, 6),
        ("SELECT id, source_id, ingested_at, coalesce(published_at, -1), origin, sha256, added, revised, removed, unchanged FROM releases", 10),
        ("SELECT c.release_id, s.key, c.periods FROM release_contents c JOIN series s ON s.id = c.series_id", 3),
        ("""
        SELECT s.key, coalesce(m.latest_period, '-'), coalesce(m.latest_value, '-'), m.last_release_id, m.last_changed_at
        FROM series_summaries m JOIN series s ON s.id = m.series_id
        """, 5),
        ("""
        SELECT id, coalesce(last_check_at, -1), coalesce(last_success_at, -1), coalesce(last_error, '-'), consecutive_failures,
               coalesce(last_payload_sha256, '-'), paused FROM sources
        """, 7),
    ]

    static func sqlite(_ store: SQLiteStore) throws -> [[String]] {
        try queries.map { query in
            try store.reads.read { db in
                let statement = try db.prepare(query.sql)
                var lines: [String] = []
                while try statement.step() {
                    lines.append((0..<query.columns).map { statement.text($0) ?? "NULL" }.joined(separator: "|"))
                }
                statement.reset()
                return lines.sorted()
            }
        }
    }

    static func postgres(_ connection: PGConnection) throws -> [[String]] {
        try queries.map { query in
            try connection.query(query.sql).rows.map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }.sorted()
        }
    }
}

@Suite(.serialized) struct PostgresStoreTests {
    // MARK: The store itself

    @Test func opensMigratesAndSaysWhereItIsWithoutThePassword() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            #expect(try t.store.appliedMigrations() == PGSchema.migrations.map(\.name))
            #expect(t.store.location == "\(cluster.folder):\(cluster.port) database \(t.database) as brid")
            #expect(!t.store.location.contains(cluster.password))
            #expect(t.store.storageSizes().databaseBytes > 1_000_000)
            #expect(t.store.storageSizes().walBytes == 0)
            #expect(try t.store.maintain() == nil)
            let error = #expect(throws: BackupError.self) { try t.store.backup(to: "/tmp/copy.dump", overwrite: false) }
            #expect(error?.kind == .failed)
            #expect(error?.description.contains("pg_dump") == true)
            // Opening again applies nothing more.
            let again = try t.another(instance: "b")
            #expect(try again.appliedMigrations() == PGSchema.migrations.map(\.name))
            #expect(try t.count("schema_migrations") == PGSchema.migrations.count)
            again.close()
            t.store.close()
            t.store.close()
            #expect(t.store.isClosed)
            #expect(throws: StoreError.self) { try t.store.sourceStates() }
            #expect(throws: StoreError.self) { try t.store.setPaused(source: "a", true, now: Date()) }
        }
    }

    @Test func twoInstancesStartingAtOnceApplyTheMigrationsOnce() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let database = "migrate_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            try cluster.createDatabase(database)
            let url = PGTestStore.url(cluster, database)
            let results = Mutex<[Result<[String], any Error>]>([])
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                let result = Result { () throws -> [String] in
                    let store = try PostgresStore(url: url, password: cluster.password, instance: "i\(i)")
                    defer { store.close() }
                    return try store.appliedMigrations()
                }
                results.withLock { $0.append(result) }
            }
            for result in results.withLock({ $0 }) {
                #expect(try result.get() == PGSchema.migrations.map(\.name))
            }
            let check = try PGConnection(conninfo: url, password: cluster.password)
            #expect(try check.query("SELECT count(*), count(DISTINCT name) FROM schema_migrations").rows
                    == [[String(PGSchema.migrations.count), String(PGSchema.migrations.count)]])
        }
    }

    /// Instance a's store with a `jump` alert fired (one delivery for `hook` in the outbox),
    /// and instance b's store on the same database.
    static func oneDeliveryForTwoInstances(_ cluster: PostgresCluster) throws -> (PGTestStore, PostgresStore) {
        let t = try PGTestStore(cluster, instance: "a")
        let rule = AlertRule(id: "jump", target: .series(glob: "kz.*"), condition: .changePct(above: 25, below: nil, compare: .previous),
                             severity: .warning, summary: nil)
        try t.store.setAlertPolicy(AlertPolicy(rules: [rule], notifiers: [NotifierConfig(id: "hook", kind: .log)], sources: ["src"]), at: t.clock)
        try t.ingest([("kz.x", "2017", "100")])
        try t.ingest([("kz.x", "2017", "100"), ("kz.x", "2018", "130")])
        return (t, try t.another(instance: "b"))
    }

    @Test func aDeliveryClaimedByOneInstanceIsListedToAnotherOnlyAsATimeToLookAgain() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let (t, b) = try Self.oneDeliveryForTwoInstances(cluster)
            defer { b.close() }
            let claimed = try t.store.pendingDeliveries(notifier: "hook", limit: 100)
            #expect(claimed.count == 1 && claimed.allSatisfy(\.mayBeSent))
            // b sees it only as when to look again: never to be sent by b, whatever b's clock says.
            let seen = try b.pendingDeliveries(notifier: "hook", limit: 100)
            #expect(seen.map(\.outboxID) == claimed.map(\.outboxID))
            #expect(seen.allSatisfy { !$0.mayBeSent })
            try t.store.recordDelivered(outboxID: try #require(claimed.first).outboxID, notifier: "hook", at: t.clock)
            #expect(try b.pendingDeliveries(notifier: "hook", limit: 100).isEmpty)
        }
    }

    @Test func aClaimThatRanOutIsNotRenewedOnceAnotherInstanceTookIt() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let (t, b) = try Self.oneDeliveryForTwoInstances(cluster)
            defer { b.close() }
            let id = try #require(try t.store.pendingDeliveries(notifier: "hook", limit: 100).first).outboxID
            #expect(try t.store.renewDeliveryClaim(outboxID: id, notifier: "hook"), "a's own claim is renewed")
            #expect(try !b.renewDeliveryClaim(outboxID: id, notifier: "hook"), "b never claimed it")
            // a's claim runs out (a slow batch); b claims it; a may no longer send it.
            _ = try t.sql.execute("UPDATE deliveries SET claimed_until = 0")
            #expect(try b.pendingDeliveries(notifier: "hook", limit: 100).map(\.outboxID) == [id])
            #expect(try !t.store.renewDeliveryClaim(outboxID: id, notifier: "hook"))
            #expect(try b.renewDeliveryClaim(outboxID: id, notifier: "hook"))
            try b.recordDelivered(outboxID: id, notifier: "hook", at: t.clock)
            #expect(try !b.renewDeliveryClaim(outboxID: id, notifier: "hook"), "delivered: nothing left to send")
        }
    }

    @Test func twoInstancesResolvingTheSameAlertsAtOnceWriteOneResolvedEach() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster, instance: "a")
            let rule = AlertRule(id: "jump", target: .series(glob: "kz.*"), condition: .changePct(above: 25, below: nil, compare: .previous),
                                 severity: .warning, summary: nil)
            let notifiers = [NotifierConfig(id: "hook", kind: .log)]
            try t.store.setAlertPolicy(AlertPolicy(rules: [rule], notifiers: notifiers, sources: ["src"]), at: t.clock)
            let keys = (0..<200).map { "kz.s\($0)" }
            try t.ingest(keys.map { ($0, "2017", "100") })
            try t.ingest(keys.flatMap { [($0, "2017", "100"), ($0, "2018", "200")] })
            #expect(try t.count("alerts") == keys.count)
            let b = try t.another(instance: "b")
            defer { b.close() }
            // Both drop the rule at once (a reload on each): each resolves the orphans.
            let stores: [PostgresStore] = [t.store, b]
            let clock = t.clock
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do {
                    try stores[i].setAlertPolicy(AlertPolicy(rules: [], notifiers: notifiers, sources: ["src"]), at: clock)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
            let resolved = try t.rows("SELECT count(*), count(DISTINCT alert_id) FROM outbox WHERE event = 'resolved'")
            #expect(resolved == [[String(keys.count), String(keys.count)]])
        }
    }

    @Test func openStreamsNeverTakeTheLastReadConnection() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            try t.ingest((1...300).map { ("kz.x", String(1700 + $0), String($0)) })
            // More streamed replies open than the pool has connections, each stopped after
            // its first batch (a slow reader).
            var cursors: [StoreCursor<ObservationRow>] = []
            for _ in 0..<(PostgresStore.readConnections + 2) {
                let cursor = try t.store.observationsCursor(series: "kz.x", vintage: .latest, from: nil, to: nil)
                #expect(try cursor.next(10).count == 10)
                cursors.append(cursor)
            }
            // A plain read (a check's, status's) still answers at once.
            let answered = DispatchSemaphore(value: 0)
            let store = t.store
            Thread.detachNewThread {
                _ = try? store.seriesInfo("kz.x")
                answered.signal()
            }
            #expect(answered.wait(timeout: .now() + 20) == .success, "a plain read waited for the streams")
            for cursor in cursors {
                #expect(try cursor.next(1_000).count == 290)
                cursor.close()
            }
            #expect(try t.store.seriesInfo("kz.x")?.key == "kz.x")
        }
    }

    @Test func aDatabaseWrittenByANewerBridIsRefused() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            try t.sql.query("INSERT INTO schema_migrations (name, applied_at) VALUES ('2099-01-01-future', 0)")
            let error = #expect(throws: StoreError.self) { try t.another(instance: "b") }
            #expect(error?.message == "the database has migration 2099-01-01-future, which this brid does not know: it was written by a newer version")
        }
    }

    @Test func aWrongPasswordIsSaidWithoutThePassword() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let secret = "not it, 'really'"
            let error = #expect(throws: StoreError.self) {
                try PostgresStore(url: cluster.conninfo, password: secret, instance: "x")
            }
            let message = error?.message ?? ""
            #expect(message.hasPrefix("cannot connect to PostgreSQL at \(cluster.folder):\(cluster.port) database brid as brid: "))
            #expect(message.contains("password authentication failed"))
            #expect(!message.contains(secret))
        }
    }

    // MARK: Immutability

    @Test func releasesVersionsAndContentsCannotBeChangedOrDeleted() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            try t.ingest([("x", "2018", "1")])
            for statement in ["UPDATE releases SET added = 5", "DELETE FROM releases",
                              "UPDATE observation_versions SET value = '2'", "DELETE FROM observation_versions",
                              "UPDATE release_contents SET periods = ''", "DELETE FROM release_contents",
                              "TRUNCATE observation_versions"] {
                let error = #expect(throws: PGError.self, "\(statement)") { try t.sql.execute(statement) }
                #expect(error?.sqlState == "23001", "\(statement)")
                #expect(error?.message.hasSuffix("are immutable") == true, "\(statement)")
            }
            #expect(try t.latest("x") == ["2018": "1"])
        }
    }

    /// The contents' and summaries' references are checked per statement (migration
    /// `2026-12-09-pg-set-checked-references`), as strictly as the foreign keys they replace:
    /// a row naming a release or series that does not exist is refused with
    /// foreign_key_violation, whatever else the statement inserts, and a series that
    /// versions, contents or a summary refer to cannot be deleted, renumbered or truncated.
    @Test func contentsAndSummariesReferToReleasesAndSeriesThatExist() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            try t.ingest([("x", "2018", "1"), ("y", "2018", "2")])
            let x = try #require(t.rows("SELECT id FROM series WHERE key = 'x'").first?[0] ?? nil)
            let y = try #require(t.rows("SELECT id FROM series WHERE key = 'y'").first?[0] ?? nil)
            for statement in [
                "INSERT INTO release_contents VALUES (2, \(x), '2019')",                       // no release 2
                "INSERT INTO release_contents VALUES (1, 999, '2019')",                         // no series 999
                "INSERT INTO release_contents SELECT 1, id + 1000, '2019' FROM series",         // all rows wrong
                "INSERT INTO series_summaries VALUES (999, '2018', '1', 1, 0)",
                "UPDATE series_summaries SET last_release_id = 7 WHERE series_id = \(y)",
                "DELETE FROM series WHERE key = 'x'",
                "UPDATE series SET id = id + 1000 WHERE key = 'y'",
                "TRUNCATE series CASCADE",
            ] {
                let error = #expect(throws: PGError.self, "\(statement)") { try t.sql.execute(statement) }
                #expect(error?.sqlState == "23503", "\(statement)")
            }
            // Rows that refer to what exists are taken, in one statement as one by one.
            try t.sql.execute("INSERT INTO sources (id, created_at) VALUES ('other', 0)")
            try t.sql.execute("INSERT INTO series (id, key, frequency) VALUES (500, 'z', 'A')")
            try t.sql.execute("DELETE FROM series WHERE id = 500")  // nothing refers to it
            #expect(try t.rows("SELECT count(*) FROM release_contents") == [["2"]])
            #expect(try t.rows("SELECT count(*) FROM series_summaries") == [["2"]])
            #expect(try t.latest("x") == ["2018": "1"])
            // The next ingest writes contents and summaries as before.
            let second = try #require(t.release(try t.ingest([("x", "2018", "3"), ("y", "2018", "2")])))
            #expect(try t.rows("SELECT c.series_id::text, c.periods FROM release_contents c WHERE release_id = $1", [String(second.id)])
                    == [[x, "2018"]])
            #expect(try t.rows("SELECT latest_value, last_release_id FROM series_summaries WHERE series_id = $1", [x])
                    == [["3", String(second.id)]])
        }
    }

    // MARK: Ingest

    @Test func firstReleaseAddsEverythingAndKeepsContentsAndSummaries() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let release = try #require(t.release(try t.ingest([("cn-kz.trade.total", "2018", "19.885"), ("cn-kz.trade.total", "2019", nil),
                                                               ("cn-eu.trains.alataw", "2018", "2388")])))
            #expect(release.id == 1)
            #expect((release.added, release.revised, release.removed, release.unchanged) == (3, 0, 0, 0))
            #expect(try t.latest("cn-kz.trade.total") == ["2018": "19.885", "2019": nil])
            #expect(try t.rows("SELECT id, source_id, added, sha256 FROM releases") == [["1", "src", "3", release.sha256]])
            #expect(try t.rows("SELECT s.key, c.periods FROM release_contents c JOIN series s ON s.id = c.series_id ORDER BY s.key")
                    == [["cn-eu.trains.alataw", "2018"], ["cn-kz.trade.total", "2018,2019"]])
            #expect(try t.rows("SELECT s.key, m.latest_period, m.latest_value, m.last_release_id FROM series_summaries m JOIN series s ON s.id = m.series_id ORDER BY s.key")
                    == [["cn-eu.trains.alataw", "2018", "2388", "1"], ["cn-kz.trade.total", "2018", "19.885", "1"]])
            #expect(try t.rows("SELECT key, source_id, frequency FROM series ORDER BY key") == [["cn-eu.trains.alataw", "src", "A"], ["cn-kz.trade.total", "src", "A"]])
            #expect(try t.store.sourceState("src")?.lastSuccessAt == release.ingestedAt)
        }
    }

    @Test func unchangedPayloadsAndValuesMakeNoRelease() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let digest = String(repeating: "a", count: 64)
            _ = try t.ingest([("x", "2018", "19.885"), ("x", "2019", "20")], digest: digest)
            #expect(try t.store.lastPayloadDigest(source: "src") == digest)
            #expect(try t.ingest([("x", "2018", "19.885")], digest: digest) == .unchangedPayload)
            // Another spelling of the same decimals: no release, the first text stays.
            #expect(try t.ingest([("x", "2018", "19.8850"), ("x", "2019", "2e1")]) == .unchangedValues(observations: 2))
            #expect(try t.ingest([("x", "2018", "19.885")]) == .unchangedValues(observations: 1))  // append: 2019 stays
            #expect(try t.count("releases") == 1)
            #expect(try t.latest("x") == ["2018": "19.885", "2019": "20"])
            #expect(try t.store.sourceState("src")?.lastCheckAt == t.clock)
        }
    }

    @Test func aRevisionWritesExactlyTheChangedObservations() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            _ = try t.ingest([("x", "2017", "1"), ("x", "2018", "2"), ("y", "2018", "3")])
            let release = try #require(t.release(try t.ingest([("x", "2017", "1"), ("x", "2018", "2.5"), ("y", "2018", "3"), ("y", "2019", "4")])))
            #expect((release.added, release.revised, release.removed, release.unchanged) == (1, 1, 0, 2))
            #expect(try t.rows("""
                SELECT s.key, v.period, v.value FROM observation_versions v JOIN series s ON s.id = v.series_id
                WHERE v.release_id = 2 ORDER BY s.key, v.period
                """) == [["x", "2018", "2.5"], ["y", "2019", "4"]])
            #expect(try t.rows("SELECT s.key, m.latest_period, m.latest_value, m.last_release_id FROM series_summaries m JOIN series s ON s.id = m.series_id ORDER BY s.key")
                    == [["x", "2018", "2.5", "2"], ["y", "2019", "4", "2"]])
        }
    }

    @Test func aSnapshotRemovesADeletionRemovesAndALaterReleaseBringsBack() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            _ = try t.ingest([("x", "2017", "1"), ("x", "2018", "2"), ("y", "2018", "5")], snapshot: true)
            let removal = try #require(t.release(try t.ingest([("x", "2018", "2")], snapshot: true)))
            #expect((removal.added, removal.revised, removal.removed, removal.unchanged) == (0, 0, 2, 1))
            #expect(try t.latest("x") == ["2018": "2"])
            #expect(try t.latest("y").isEmpty)
            #expect(try t.rows("SELECT s.key, m.latest_period FROM series_summaries m JOIN series s ON s.id = m.series_id ORDER BY s.key")
                    == [["x", "2018"], ["y", nil]])
            let back = try #require(t.release(try t.ingest([("x", "2017", "1.1"), ("x", "2018", "2")], snapshot: true)))
            #expect((back.added, back.revised, back.removed) == (1, 0, 0))
            #expect(try t.rows("""
                SELECT v.period, v.release_id, v.value, v.removed FROM observation_versions v JOIN series s ON s.id = v.series_id
                WHERE s.key = 'x' AND v.period = '2017' ORDER BY v.release_id
                """) == [["2017", "1", "1", "0"], ["2017", "2", nil, "1"], ["2017", "3", "1.1", "0"]])
            // An explicit deletion (SDMX ACTION = D) removes in append mode too.
            t.clock = t.clock.addingTimeInterval(86_400)
            let payload = try PGTestStore.payload([("x", "2018", "2", nil)], deletions: [("x", "2017")], frequencies: try t.store.seriesFrequencies())
            let deleted = try #require(t.release(try t.store.ingest(payload, source: "src", recordRemovals: false,
                                                                     sha256: String(repeating: "d", count: 64), at: t.clock)))
            #expect((deleted.added, deleted.revised, deleted.removed, deleted.unchanged) == (0, 0, 1, 1))
            #expect(try t.latest("x") == ["2018": "2"])
        }
    }

    @Test func aSeriesBelongsToOneSourceAndKeepsItsFrequency() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            _ = try t.ingest([("x", "2018", "1")], source: "a")
            let error = #expect(throws: InputError.self) { try t.ingest([("x", "2018", "2")], source: "b") }
            #expect(error?.reason == "series x belongs to source a; one series is fed by one source")
            t.clock = t.clock.addingTimeInterval(86_400)
            let quarterly = try PGTestStore.payload([("x", "2019-Q1", "3", nil)], frequencies: [:])
            let conflict = #expect(throws: InputError.self) {
                try t.store.ingest(quarterly, source: "a", recordRemovals: false, sha256: String(repeating: "b", count: 64), at: t.clock)
            }
            #expect(conflict?.reason == "series x is stored with frequency A, but the payload has Q periods")
            #expect(conflict?.place == .line(2))
            #expect(try t.latest("x") == ["2018": "1"])
            #expect(try t.count("releases") == 1)
            #expect(try t.store.lastPayloadDigest(source: "b") == nil)
        }
    }

    @Test func releaseIdsAndTimesOnlyRise() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            _ = try t.ingest([("x", "2018", "1")])
            #expect(try t.ingest([("x", "2018", "1")]) == .unchangedValues(observations: 1))  // takes no id
            t.clock = t.clock.addingTimeInterval(-10 * 86_400)  // the wall clock went back
            let second = try #require(t.release(try t.ingest([("x", "2018", "2")])))
            #expect(second.id == 2)
            #expect(try t.rows("SELECT ingested_at FROM releases ORDER BY id").map { Int64($0[0] ?? "") ?? 0 }
                    == [second.ingestedAt.millisecondsSince1970, second.ingestedAt.millisecondsSince1970])
        }
    }

    @Test func aStatusChangeAloneIsARevision() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let first = try PGTestStore.payload([("x", "2018", "1", "p"), ("x", "2019", "2", nil)], frequencies: [:])
            _ = try t.store.ingest(first, source: "src", recordRemovals: false, sha256: String(repeating: "1", count: 64), at: t.clock)
            let second = try PGTestStore.payload([("x", "2018", "1.0", nil), ("x", "2019", "2", nil)], frequencies: try t.store.seriesFrequencies())
            let release = try #require(t.release(try t.store.ingest(second, source: "src", recordRemovals: false,
                                                                    sha256: String(repeating: "2", count: 64), at: t.clock)))
            #expect((release.added, release.revised, release.unchanged) == (0, 1, 1))
            #expect(try t.rows("SELECT period, value, status, release_id FROM observation_versions ORDER BY period, release_id")
                    == [["2018", "1", "p", "1"], ["2018", "1.0", nil, "2"], ["2019", "2", nil, "1"]])
        }
    }

    @Test func aCataloguedSeriesIsClaimedByItsFirstRelease() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            #expect(try t.store.applyCatalogue([SeriesMetadata(key: "x", name: "Exports", unit: nil, frequency: .monthly)]) == [])
            #expect(try t.store.seriesFrequencies() == ["x": .monthly])
            let lookup = try t.store.frequencyLookup()
            #expect(lookup.frequency(of: "x") == .monthly)
            #expect(lookup.frequency(of: "nope") == nil)
            _ = try t.ingest([("x", "2018-01", "1")])
            #expect(try t.rows("SELECT source_id, name, frequency FROM series") == [["src", "Exports", "M"]])
            let conflicts = try t.store.applyCatalogue([SeriesMetadata(key: "x", name: "Exports", unit: "USD", frequency: .annual),
                                                        SeriesMetadata(key: "y", name: nil, unit: nil, frequency: .quarterly)])
            #expect(conflicts == ["series x is stored with frequency M but the catalogue says A; keeping M"])
            #expect(try t.store.seriesFrequencies() == ["x": .monthly, "y": .quarterly])
        }
    }

    /// The contract's semantics exactly as SQLite has them: the same random payloads (spellings
    /// of the same decimals, no values, statuses, deletions, append and snapshot, a catalogue,
    /// batches over `Payload.batchSeries`) into both backends leave the same tables behind.
    @Test(arguments: [1, 2] as [UInt64])
    func randomPayloadsLeaveTheSameTablesAsSQLite(seed: UInt64) async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let lite = try TemporaryStore(.sqlite)
            let sqlite = try lite.sqlite
            var random = IngestModelTests.Random(state: seed)
            let statuses: [String?] = [nil, nil, nil, "p", "e"]
            let series = (0..<(Payload.batchSeries + 300)).map { "m.s\($0)" }
            let catalogue = [SeriesMetadata(key: "m.s1", name: "one", unit: "u", frequency: .annual),
                             SeriesMetadata(key: "m.cat", name: "only catalogued", unit: nil, frequency: .annual)]
            try sqlite.applyCatalogue(catalogue)
            try t.store.applyCatalogue(catalogue)
            var clock = t.clock
            for round in 0..<8 {
                let snapshot = random.next(3) == 0
                var rows: [(String, String, String?, String?)] = []
                var deletions: [(String, String)] = []
                for key in series where random.next(4) != 0 {
                    for year in 2000..<2008 {
                        switch random.next(6) {
                        case 0: continue
                        case 1 where round > 0: deletions.append((key, String(year)))
                        default:
                            rows.append((key, String(year), IngestModelTests.values[random.next(IngestModelTests.values.count)],
                                         statuses[random.next(statuses.count)]))
                        }
                    }
                }
                clock = clock.addingTimeInterval(random.next(2) == 0 ? 86_400 : -3_600)
                let source = round == 5 ? "other" : "src"
                let sha = String(format: "%064d", round)
                let outcomes = try [sqlite as any VintageStoreIngest, t.store as any VintageStoreIngest].map { store in
                    let payload = try PGTestStore.payload(rows, deletions: deletions, frequencies: try store.seriesFrequencies())
                    return Result { try store.ingest(payload, source: source, recordRemovals: snapshot, sha256: sha, at: clock) }
                }
                switch (outcomes[0], outcomes[1]) {
                case let (.success(a), .success(b)): #expect(a == b, "round \(round)")
                case let (.failure(a as InputError), .failure(b as InputError)): #expect(a == b, "round \(round)")
                default: Issue.record("round \(round): \(outcomes)")
                }
                let (a, b) = (try StoreDump.sqlite(sqlite), try StoreDump.postgres(t.sql))
                for (table, (x, y)) in zip(StoreDump.queries, zip(a, b)) {
                    #expect(x == y, "round \(round): \(table.sql.prefix(60))")
                }
            }
        }
    }

    // MARK: Several instances

    @Test func theSamePayloadIngestedByTwoInstancesAtOnceMakesOneRelease() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let other = try t.another(instance: "b")
            defer { other.close() }
            let rows = (0..<2_000).map { ("k.s\($0 % 100)", String(1900 + $0 / 100), Optional("\($0)")) }
            let payload = try PGTestStore.payload(rows.map { ($0.0, $0.1, $0.2, nil) }, frequencies: [:])
            let digest = String(repeating: "c", count: 64)
            let stores = [t.store, other]
            let outcomes = Mutex<[PayloadOutcome]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let outcome = (try? stores[i].ingest(payload, source: "src", recordRemovals: false, sha256: digest, at: Date())) ?? .failed("threw")
                outcomes.withLock { $0.append(outcome) }
            }
            let all = outcomes.withLock { $0 }
            #expect(all.filter { if case .released = $0 { true } else { false } }.count == 1, "\(all)")
            #expect(all.contains(.unchangedPayload))
            #expect(try t.count("releases") == 1)
            #expect(try t.count("observation_versions") == 2_000)
        }
    }

    @Test func aPayloadFetchedBeforeTheLeaseWasLostMakesNoRelease() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            // Instance "test" fetched P1, then its lease lapsed; b took the source and
            // ingested P1 and P2. test's late P1 must not make a release going back to P1.
            let t = try PGTestStore(cluster)
            let b = try t.another(instance: "b")
            defer { b.close() }
            let now = PGCluster.nowMS
            try t.sql.execute("""
                INSERT INTO source_leases (source_id, instance, acquired_at, expires_at) VALUES ('src', 'b', \(now), \(now) + 600000)
                """)
            try t.ingest([("k.a", "2020", "1")], digest: String(repeating: "1", count: 64), into: b)
            try t.ingest([("k.a", "2020", "2")], digest: String(repeating: "2", count: 64), into: b)
            let error = try #require(throws: SourceHeldElsewhere.self) {
                try t.ingest([("k.a", "2020", "1")], digest: String(repeating: "1", count: 64))
            }
            #expect(error.description == "source src is held by instance b now; this instance's payload is left to it")
            #expect(try t.count("releases") == 2)
            #expect(try t.latest("k.a") == ["2020": "2"])
            // Its own lease, or b's lease ended: the payload is ingested as ever.
            try t.sql.execute("UPDATE source_leases SET expires_at = \(now) - 1")
            #expect(t.release(try t.ingest([("k.a", "2020", "3")])) != nil)
            try t.sql.execute("UPDATE source_leases SET instance = 'test', expires_at = \(now) + 600000")
            #expect(t.release(try t.ingest([("k.a", "2020", "4")])) != nil)
            #expect(try t.latest("k.a") == ["2020": "4"])
        }
    }

    @Test func releasesOfTwoInstancesAtOnceKeepIdsAndTimesRisingTogether() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let other = try t.another(instance: "b")
            defer { other.close() }
            let stores = [t.store, other]
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                for round in 0..<15 {
                    let rows = (0..<300).map { ("i\(i).s\($0)", String(1990 + round), Optional("\($0 + round)"), String?.none) }
                    do {
                        let payload = try PGTestStore.payload(rows, frequencies: [:])
                        // The clocks of the two machines disagree by an hour.
                        let now = Date(timeIntervalSince1970: 1_700_000_000 + Double(round) + (i == 0 ? 3_600 : 0))
                        _ = try stores[i].ingest(payload, source: "s\(i)", recordRemovals: false,
                                                 sha256: String(format: "%064d", i * 100 + round), at: now)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let releases = try t.rows("SELECT id, ingested_at FROM releases ORDER BY id").map { (Int64($0[0] ?? "")!, Int64($0[1] ?? "")!) }
            #expect(releases.map(\.0) == Array(1...30))
            #expect(zip(releases, releases.dropFirst()).allSatisfy { $0.1 >= $0.0 })
        }
    }

    // MARK: Opening

    /// A server that is not there is "unavailable" (brid waits for it at start-up); a wrong
    /// password is a refusal (brid exits) — and never in the message.
    @Test func aServerAwayIsUnavailableAWrongPasswordIsNot() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let wrong = "wrong-" + cluster.password
            let refused = #expect(throws: StoreError.self) {
                try PostgresStore(url: PGTestStore.url(cluster, t.database), password: wrong, instance: "x")
            }
            #expect(refused?.isUnavailable == false)
            #expect(refused?.message.contains("password authentication failed") == true, "\(String(describing: refused))")
            #expect(refused.map { !$0.message.contains(wrong) && !$0.message.contains(cluster.password) } == true)
            let away = #expect(throws: StoreError.self) {
                try PostgresStore(url: "host=\(cluster.folder)/nowhere port=\(cluster.port) dbname=x user=brid", password: cluster.password, instance: "x")
            }
            #expect(away?.isUnavailable == true, "\(String(describing: away))")
            #expect(away.flatMap { StoreAvailability.unavailableReason($0) }?.hasPrefix("cannot connect to PostgreSQL") == true)
            // The store that opened answers its ping.
            try t.store.ping()
        }
    }

    // MARK: Source states

    @Test func sourceStatesAreKeptAsOnSQLite() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            #expect(try t.store.sourceState("a") == nil)
            try t.store.recordFailure(source: "a", message: "HTTP 500", at: now, count: 3)
            try t.store.recordFailure(source: "a", message: "HTTP 502", at: now.addingTimeInterval(1), count: 1)
            var state = try #require(try t.store.sourceState("a"))
            #expect((state.consecutiveFailures, state.lastError, state.lastErrorAt) == (4, "HTTP 502", now.addingTimeInterval(1)))
            try t.store.recordNextDue(source: "a", at: now.addingTimeInterval(60), now: now)
            try t.store.recordValidators(source: "a", etag: "\"v1\"", lastModified: "Mon, 01 Jan 2024 00:00:00 GMT", now: now)
            try t.store.setPaused(source: "a", true, now: now)
            state = try #require(try t.store.sourceState("a"))
            #expect((state.nextDueAt, state.etag, state.lastModified, state.paused) == (now.addingTimeInterval(60), "\"v1\"", "Mon, 01 Jan 2024 00:00:00 GMT", true))
            try t.store.recordNotModified(source: "a", at: now.addingTimeInterval(5))
            state = try #require(try t.store.sourceState("a"))
            #expect((state.consecutiveFailures, state.lastSuccessAt, state.lastCheckAt) == (0, now.addingTimeInterval(5), now.addingTimeInterval(5)))
            try t.store.recordUnchangedPayload(source: "a", sha256: String(repeating: "e", count: 64), at: now.addingTimeInterval(6))
            #expect(try t.store.lastPayloadDigest(source: "a") == String(repeating: "e", count: 64))
            try t.store.forgetLastPayload(source: "a", now: now)
            try t.store.recordSuccessWithoutPayload(source: "b", at: now)
            state = try #require(try t.store.sourceState("a"))
            #expect(state.etag == nil && state.lastModified == nil)
            #expect(try t.store.lastPayloadDigest(source: "a") == nil)
            #expect(try t.store.sourceStates().map(\.id) == ["a", "b"])
            #expect(try t.store.sourceState("b")?.lastSuccessAt == now)
        }
    }

    // MARK: Plans

    /// The comparison reads each series' current vintage through the primary key, not the table.
    @Test func currentVersionsAreReadThroughThePrimaryKey() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            let rows = (0..<20_000).map { ("p.s\($0 % 200)", String(1900 + $0 / 200), Optional("\($0)")) }
            _ = try t.ingest(rows)
            try t.sql.execute("ANALYZE")
            let plan = try t.rows("EXPLAIN " + PGReleaseWriter.currentSQL.replacingOccurrences(of: "$1::bigint[]", with: "'{3,4,5}'::bigint[]"))
                .compactMap { $0.first ?? nil }.joined(separator: "\n")
            #expect(plan.contains("Index Scan on series_current_pkey") || plan.contains("Index Scan using series_current_pkey"), "\(plan)")
            #expect(!plan.contains("Seq Scan"), "\(plan)")
        }
    }
}

/// The ingest both backends have (the protocol's conformance for PostgreSQL comes at the join).
protocol VintageStoreIngest {
    func seriesFrequencies() throws -> [String: Frequency]
    func ingest(_ payload: some SeriesBatches, source: String, recordRemovals: Bool, sha256: String, at now: Date) throws -> PayloadOutcome
}

extension SQLiteStore: VintageStoreIngest {}
extension PostgresStore: VintageStoreIngest {}
