import BridCore
@testable import BridDaemon
import BridFetch
import BridRuntime
import BridStore
import Foundation
import Logging
import Synchronization
import Testing

/// A poster that fails its first `failures` requests with a 503 and records every request
/// with the test clock's time.
final class ScriptedPoster: HTTPPosting {
    private let state = Mutex<(failures: Int, requests: [(at: Date, url: String, body: String)])>((0, []))
    let clock: ManualClock

    init(clock: ManualClock, failures: Int) {
        self.clock = clock
        state.withLock { $0.failures = failures }
    }

    var requests: [(at: Date, url: String, body: String)] { state.withLock { $0.requests } }

    func post(_ request: PostRequest) async throws(FetchError) -> PostResponse {
        let now = clock.now()
        let fail: Bool = state.withLock { s in
            s.requests.append((now, request.url, String(decoding: request.body, as: UTF8.self)))
            guard s.failures > 0 else { return false }
            s.failures -= 1
            return true
        }
        if fail { throw FetchError(kind: .http(status: 503), url: request.url, elapsed: .milliseconds(1)) }
        return PostResponse(status: 204)
    }
}

/// The alert service on a manual clock: the stale/fetch_failing timer, retries with
/// backoff, giving up.
@Suite(.serialized) struct AlertServiceTests {
    static let start = Date(timeIntervalSince1970: 1_764_489_600)  // 2025-11-30T08:00:00Z

    final class Harness: @unchecked Sendable {
        let root = NSTemporaryDirectory() + "brid-alerts-" + UUID().uuidString
        let clock = ManualClock(now: AlertServiceTests.start)
        let poster: ScriptedPoster
        let daemon: Daemon
        /// The timer's loop and one loop per notifier: each asleep on the clock when idle.
        let loops: Int
        private var task: Task<Void, any Error>?

        init(_ config: String, failures: Int, cluster: (any Cluster)? = nil, store: ((BridConfig) throws -> any VintageStore)? = nil) throws {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try Data(config.utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
            let loaded = try ConfigLoader.load(path: root + "/brid.toml").get()
            let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            poster = ScriptedPoster(clock: clock, failures: failures)
            loops = 1 + loaded.notifiers.count
            daemon = try standaloneDaemon(loaded, clock: clock, logger: logger, cluster: cluster, store: store?(loaded))
            let notifiers = Notifiers(poster: poster, logger: logger, environment: [:], readFile: { _ in "" })
            let service = AlertService(daemon: daemon, delivery: AlertDelivery(daemon: daemon, notifiers: notifiers), clock: clock)
            task = Task { try await service.run() }
        }

        deinit {
            task?.cancel()
            try? FileManager.default.removeItem(atPath: root)
        }

        var store: any VintageStore { daemon.store }

        /// Waits until every loop of the service is asleep on the clock: it has done what
        /// was due.
        func idle() async throws {
            try await eventually("the alert service is idle") { self.clock.sleeperCount == self.loops }
        }

        /// Moves the clock once the service is idle, and waits until it has acted on it
        /// (the loops woken are asleep again).
        func advance(by seconds: TimeInterval) async throws {
            try await idle()
            clock.advance(by: seconds)
            try await idle()
        }
    }

    static func config(_ rules: String, giveUpAfter: String = "24h") -> String {
        """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"

        [[source]]
        id = "kz"
        url = "http://127.0.0.1:9/kz.csv"
        format = "csv"

        \(rules)

        [[notify]]
        id = "hook"
        kind = "webhook"
        url = "http://127.0.0.1:9/hook"
        give_up_after = "\(giveUpAfter)"
        """
    }

    static let failing = """
        [[alert]]
        id = "kz-failing"
        source = "kz"
        when = "fetch_failing"
        failures = 2
        """

    @Test func failedDeliveriesAreRetriedWithGrowingWaitsUntilOneSucceeds() async throws {
        let h = try Harness(Self.config(Self.failing), failures: 2)
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try await eventually("the first attempt") { h.poster.requests.count == 1 }
        try await h.advance(by: 1)
        #expect(h.poster.requests.count == 1, "no retry before 2 s")
        try await h.advance(by: 1)
        try await eventually("the second attempt, 2 s after the first") { h.poster.requests.count == 2 }
        try await h.advance(by: 3)
        #expect(h.poster.requests.count == 2, "the next wait is 4 s")
        try await h.advance(by: 1)
        try await eventually("the third attempt") { h.poster.requests.count == 3 }
        let times = h.poster.requests.map { $0.at.timeIntervalSince(Self.start) }
        #expect(times == [0, 2, 6])
        #expect(Set(h.poster.requests.map(\.body)).count == 1)
        try await eventually("delivered") { (try? h.store.alertStatistics().backlog) == 0 }
        #expect(try h.store.alertStatistics().lastGiveUp == nil)
    }

