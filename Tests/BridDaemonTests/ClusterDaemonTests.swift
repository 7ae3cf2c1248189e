import BridCore
@testable import BridDaemon
import BridFetch
import BridProtocol
import BridStore
import Foundation
import Logging
import Synchronization
import Testing

/// A cluster whose holds the test sets: the daemon's side of the leases, without a database.
final class ScriptedCluster: Cluster {
    let instance = "brid-a"
    let lease: Duration
    var isShared: Bool { true }
    /// `granted`: what the next claim takes; `held`: what `holds` answers — as PGCluster,
    /// whose `holds` changes when a claim returns, not before.
    private let state = Mutex<(granted: Set<String>, held: Set<String>, claims: Int, released: Bool, joined: Bool)>(([], [], 0, false, false))

    init(holding: Set<String>, lease: Duration = .seconds(30)) {
        self.lease = lease
        state.withLock { $0.granted = holding; $0.held = holding }
    }

    /// What the next claim takes (and `holds` answers after it).
    func set(holding: Set<String>) { state.withLock { $0.granted = holding } }
    var claims: Int { state.withLock { $0.claims } }
    var released: Bool { state.withLock { $0.released } }
    var joined: Bool { state.withLock { $0.joined } }

    func join(host: String, pid: Int32, version: String, now: Date) { state.withLock { $0.joined = true } }
    func heartbeat(now: Date) -> Set<String> { state.withLock { $0.held } }
    func claim(sources: [String], busy: Set<String>, now: Date) -> Set<String> {
        state.withLock { s in
            s.claims += 1
            s.held = s.granted.intersection(sources)
            return s.held
        }
    }
    func release(now: Date) { state.withLock { $0.released = true; $0.held = []; $0.granted = [] } }
    func holds(_ source: String) -> Bool { state.withLock { $0.held.contains(source) } }
    func members(now: Date) -> [ClusterMember] {
        [ClusterMember(name: "brid-a", host: "one", pid: 1, version: "t", startedAt: now, heartbeatAt: now, stoppedAt: nil, state: .live),
         ClusterMember(name: "brid-b", host: "two", pid: 2, version: "t", startedAt: now, heartbeatAt: now.addingTimeInterval(-60), stoppedAt: nil,
                       state: .silent)]
    }
    func leases(now: Date) -> [SourceLease] {
        state.withLock { $0.held }.sorted().map { SourceLease(source: $0, instance: "brid-a", acquiredAt: now, expiresAt: now.addingTimeInterval(30), expired: false) }
            + [SourceLease(source: "b", instance: "brid-b", acquiredAt: now, expiresAt: now.addingTimeInterval(-30), expired: true)]
    }
}

/// The daemon in a cluster: it checks only the URL sources whose lease it holds.
@Suite struct ClusterDaemonTests {
    static let config = SchedulerTests.config(sources: """
        [[source]]
        id = "a"
        url = "http://publisher.test/a.csv"
        format = "csv"
        every = "1h"

        [[source]]
        id = "b"
        url = "http://publisher.test/b.csv"
        format = "csv"
        every = "1h"
        """)

    /// Waits until the scheduler is asleep with nothing in flight (on the manual clock).
    func asleep(_ h: DaemonHarness) async throws {
        try await eventually("the scheduler sleeps") {
            let daemon: Daemon = h.daemon
            return await daemon.sourcesInFlight.isEmpty && !h.clock.deadlines.isEmpty
        }
    }

    @Test func aDaemonChecksOnlyTheSourcesItsClusterHoldsAndTakesOverOnesItGains() async throws {
        let h = try DaemonHarness(config: Self.config)
        let cluster = ScriptedCluster(holding: ["a"])
        h.cluster = cluster
        for id in ["a", "b"] { h.fetcher.serve("http://publisher.test/\(id).csv", SchedulerTests.csv1) }
        try await h.start()
        #expect(cluster.joined)
        try await eventually("a is checked") { h.fetcher.requestCount("http://publisher.test/a.csv") == 1 }
        try await asleep(h)
        #expect(h.fetcher.requestCount("http://publisher.test/b.csv") == 0, "b is another instance's")
        // b's holder checked it meanwhile and left its schedule in the store; this instance
        // takes b over and checks it when due by that schedule, not at once.
        let checkedElsewhere = h.clock.now()
        try await h.store.recordNextDue(source: "b", at: checkedElsewhere.addingTimeInterval(600), now: checkedElsewhere)
        try await h.store.recordSuccessWithoutPayload(source: "b", at: checkedElsewhere)
        cluster.set(holding: ["a", "b"])
        await h.daemon.renewLeases()
        #expect(await h.daemon.schedule["b"] == checkedElsewhere.addingTimeInterval(600))
        try await asleep(h)
        #expect(h.fetcher.requestCount("http://publisher.test/b.csv") == 0)
        h.clock.advance(by: 601)
        try await eventually("b is checked once due") { h.fetcher.requestCount("http://publisher.test/b.csv") == 1 }
        // a is lost (its lease ended under this instance): not checked when due, until held again.
        cluster.set(holding: ["b"])
        await h.daemon.renewLeases()
        try await asleep(h)
        h.clock.advance(by: 2 * 3600)
        try await eventually("b is checked again") { h.fetcher.requestCount("http://publisher.test/b.csv") == 2 }
        try await asleep(h)
        #expect(h.fetcher.requestCount("http://publisher.test/a.csv") == 1)
        await h.stop()
    }

    @Test func aManualFetchOfASourceAnotherInstanceHoldsIsRefusedAndStatusShowsTheCluster() async throws {
        let h = try DaemonHarness(config: Self.config)
        h.cluster = ScriptedCluster(holding: ["a"])
        try await h.start()
        await h.stop()
        let api = ControlAPI(daemon: h.daemon, startedAt: h.clock.now(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let outcome = try await api.fetch(BridProtocol.FetchRequest(sources: ["b"], wait: true))
        #expect(outcome.outcomes.map(\.outcome) == [.failed])
        #expect(outcome.outcomes.first?.message.contains("another instance of the cluster holds its lease") == true)
        #expect(h.fetcher.requestCount("http://publisher.test/b.csv") == 0)
        let status = try await api.status()
        let cluster = try #require(status.cluster)
        #expect(cluster.instance == "brid-a")
        #expect(cluster.members.map { "\($0.name) \($0.state.rawValue) \($0.sources)" } == ["brid-a live 1", "brid-b silent 0"])
        #expect(status.sources.map { "\($0.id) \($0.heldBy ?? "-")" } == ["a brid-a", "b -"])
    }

    @Test func theLeaseServiceRenewsEveryThirdOfTheLeaseAndGivesTheLeasesUpOnStop() async throws {
        let h = try DaemonHarness(config: Self.config)
        let cluster = ScriptedCluster(holding: ["a", "b"], lease: .milliseconds(300))
        h.cluster = cluster
        try await h.start()
        let service = Task { try await LeaseService(daemon: h.daemon).run() }
        try await eventually("three renewals") { cluster.claims >= 3 }
        #expect(await h.daemon.heldSources == ["a", "b"])
        service.cancel()
        _ = await service.result
        #expect(cluster.released)
        #expect(await h.daemon.heldSources.isEmpty)
        await h.stop()
    }

    @Test func onSQLiteTheClusterIsThisInstanceAloneHoldingEverySource() async throws {
        let h = try DaemonHarness(config: Self.config)
        try await h.start()
        let cluster = h.daemon.cluster
        #expect(!cluster.isShared && cluster.holds("a") && cluster.holds("anything"))
        #expect(try cluster.members(now: h.clock.now()).count == 1)
        await h.stop()
    }
}
