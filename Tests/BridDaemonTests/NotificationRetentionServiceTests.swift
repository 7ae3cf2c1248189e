import BridCore
@testable import BridDaemon
@testable import BridStore
import Foundation
import Testing

/// The alert service's timer prunes finished notifications after `notification_retention`,
/// on the daemon's (manual) clock, against a real SQLite file.
@Suite(.serialized) struct NotificationRetentionServiceTests {
    static func outboxRows(_ store: any VintageStore) throws -> Int {
        Int(try store.sqlite.reads.read { db in try db.prepare("SELECT count(*) FROM outbox").firstRow { $0.int(0) } } ?? -1)
    }

    @Test func theTimerPrunesDeliveredNotificationsOnceTheRetentionHasPassed() async throws {
        let config = AlertServiceTests.config(AlertServiceTests.failing)
            .replacingOccurrences(of: "socket = \"state/control.sock\"", with: "socket = \"state/control.sock\"\nnotification_retention = \"1h\"")
        let h = try AlertServiceTests.Harness(config, failures: 0)
        #expect(await h.daemon.config.daemon.notificationRetention == .seconds(3_600))
        // Fired and resolved at the start: two notifications, delivered at once.
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordUnchangedPayload(source: "kz", sha256: String(repeating: "a", count: 64), at: h.clock.now())
        try await eventually("both delivered") { h.poster.requests.count == 2 && (try? h.store.alertStatistics().backlog) == 0 }
        #expect(try Self.outboxRows(h.store) == 2)
        // Within the retention the timer keeps them.
        try await h.advance(by: 1_800)
        try await h.advance(by: 1_799)
        #expect(try Self.outboxRows(h.store) == 2)
        // A tick after an hour has passed since their delivery prunes them (the first one,
        // unless a loaded machine made the timer miss the step; then a later one); the
        // alert itself stays.
        try await eventually("pruned") {
            if (try? Self.outboxRows(h.store)) == 0 { return true }
            try await h.advance(by: 60)
            return false
        }
        #expect(try h.store.alerts(includeResolved: true).map(\.rule) == ["kz-failing"])
    }
}
