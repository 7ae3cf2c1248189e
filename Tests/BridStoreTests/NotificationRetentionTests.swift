import BridCore
@testable import BridStore
import Foundation
import Testing

/// Pruning finished notifications on a test clock, with a real SQLite file: delivered and
/// given-up ones go once the retention has passed; pending ones, recent ones, alerts and
/// vintages stay.
@Suite struct NotificationRetentionTests {
    static let rule = AlertRule(id: "jump", target: .series(glob: "*"), condition: .changeAbs(above: 0, below: nil, compare: .previous),
                                severity: .warning, summary: nil)

    static func count(_ t: TemporaryStore, _ table: String) throws -> Int {
        try t.count(table)
    }

    static func outboxIDs(_ t: TemporaryStore) throws -> [Int64] {
        try t.outbox().map(\.id)
    }

    @Test(arguments: StoreBackend.allCases)
    func deliveredAndGivenUpGoAfterTheRetentionPendingAndRecentStay(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let notifiers = [NotifierConfig(id: "a", kind: .log, notifyAcked: false),
                         NotifierConfig(id: "b", kind: .webhook(url: "http://127.0.0.1:9/"), notifyAcked: false)]
        try t.store.setAlertPolicy(AlertPolicy(rules: [Self.rule], notifiers: notifiers, sources: ["src"]), at: t.clock)

        // Day 1: an alert fires; both notifiers get it. The ack goes to neither (notify_acked = false).
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "2")])
        let day1 = t.clock
        let first = try #require(try t.store.alerts().first)
        for notifier in ["a", "b"] {
            let item = try #require(try t.store.pendingDeliveries(notifier: notifier).first)
            try t.store.recordDelivered(outboxID: item.outboxID, notifier: notifier, at: day1)
        }
        _ = try t.store.ack(alert: first.id, comment: nil, at: day1)
        // Day 2: another alert; a delivers it, b gives up.
        try t.ingest([("kz.b", "2017", "1"), ("kz.b", "2018", "2")])
        let day2 = t.clock
        try t.store.recordDelivered(outboxID: try #require(try t.store.pendingDeliveries(notifier: "a").first).outboxID, notifier: "a", at: day2)
        try t.store.recordDeliveryFailure(outboxID: try #require(try t.store.pendingDeliveries(notifier: "b").first).outboxID, notifier: "b",
                                          error: "HTTP 503", retryAt: nil, at: day2)
        // Day 3: a third; a delivers it, b's is still pending.
        try t.ingest([("kz.c", "2017", "1"), ("kz.c", "2018", "2")])
        let day3 = t.clock
        try t.store.recordDelivered(outboxID: try #require(try t.store.pendingDeliveries(notifier: "a").first).outboxID, notifier: "a", at: day3)
        let pendingB = try #require(try t.store.pendingDeliveries(notifier: "b").first)

        let ids = try Self.outboxIDs(t)
        #expect(ids.count == 4)  // firing, acked (no deliveries), firing, firing
        #expect(try Self.count(t, "deliveries") == 6)
        let releases = try t.store.releases()
        let versions = try t.store.statistics().observationVersions

        // Nothing finished before day 1 ends.
        #expect(try t.store.pruneAllNotifications(before: day1) == 0)
        // A retention that puts the cutoff between day 1 and day 2: day 1's two go.
        #expect(try t.store.pruneAllNotifications(before: day2.addingTimeInterval(-1)) == 2)
        #expect(try Self.outboxIDs(t) == Array(ids[2...]))
        #expect(try Self.count(t, "deliveries") == 4)
        // The give-up of day 2 is still there for `status`.
        #expect(try t.store.alertStatistics().lastGiveUp?.error == "HTTP 503")
        // Long after: day 2's (delivered + given up) goes; day 3's stays, its b delivery pending.
        #expect(try t.store.pruneAllNotifications(before: day3.addingTimeInterval(365 * 86_400)) == 1)
        #expect(try Self.outboxIDs(t) == [ids[3]])
        #expect(try t.store.pendingDeliveries(notifier: "b").map(\.outboxID) == [pendingB.outboxID])
        #expect(try t.store.alertStatistics().lastGiveUp == nil)
        #expect(try t.store.alertStatistics().backlog == 1)
        // Delivered at last: it goes once the retention has passed since then, not since it was written.
        let day10 = day3.addingTimeInterval(7 * 86_400)
        try t.store.recordDelivered(outboxID: pendingB.outboxID, notifier: "b", at: day10)
        #expect(try t.store.pruneAllNotifications(before: day10) == 0)
        #expect(try t.store.pruneAllNotifications(before: day10.addingTimeInterval(1)) == 1)
        #expect(try Self.count(t, "outbox") == 0 && Self.count(t, "deliveries") == 0)
        // Alerts and vintages are never pruned.
        #expect(try t.store.alerts(includeResolved: true).count == 3)
        #expect(try t.store.releases() == releases)
        #expect(try t.store.statistics().observationVersions == versions)
    }

    @Test(arguments: StoreBackend.allCases)
    func prunesInBatches(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try t.store.setAlertPolicy(AlertPolicy(rules: [Self.rule], notifiers: [NotifierConfig(id: "log", kind: .log)], sources: ["src"]), at: t.clock)
        // 7 alerts, each delivered at once.
        try t.ingest((0..<7).flatMap { [("kz.s\($0)", "2017", "1"), ("kz.s\($0)", "2018", "2")] })
        for item in try t.store.pendingDeliveries(notifier: "log") {
            try t.store.recordDelivered(outboxID: item.outboxID, notifier: "log", at: t.clock)
        }
        let later = t.clock.addingTimeInterval(1)
        #expect(try t.store.pruneNotifications(before: later, limit: 3) == 3)
        #expect(try Self.count(t, "outbox") == 4)
        #expect(try t.store.pruneNotifications(before: later, limit: 3) == 3)
        #expect(try t.store.pruneNotifications(before: later, limit: 3) == 1)
        #expect(try t.store.pruneNotifications(before: later, limit: 3) == 0)
        #expect(try Self.count(t, "deliveries") == 0)
        #expect(try t.store.alerts().count == 7)
    }

    @Test func theOldestFinishedAreFoundByIndex() throws {
        let t = try TemporaryStore()
        let plan = try t.sqlite.reads.read { db in
            try db.prepare("""
                EXPLAIN QUERY PLAN SELECT o.id FROM outbox o
                WHERE o.created_at < ?1 AND NOT EXISTS (
                    SELECT 1 FROM deliveries d WHERE d.outbox_id = o.id AND coalesce(d.delivered_at, d.gave_up_at, ?1) >= ?1)
                ORDER BY o.created_at LIMIT ?2
                """).rows { $0.text(3) ?? "" }
        }
        // The outbox by its index on created_at (no scan, no sort), the deliveries by their key.
        #expect(plan.contains { $0.contains("INDEX outbox_by_created (created_at<?)") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") || $0.contains("TEMP B-TREE") }, "\(plan)")
    }
}