    /// A harness whose store is a FlakyStore (set up by `configure`) over SQLite, with the
    /// `kz-failing` alert fired (one delivery for `hook` in the outbox).
    static func firingOnAFlakyStore(cluster: (any Cluster)? = nil,
                                    _ configure: @escaping @Sendable (FlakyStore) -> Void) throws -> (Harness, FlakyStore) {
        let flaky = Mutex<FlakyStore?>(nil)
        let h = try Harness(Self.config(Self.failing), failures: 0, cluster: cluster) { config in
            try FileManager.default.createDirectory(atPath: config.daemon.stateDir, withIntermediateDirectories: true)
            let store = FlakyStore(try SQLiteStore(path: config.databasePath))
            configure(store)
            flaky.withLock { $0 = store }
            return store
        }
        let store = try #require(flaky.withLock { $0 })
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        return (h, store)
    }

    @Test func aDeliveryAnotherInstanceHoldsIsNeverSentHereEvenWhenItLooksDue() async throws {
        let (h, store) = try Self.firingOnAFlakyStore { $0.heldElsewhere.store(true, ordering: .relaxed) }
        try await eventually("the outbox holds the firing") { (try? h.store.alertStatistics().backlog) == 1 }
        try await h.advance(by: 5)
        try await h.advance(by: 5)
        #expect(h.poster.requests.isEmpty, "listed as another instance's: not sent")
        try await h.advance(by: 5)
        try await eventually("looked at again") { store.calls("pendingDeliveries") >= 2 }
        #expect(h.poster.requests.isEmpty, "still not sent")
        // Once this instance holds it, it is sent.
        store.heldElsewhere.store(false, ordering: .relaxed)
        try await h.advance(by: 5)
        try await eventually("sent once this instance holds it") { h.poster.requests.count == 1 }
    }

    @Test func aDeliveryWhoseClaimRanOutIsLeftToTheInstanceThatTookIt() async throws {
        // Claims are an instance's among several: a shared cluster.
        let (h, store) = try Self.firingOnAFlakyStore(cluster: ScriptedCluster(holding: [], lease: .seconds(30))) {
            $0.claimLost.store(true, ordering: .relaxed)
        }
        try await eventually("the claim was asked for") { store.calls("renewDeliveryClaim") >= 1 }
        try await h.advance(by: 5)
        #expect(h.poster.requests.isEmpty, "another instance took it: not sent here")
        store.claimLost.store(false, ordering: .relaxed)
        try await h.advance(by: 30)
        try await eventually("sent once the claim is this instance's") { h.poster.requests.count == 1 }
    }

