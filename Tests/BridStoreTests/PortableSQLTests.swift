import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// The queries, cursors, alert rules, deliveries, rule test and retention that both
/// backends share, run on a real SQLite store and on PostgreSQL (PGSchema, through
/// `PGDatabase`) holding the same rows: every answer and every write must be the same.
/// The rows are written by the SQLite store itself (real ingests, rules, acks, delivery
/// results), then copied table by table to PostgreSQL.
@Suite struct PortableSQLTests {
    static let rules = [
        AlertRule(id: "jump", target: .series(glob: "kz.*"), condition: .changePct(above: 25, below: -25, compare: .previous), severity: .warning),
        AlertRule(id: "high", target: .series(glob: "kz.*"), condition: .level(above: 1000, below: nil), severity: .critical),
        AlertRule(id: "rev", target: .series(glob: "kz.*"), condition: .revisionPct(above: 5, below: -5), severity: .info),
        AlertRule(id: "quiet", target: .series(glob: "*"), condition: .stale(after: .seconds(60 * 86_400), on: .period), severity: .warning),
        AlertRule(id: "feed", target: .source(glob: "*"), condition: .stale(after: .seconds(30 * 86_400), on: .release), severity: .warning),
        AlertRule(id: "failing", target: .source(glob: "src"), condition: .fetchFailing(failures: 2), severity: .critical),
    ]
    static let notifiers = [NotifierConfig(id: "a", kind: .log),
                            NotifierConfig(id: "b", kind: .webhook(url: "http://127.0.0.1:9/"), notifyAcked: false)]
    static let policy = AlertPolicy(rules: rules, notifiers: notifiers, sources: ["src", "other"])

    /// The same store on both backends.
    final class Pair {
        let t: TemporaryStore
        let sqlite: SQLiteStore
        let pg: PGDatabase
        var queries: StoreQueries<PGDatabase> { StoreQueries(pg) }

        init(_ t: TemporaryStore, _ pg: PGDatabase) throws {
            self.t = t
            sqlite = try t.sqlite
            self.pg = pg
        }

        /// The PostgreSQL answer to a stream, read in batches of 3 from a cursor fetching 2 rows at a time.
        func pgRows<Row>(_ stream: RowStream<PGDatabase, Row>) throws -> [Row] {
            var givenBack = 0
            let rows = try drain(StoreCursor(try PGCursorRows(database: pg, stream: stream, fetchSize: 2) { _ in givenBack += 1 }))
            #expect(givenBack == 1 && !pg.connection.inTransaction)
            return rows
        }
    }

    static func drain<Row>(_ cursor: StoreCursor<Row>) throws -> [Row] {
        var rows: [Row] = []
        while case let batch = try cursor.next(3), !batch.isEmpty { rows += batch }
        return rows
    }