    @Test func inAClusterWhatAnotherInstanceLeftInTheOutboxIsDeliveredWithinAThirdOfTheLease() async throws {
        let h = try Harness(Self.config(Self.failing), failures: 0, cluster: ScriptedCluster(holding: [], lease: .seconds(30)))
        try await h.idle()
        // Another instance (another store object: its commits wake nothing here) fires an
        // alert and dies before sending it.
        let other = try SQLiteStore(path: try #require(h.store as? SQLiteStore).path)
        defer { other.close() }
        try other.setAlertPolicy(h.store.alertPolicy, at: h.clock.now())
        try other.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try other.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        #expect(try h.store.alertStatistics().backlog == 1)
        try await h.advance(by: 5)
        #expect(h.poster.requests.isEmpty, "not before the next look")
        try await h.advance(by: 5)
        try await eventually("delivered within a third of the lease") { h.poster.requests.count == 1 }
    }

    @Test func aDeliveryIsGivenUpAfterGiveUpAfterAndStatusKeepsWhy() async throws {
        let h = try Harness(Self.config(Self.failing, giveUpAfter: "10s"), failures: 1_000)
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try await eventually("the first attempt") { h.poster.requests.count == 1 }
        try await h.advance(by: 2)
        try await eventually("the second attempt") { h.poster.requests.count == 2 }
        try await h.advance(by: 4)
        try await eventually("the third attempt") { h.poster.requests.count == 3 }
        try await h.advance(by: 3)
        #expect(h.poster.requests.count == 3, "the next wait (8 s) is cut to the deadline (10 s), not before it")
        try await h.advance(by: 1)
        try await eventually("given up") { (try? h.store.alertStatistics().lastGiveUp) != nil }
        let statistics = try h.store.alertStatistics()
        #expect(statistics.backlog == 0)
        #expect(statistics.lastGiveUp?.notifier == "hook" && statistics.lastGiveUp?.error.contains("HTTP 503") == true)
        // The last attempt is at the deadline, not after it: 0, 2, 6, 10.
        #expect(h.poster.requests.map { $0.at.timeIntervalSince(Self.start) } == [0, 2, 6, 10])
    }

    @Test func alertmanagerRepostsGoOnWhileADeliveryWaitsForItsRetry() async throws {
        let config = Self.config(Self.failing).replacingOccurrences(of: """
            kind = "webhook"
            url = "http://127.0.0.1:9/hook"
            """, with: """
            kind = "alertmanager"
            url = "http://127.0.0.1:9"
            resend = "10s"
            """)
        let h = try Harness(config, failures: 1_000)
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try await eventually("the first delivery attempt") { h.poster.requests.count >= 1 }
        // Step to each instant something is due and wait for it: 2, 6, 14, 30 retries; 10, 20, 30 re-posts.
        for instant in [2.0, 6, 10, 14, 20, 30] {
            try await h.advance(by: instant - h.clock.now().timeIntervalSince(Self.start))
            try await eventually("a request at \(instant) s") { h.poster.requests.contains { $0.at.timeIntervalSince(Self.start) == instant } }
        }
        let times = Set(h.poster.requests.map { $0.at.timeIntervalSince(Self.start) })
        // Retries of the delivery at 0, 2, 6, 14, 30; re-posts every 10 s regardless.
        #expect(times.isSuperset(of: [0, 2, 6, 14, 30]))
        #expect(times.isSuperset(of: [10, 20]), "re-posts do not wait for the delivery's backoff")
        #expect(h.poster.requests.allSatisfy { $0.url == "http://127.0.0.1:9/api/v2/alerts" })
    }

    @Test func notifyAckedFalseStopsTheRepostsOfAnAckedAlert() async throws {
        let config = Self.config(Self.failing).replacingOccurrences(of: """
            kind = "webhook"
            url = "http://127.0.0.1:9/hook"
            """, with: """
            kind = "alertmanager"
            url = "http://127.0.0.1:9"
            resend = "10s"
            notify_acked = false
            """)
        let h = try Harness(config, failures: 0)
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try await h.advance(by: 10)
        try await eventually("a re-post at 10 s") { h.poster.requests.contains { $0.at.timeIntervalSince(Self.start) == 10 } }
        #expect(h.poster.requests.last?.body.contains("kz-failing") == true)
        let alert = try #require(try h.store.alerts().first)
        _ = try h.store.ack(alert: alert.id, comment: "known outage", at: h.clock.now())
        let before = h.poster.requests.count
        try await h.advance(by: 10)
        try await h.advance(by: 10)
        // Nothing acked is posted any more: no acked notification, no re-post of the alert.
        #expect(h.poster.requests.dropFirst(before).allSatisfy { !$0.body.contains("kz-failing") })
        #expect(try h.store.alertStatistics().backlog == 0, "the acked transition was never queued for this notifier")
    }

    @Test func aSlowNotifierDoesNotHoldUpAnother() async throws {
        let config = Self.config(Self.failing) + """

            [[notify]]
            id = "slow"
            kind = "exec"
            command = ["/bin/sleep", "60"]
            timeout = "30s"
            """
        let h = try Harness(config, failures: 0)
        let start = ContinuousClock.now
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try await eventually("the webhook gets it") { h.poster.requests.count == 1 }
        #expect(start.duration(to: .now) < .seconds(40), "not after the 60 s command")
        try await eventually("only the command's delivery is left") { (try? h.store.alertStatistics().backlog) == 1 }
    }

    @Test func theTimerFiresStaleRulesAndFetchFailingResolvesOnSuccess() async throws {
        let rules = Self.failing + """

            [[alert]]
            id = "kz-quiet"
            source = "kz"
            when = "stale"
            on = "release"
            after = "10m"
            """
        let h = try Harness(Self.config(rules), failures: 0)
        try h.store.recordUnchangedPayload(source: "kz", sha256: String(repeating: "a", count: 64), at: h.clock.now())
        try await h.advance(by: 60)
        #expect(try h.store.alerts().isEmpty)
        for _ in 0..<10 { try await h.advance(by: 60) }
        try await eventually("stale fires on the timer") { (try? h.store.alerts().map(\.rule)) == ["kz-quiet"] }
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        try h.store.recordFailure(source: "kz", message: "HTTP 503", at: h.clock.now())
        #expect(try h.store.alerts().map(\.rule).sorted() == ["kz-failing", "kz-quiet"])
        try h.store.recordUnchangedPayload(source: "kz", sha256: String(repeating: "a", count: 64), at: h.clock.now())
        #expect(try h.store.alerts().map(\.rule) == ["kz-quiet"])
        try await eventually("every transition delivered") {
            h.poster.requests.count == 3 && (try? h.store.alertStatistics().backlog) == 0
        }
    }
}