    static func makePair() async throws -> Pair {
        let (pg, _, _) = try await portableDatabase()
        let t = try TemporaryStore()
        try t.store.setAlertPolicy(policy, at: t.clock)
        try t.ingest([("kz.x", "2017", "100"), ("kz.x", "2018", "110"), ("kz.y", "2018-Q1", "5"), ("kz.y", "2018-Q2", "6")])
        try t.ingest([("kz.x", "2017", "100"), ("kz.x", "2018", "150"),
                      ("kz.y", "2018-Q1", "5"), ("kz.y", "2018-Q2", "6"), ("kz.y", "2018-Q3", "2000")])
        try t.ingest([("kz.x", "2017", "80"), ("kz.x", "2018", "150"), ("kz.x", "2019", nil)], snapshot: true)
        try t.ingest([("zz.a", "2019", "1"), ("zz.a", "2020", nil)], source: "other")
        try t.store.recordFailure(source: "src", message: "HTTP 503", at: t.clock, count: 2)
        let firing = try t.store.alerts(includeResolved: false, rule: nil, series: nil, limit: 100)
        #expect(firing.count >= 3, "\(firing.map(\.rule))")
        _ = try t.store.ack(alert: try #require(firing.last).id, comment: "looking", at: t.clock)
        try t.store.recordDelivered(outboxID: 1, notifier: "a", at: t.clock)
        try t.store.recordDeliveryFailure(outboxID: 1, notifier: "b", error: "refused", retryAt: t.clock.addingTimeInterval(60), at: t.clock)
        try t.store.recordDeliveryFailure(outboxID: 2, notifier: "b", error: "gone", retryAt: nil, at: t.clock)
        try copy(try t.sqlite, to: pg)
        return try Pair(t, pg)
    }

    /// Every row of every table, SQLite's columns by name, values as text (the server
    /// converts them to the column types); the identity sequences moved past the ids.
    static func copy(_ store: SQLiteStore, to pg: PGDatabase) throws {
        let tables = ["sources", "series", "releases", "observation_versions", "release_contents", "series_summaries",
                      "alerts", "outbox", "deliveries"]
        try store.reads.read { db in
            for table in tables {
                let columns = try db.prepare("SELECT name FROM pragma_table_info('\(table)')").rows { $0.text(0) ?? "" }
                let list = columns.joined(separator: ", ")
                let insert = try pg.prepare("INSERT INTO \(table) (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
                let rows = try db.prepare("SELECT \(list) FROM \(table)").rows { row in
                    columns.indices.map { row.isNull(Int32($0)) ? SQLValue.null : .text(row.text(Int32($0)) ?? "") }
                }
                #expect(!rows.isEmpty, "\(table) is empty: the fixture should fill every table")
                for values in rows { try insert.bind(all: values).run() }
            }
        }
        for table in ["releases", "series", "alerts", "outbox"] {
            try pg.execute("SELECT setval(pg_get_serial_sequence('\(table)', 'id'), (SELECT max(id) FROM \(table)))")
        }
    }

    // MARK: - Queries

    @Test func theQueriesAnswerTheSameOnBothBackends() async throws {
        let p = try await Self.makePair()
        let s = p.sqlite, q = p.queries
        let releases = try s.releases(source: nil, limit: 50)
        #expect(releases.count == 4)
        let middle = Date(milliseconds: releases[2].ingestedAt.millisecondsSince1970 + 1)
        for key in ["kz.x", "kz.y", "zz.a", "nope"] {
            for vintage in [Vintage.latest, .release(1), .release(2), .time(middle), .time(Date(milliseconds: 0))] {
                for (from, to) in [(nil, nil), ("2018", nil), (nil, "2018-Q2"), ("2018-Q2", "2018-Q3")] as [(String?, String?)] {
                    #expect(try s.observations(series: key, vintage: vintage, from: from, to: to)
                        == q.observations(series: key, vintage: vintage, from: from, to: to), "\(key) \(vintage) \(from ?? "") \(to ?? "")")
                }
            }
            for period in ["2017", "2018", "2019", "2018-Q3", "2020"] {
                #expect(try s.history(series: key, period: period) == q.history(series: key, period: period), "\(key) \(period)")
            }
            for descending in [false, true] {
                var sv: [SeriesVersion] = [], qv: [SeriesVersion] = [], qv2018: [SeriesVersion] = []
                _ = try s.forEachVersion(series: key, from: nil, to: nil, descending: descending) { sv.append($0); return true }
                _ = try q.forEachVersion(series: key, from: nil, to: nil, descending: descending) { qv.append($0); return true }
                _ = try q.forEachVersion(series: key, from: "2018", to: nil, descending: descending) { qv2018.append($0); return true }
                #expect(sv == qv && sv.isEmpty == (key == "nope") && sv.filter { $0.period >= "2018" } == qv2018, "\(key) \(descending): \(sv) \(qv)")
            }
            #expect(try s.releasesWriting(series: key).map(\.id) == q.releasesWriting(series: key).map(\.id))
            #expect(try s.releasesWriting(series: key).map(\.ingestedAt) == q.releasesWriting(series: key).map(\.ingestedAt))
            #expect(try s.seriesInfo(key) == q.seriesInfo(key))
        }
        #expect(try q.observations(series: "kz.x", vintage: .latest, from: nil, to: nil)?.map(\.period) == ["2017", "2018", "2019"])
        for id in Int64(0)...5 { #expect(try s.release(id: id) == q.release(id: id)) }
        for (source, limit) in [(nil, 50), (nil, 2), ("src", 50), ("other", 1), ("none", 5)] as [(String?, Int)] {
            #expect(try s.releases(source: source, limit: limit) == q.releases(source: source, limit: limit))
        }
        #expect(try releases == q.releases(source: nil, limit: 50))
        #expect(try s.latestReleaseID() == q.latestReleaseID())
        let statistics = try s.statistics()
        #expect(try statistics == q.statistics(sizeBytes: statistics.sizeBytes))
        #expect(try s.seriesSummaries(matching: nil) == q.seriesSummaries(matching: nil))
        #expect(try s.seriesSummaries(matching: { $0.hasPrefix("kz.") }) == q.seriesSummaries(matching: { $0.hasPrefix("kz.") }))
    }

    @Test func theCursorsStreamTheSameRowsInBatchesOnBothBackends() async throws {
        let p = try await Self.makePair()
        let s = p.sqlite
        for id in Int64(1)...5 {
            let rows = try Self.drain(s.changesCursor(release: id))
            #expect(rows == (try p.pgRows(StoreQueries.changesStream(release: id))), "release \(id)")
            #expect(id == 5 || !rows.isEmpty)
        }
        for (source, limit) in [(nil, 50), (nil, 2), ("src", 50)] as [(String?, Int)] {
            #expect(try Self.drain(s.releasesCursor(source: source, limit: limit)) == p.pgRows(StoreQueries.releasesStream(source: source, limit: limit)))
        }
        for key in ["kz.x", "kz.y", "zz.a", "nope"] {
            for period in ["2017", "2018", "2018-Q3"] {
                #expect(try Self.drain(s.historyCursor(series: key, period: period)) == p.pgRows(StoreQueries.historyStream(series: key, period: period)))
            }
            for vintage in [Vintage.latest, .release(2), .time(Date(milliseconds: 0))] {
                #expect(try Self.drain(s.observationsCursor(series: key, vintage: vintage, from: nil, to: nil))
                    == p.pgRows(StoreQueries.observationsStream(series: key, vintage: vintage, from: nil, to: nil)), "\(key) \(vintage)")
            }
            #expect(try Self.drain(s.versionsCursor(series: key)) == p.pgRows(StoreQueries.versionsStream(series: key)))
        }
        for filter in [SeriesFilter(), SeriesFilter(glob: try Glob("kz.*")), SeriesFilter(source: "other"),
                       SeriesFilter(after: "kz.x"), SeriesFilter(limit: 1)] {
            let (cursor, more) = try s.seriesCursor(filter)
            let sqliteRows = try Self.drain(cursor)
            let (stream, pgMore) = StoreQueries<PGDatabase>.seriesStream(filter)
            #expect(try sqliteRows == p.pgRows(stream), "\(filter)")
            #expect(more() == pgMore(), "\(filter)")
        }
    }

    // MARK: - Alerts

    @Test func alertsAndDeliveriesReadTheSameOnBothBackends() async throws {
        let p = try await Self.makePair()
        let s = p.sqlite, q = p.queries
        for includeResolved in [false, true] {
            for rule in [nil, "jump", "failing"] as [String?] {
                for series in [nil, try Glob("kz.y")] as [Glob?] {
                    for limit in [1, 100] {
                        #expect(try s.alerts(includeResolved: includeResolved, rule: rule, series: series, limit: limit)
                            == q.alerts(includeResolved: includeResolved, rule: rule, series: series, limit: limit))
                    }
                }
            }
        }
        let all = try s.alerts(includeResolved: true, rule: nil, series: nil, limit: 100)
        #expect(Set(all.map(\.rule)).isSuperset(of: ["jump", "high", "rev", "failing"]), "\(all.map(\.rule))")
        for id in Int64(0)...Int64(all.count + 1) { #expect(try s.alert(id: id) == q.alert(id: id)) }
        #expect(try s.alertStatistics() == q.alertStatistics())
        #expect(try q.alertStatistics().acked == 1)
        #expect(try s.firingCounts() == q.firingCounts())
        for notifier in ["a", "b", "c"] {
            for limit in [1, 100] {
                #expect(try s.pendingDeliveries(notifier: notifier, limit: limit) == q.pendingDeliveries(notifier: notifier, limit: limit))
            }
        }
        for notifier in Self.notifiers {
            #expect(try s.firingAlerts(for: notifier) == q.firingAlerts(for: notifier, policy: Self.policy))
        }
    }

    /// Rules judged, alerts acked and resolved, deliveries recorded and notifications pruned
    /// by the shared code on PostgreSQL write what the SQLite store writes.
    @Test func alertRulesAndDeliveriesWriteTheSameOnBothBackends() async throws {
        let p = try await Self.makePair()
        let s = p.sqlite, q = p.queries, pg = p.pg
        func onPG<T>(_ policy: AlertPolicy = PortableSQLTests.policy, at now: Date, _ body: (inout AlertWriter<PGDatabase>) throws -> T) throws -> (T, [AlertTransition]) {
            try pg.transaction {
                var writer = AlertWriter(db: pg, policy: policy, now: now)
                let result = try body(&writer)
                return (result, writer.transitions)
            }
        }
        func sameAlerts() throws {
            #expect(try s.alerts(includeResolved: true, rule: nil, series: nil, limit: 1_000) == q.alerts(includeResolved: true, rule: nil, series: nil, limit: 1_000))
            #expect(try s.alertStatistics() == q.alertStatistics())
            for notifier in ["a", "b"] {
                #expect(try s.pendingDeliveries(notifier: notifier, limit: 100) == q.pendingDeliveries(notifier: notifier, limit: 100))
            }
        }

        // The timer's rules, long after the last release: stale series and sources fire.
        let later = p.t.clock.addingTimeInterval(200 * 86_400)
        let timed = try s.evaluateTimedRules(at: later)
        #expect(!timed.isEmpty)
        #expect(try timed == onPG(at: later) { try $0.evaluateTimed() }.1)
        try sameAlerts()

        // A release's touched periods judged again (a revision rule, change rules, level).
        let kzx = try #require(try s.reads.read { try StoreQueries($0).seriesID("kz.x") })
        let kzy = try #require(try s.reads.read { try StoreQueries($0).seriesID("kz.y") })
        let touched = [TouchedSeries(id: kzx, key: "kz.x", periods: ["2017", "2018", "2019"]), TouchedSeries(id: kzy, key: nil, periods: ["2018-Q3"])]
        let sqliteTouched = try s.alertingTransaction(at: later) { _, writer in
            try writer.evaluate(touched: [TouchedSeries(id: kzx, key: "kz.x", periods: ["2017", "2018", "2019"]),
                                          TouchedSeries(id: kzy, key: nil, periods: ["2018-Q3"])], release: 3)
            return writer.transitions
        }
        #expect(try sqliteTouched == onPG(at: later) { try $0.evaluate(touched: touched, release: 3) }.1)
        try sameAlerts()

        // An ack, and one of an alert acked already.
        let firing = try #require(try s.alerts(includeResolved: false, rule: nil, series: nil, limit: 100).first)
        for _ in 0..<2 {
            let acked = try s.ack(alert: firing.id, comment: "on it", at: later)
            let pgAcked = try onPG(at: later) { try $0.ack(alert: firing.id, comment: "on it") }.0
            #expect(acked?.alert == pgAcked?.alert && acked?.changed == pgAcked?.changed)
        }
        #expect(try s.ack(alert: 999, comment: nil, at: later) == nil && onPG(at: later) { try $0.ack(alert: 999, comment: nil) }.0 == nil)
        try sameAlerts()

        // A policy without `high` and `quiet`: their firing alerts are resolved.
        let smaller = AlertPolicy(rules: Self.rules.filter { $0.id != "high" && $0.id != "quiet" }, notifiers: Self.notifiers, sources: ["src", "other"])
        let orphans = try s.setAlertPolicy(smaller, at: later)
        #expect(!orphans.isEmpty)
        #expect(try orphans == onPG(smaller, at: later) { try $0.resolveOrphans() }.1)
        try sameAlerts()

        // Every rule tested against the stored history.
        for rule in Self.rules {
            for filter in [nil, try Glob("kz.x")] as [Glob?] {
                #expect(try s.testRule(rule, series: filter, at: later, limit: 100)
                    == pg.transaction { try q.testRule(rule, series: filter, at: later, limit: 100, policy: smaller) }, "\(rule.id)")
            }
        }

        // Deliveries: delivered, failed, given up, abandoned.
        let pending = try #require(try s.pendingDeliveries(notifier: "a", limit: 100).first)
        try s.recordDelivered(outboxID: pending.outboxID, notifier: "a", at: later)
        try q.recordDelivered(outboxID: pending.outboxID, notifier: "a", at: later)
        try s.recordDeliveryFailure(outboxID: pending.outboxID + 1, notifier: "a", error: "x", retryAt: later.addingTimeInterval(5), at: later)
        try q.recordDeliveryFailure(outboxID: pending.outboxID + 1, notifier: "a", error: "x", retryAt: later.addingTimeInterval(5), at: later)
        try s.recordDeliveryFailure(outboxID: pending.outboxID + 2, notifier: "a", error: "y", retryAt: nil, at: later)
        try q.recordDeliveryFailure(outboxID: pending.outboxID + 2, notifier: "a", error: "y", retryAt: nil, at: later)
        try sameAlerts()
        let abandoned = try s.abandonDeliveries(keeping: ["a"], at: later)
        #expect(abandoned > 0)
        #expect(try abandoned == q.abandonDeliveries(keeping: ["a"], at: later))
        try sameAlerts()

        // Retention: finished notifications go in batches, the same ones on both.
        let cutoff = later.addingTimeInterval(1)
        for _ in 0..<2 {
            #expect(try s.pruneNotifications(before: cutoff, limit: 2) == q.pruneNotifications(before: cutoff, limit: 2))
        }
        #expect(try s.pruneAllNotifications(before: cutoff, batch: 3) == pruneInBatches(3) { try q.pruneNotifications(before: cutoff, limit: $0) })
        #expect(try p.t.count("outbox") == Int(pg.prepare("SELECT count(*) FROM outbox").firstRow { $0.int(0) } ?? -1))
        try sameAlerts()
    }
}
