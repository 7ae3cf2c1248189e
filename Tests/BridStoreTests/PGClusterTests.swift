import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Synchronization
import Testing

/// Source leases and delivery claims of several instances on one PostgreSQL database: the
/// test process's throwaway cluster, a database of each test's own with the PostgreSQL
/// schema applied.
@Suite("Several brid instances on one PostgreSQL database")
struct PGClusterTests {
    let server: PostgresCluster
    let database: String

    init() async throws {
        server = try await PostgresCluster.shared()
        database = "cluster_" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        try await offPool { [server, database] in
            try server.createDatabase(database)
            let connection = try PGConnection(conninfo: "host=\(server.folder) port=\(server.port) dbname=\(database) user=\(server.role)",
                                              password: server.password)
            for migration in PGSchema.migrations { try connection.execute(migration.sql) }
        }
    }

    var conninfo: String { "host=\(server.folder) port=\(server.port) dbname=\(database) user=\(server.role)" }

    func connect() throws -> PGConnection { try PGConnection(conninfo: conninfo, password: server.password) }

    func instance(_ name: String, lease: Duration = .seconds(30)) throws -> PGCluster {
        let member = try PGCluster(conninfo: conninfo, password: server.password, instance: name, lease: lease)
        try member.join(host: "host-\(name)", pid: 1000, version: "test", now: Date())
        return member
    }

    static let sources = (1...20).map { String(format: "src-%02d", $0) }

    // MARK: Source leases

    @Test func twoInstancesSplitTwentySourcesAndNoSourceIsHeldByBoth() async throws {
        try await offPool { [self] in
            let a = try instance("brid-a")
            // Alone, the first takes every source.
            #expect(try a.claim(sources: Self.sources, busy: [], now: Date()) == Set(Self.sources))
            let b = try instance("brid-b")
            #expect(try b.claim(sources: Self.sources, busy: [], now: Date()).isEmpty, "all held by brid-a")
            // brid-a gives back what is above its share (none it is checking), brid-b takes it.
            let busy: Set = ["src-19", "src-20"]
            let kept = try a.claim(sources: Self.sources, busy: busy, now: Date())
            #expect(kept.count == 10 && kept.isSuperset(of: busy))
            let taken = try b.claim(sources: Self.sources, busy: [], now: Date())
            #expect(taken.count == 10)
            #expect(kept.isDisjoint(with: taken) && kept.union(taken) == Set(Self.sources))
            // Stable: another round changes nothing.
            #expect(try a.claim(sources: Self.sources, busy: [], now: Date()) == kept)
            #expect(try b.claim(sources: Self.sources, busy: [], now: Date()) == taken)
            // The table says the same, and each instance holds its own.
            let leases = try a.leases(now: Date())
            #expect(Set(leases.filter { $0.instance == "brid-a" }.map(\.source)) == kept)
            #expect(Set(leases.filter { $0.instance == "brid-b" }.map(\.source)) == taken)
            #expect(kept.allSatisfy { a.holds($0) && !b.holds($0) } && taken.allSatisfy { b.holds($0) && !a.holds($0) })
            #expect(try a.members(now: Date()).map { "\($0.name) \($0.host) \($0.state)" } == ["brid-a host-brid-a live", "brid-b host-brid-b live"])
        }
    }

    @Test func aSilentInstancesSourcesAreTakenOnceItsLeaseEndsAndNotBefore() async throws {
        try await offPool { [self] in
            let lease = Duration.seconds(3)
            let a = try instance("brid-a", lease: lease), b = try instance("brid-b", lease: lease)
            _ = try a.claim(sources: Self.sources, busy: [], now: Date())
            _ = try b.claim(sources: Self.sources, busy: [], now: Date())
            _ = try a.claim(sources: Self.sources, busy: [], now: Date())
            let ofA = try a.heartbeat(now: Date())
            #expect(ofA.count == 10)
            let expiries = try b.leases(now: Date()).filter { $0.instance == "brid-a" }
            let ends = try #require(expiries.map(\.expiresAt).max())
            // brid-a dies: no more heartbeats. Within its lease brid-b takes none of its sources.
            let early = try b.claim(sources: Self.sources, busy: [], now: Date())
            #expect(early.isDisjoint(with: ofA))
            // brid-b keeps claiming; it takes them all once their lease ended, none before.
            let deadline = ContinuousClock.now + .seconds(60)
            var held: Set<String> = []
            while held != Set(Self.sources) && ContinuousClock.now < deadline {
                held = try b.claim(sources: Self.sources, busy: [], now: Date())
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(held == Set(Self.sources))
            for taken in try b.leases(now: Date()) where ofA.contains(taken.source) {
                #expect(taken.instance == "brid-b")
                #expect(taken.acquiredAt > ends, "\(taken.source) taken at \(taken.acquiredAt), brid-a's lease ended \(ends)")
            }
            // brid-a, by its own clock, no longer holds them; the cluster calls it silent.
            #expect(ofA.allSatisfy { !a.holds($0) })
            #expect(try b.members(now: Date()).map { "\($0.name) \($0.state)" } == ["brid-a silent", "brid-b live"])
            // Back, brid-a has lost them: its renewal holds nothing, until a share is free.
            #expect(try a.heartbeat(now: Date()).isEmpty)
        }
    }

    @Test func aCleanStopGivesEverySourceToTheOthersAtOnce() async throws {
        try await offPool { [self] in
            let a = try instance("brid-a"), b = try instance("brid-b")
            _ = try a.claim(sources: Self.sources, busy: [], now: Date())
            _ = try b.claim(sources: Self.sources, busy: [], now: Date())
            try a.release(now: Date())
            #expect(Self.sources.allSatisfy { !a.holds($0) })
            // A stopped instance is not counted: the other's share is all of them, at once.
            #expect(try b.claim(sources: Self.sources, busy: [], now: Date()) == Set(Self.sources))
            #expect(try b.members(now: Date()).map { "\($0.name) \($0.state)" } == ["brid-a stopped", "brid-b live"])
            // Restarted, it joins again and gets its share back from brid-b.
            try a.join(host: "host-brid-a", pid: 1001, version: "test", now: Date())
            _ = try b.claim(sources: Self.sources, busy: [], now: Date())
            #expect(try a.claim(sources: Self.sources, busy: [], now: Date()).count == 10)
        }
    }

    @Test func overlappingSourcesAreAllHeldOnceNobodyElseWantsThem() async throws {
        try await offPool { [self] in
            // brid-a checks src-01…20, brid-b only src-01…10: brid-a's share is 10 and brid-b's
            // 5, so src-11…20 that brid-a's share leaves out would be checked by nobody.
            let lease = Duration.seconds(2)
            let a = try instance("brid-a", lease: lease), b = try instance("brid-b", lease: lease)
            let ofB = Array(Self.sources.prefix(10))
            var heldA: Set<String> = [], heldB: Set<String> = []
            func round() throws {
                heldA = try a.claim(sources: Self.sources, busy: [], now: Date())
                heldB = try b.claim(sources: ofB, busy: [], now: Date())
            }
            try round()
            // brid-b's share is 5, but brid-a's 10 may include some of brid-b's sources.
            #expect(heldA.count == 10 && heldB.count <= 5 && heldA.isDisjoint(with: heldB), "\(heldA.sorted()) \(heldB.sorted())")
            #expect(heldA.union(heldB) != Set(Self.sources))
            // Claiming every third of a lease, as the daemon does: within about two leases
            // every source is held, each by one instance.
            let started = ContinuousClock.now
            while heldA.union(heldB) != Set(Self.sources) && ContinuousClock.now - started < .seconds(60) {
                Thread.sleep(forTimeInterval: 0.6)
                try round()
            }
            #expect(heldA.union(heldB) == Set(Self.sources), "unheld: \(Set(Self.sources).subtracting(heldA.union(heldB)).sorted())")
            #expect(heldA.isDisjoint(with: heldB))
            // And it stays so: nothing is given back to sit unheld again.
            for _ in 0..<6 {
                Thread.sleep(forTimeInterval: 0.6)
                let (beforeA, beforeB) = (heldA, heldB)
                try round()
                #expect(heldA == beforeA && heldB == beforeB)
            }
            let heldOnce = Self.sources.allSatisfy { a.holds($0) != b.holds($0) }
            #expect(heldOnce)
            // A clean stop keeps the rows, ended: status shows them expired, brid-b takes its own.
            try a.release(now: Date())
            let ofA = try b.leases(now: Date()).filter { $0.instance == "brid-a" }
            #expect(!ofA.isEmpty && ofA.allSatisfy { $0.expired })
            #expect(try b.claim(sources: ofB, busy: [], now: Date()) == Set(ofB))
            // Back, brid-a's renewal does not take again the leases it gave back.
            try a.join(host: "host-brid-a", pid: 1001, version: "test", now: Date())
            #expect(try a.heartbeat(now: Date()).isEmpty)
        }
    }

    @Test func aNameHeldByALiveInstanceElsewhereIsRefused() async throws {
        try await offPool { [self] in
            _ = try instance("brid-a")
            let twin = try PGCluster(conninfo: conninfo, password: server.password, instance: "brid-a", lease: .seconds(30))
            let error = try #require(throws: ClusterError.self) {
                try twin.join(host: "elsewhere", pid: 2000, version: "test", now: Date())
            }
            #expect(error.description.contains("instance brid-a is already running on host-brid-a (pid 1000"), "\(error)")
        }
    }

    @Test func concurrentClaimsNeverHoldASourceTwice() async throws {
        let members = try await offPool { [self] in Unchecked([try instance("brid-a"), try instance("brid-b"), try instance("brid-c")]) }
        let admin = try await offPool { [self] in Unchecked(try connect()) }
        for round in 0..<60 {
            // Every round from free leases, or from expired ones held by a departed instance.
            try await offPool {
                if round.isMultiple(of: 2) {
                    try admin.value.execute("DELETE FROM source_leases")
                } else {
                    try admin.value.execute("UPDATE source_leases SET instance = 'gone', expires_at = 0")
                }
            }
            let results = try await withThrowingTaskGroup(of: (String, Set<String>).self) { group in
                for member in members.value {
                    let one = Unchecked(member)
                    group.addTask { try await offPool { (one.value.instance, try one.value.claim(sources: Self.sources, busy: [], now: Date())) } }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            let all = results.values.flatMap { $0 }
            #expect(all.count == Set(all).count, "round \(round): a source held twice: \(results)")
            let table = try await offPool { try admin.value.query("SELECT source_id, instance FROM source_leases WHERE instance <> 'gone'").rows }
            for row in table {
                #expect(results[row[1] ?? ""]?.contains(row[0] ?? "") == true, "round \(round): \(row) not in \(results)")
            }
            #expect(table.count == all.count)
        }
    }

    // MARK: Delivery claims

    /// `count` undelivered notifications to `notifier`, due at `due` (ms since 1970).
    func outbox(_ count: Int, notifier: String = "ops", due: Int64 = 0) throws -> [Int64] {
        let connection = try connect()
        var ids: [Int64] = []
        for n in 0..<count {
            let alert = try #require(Int64(try connection.query("""
                INSERT INTO alerts (dedup_key, rule, rule_when, severity, state, summary, fired_at)
                VALUES ($1, 'r', 'value > 1', 'warning', 'firing', 's', 1) RETURNING id
                """, ["k-\(n)-\(UInt32.random(in: 0...UInt32.max))"]).scalar ?? ""))
            let body = AlertNotification.Body(id: alert, rule: "r", when: "value > 1", severity: "warning", state: "firing", series: nil,
                                              source: nil, period: nil, value: nil, previousValue: nil, summary: "s",
                                              firedAt: Date(timeIntervalSince1970: 1), resolvedAt: nil, resolveReason: nil, ackedAt: nil,
                                              ackComment: nil, releaseID: nil)
            let payload = String(decoding: AlertNotification(event: .firing, at: Date(timeIntervalSince1970: 1), alert: body).encoded(), as: UTF8.self)
            let id = try #require(Int64(try connection.query("""
                INSERT INTO outbox (alert_id, event, created_at, payload) VALUES ($1::bigint, 'firing', 1, $2) RETURNING id
                """, [String(alert), payload]).scalar ?? ""))
            try connection.query("INSERT INTO deliveries (outbox_id, notifier, next_attempt_at) VALUES ($1::bigint, $2, $3::bigint)",
                                 [String(id), notifier, String(due)])
            ids.append(id)
        }
        return ids
    }

    @Test func twoConnectionsClaimingAtOnceNeverGetTheSameDelivery() async throws {
        let ids = try await offPool { [self] in try outbox(40) }
        let connections = try await offPool { [self] in Unchecked([try connect(), try connect()]) }
        var seen: [Int64: String] = [:]
        // Small batches, claimed concurrently until every delivery is claimed once.
        for round in 0..<40 where seen.count < ids.count {
            let results = try await withThrowingTaskGroup(of: (String, [Int64]).self) { group in
                for (n, connection) in connections.value.enumerated() {
                    let one = Unchecked(connection)
                    group.addTask {
                        try await offPool {
                            let name = "brid-\(n)"
                            let claim = try PGDeliveryClaims.claim(on: one.value, notifier: "ops", instance: name, lease: .seconds(60), limit: 3)
                            // Delivered at once, as a healthy instance does.
                            for item in claim.claimed {
                                try PGDeliveryClaims.delivered(on: one.value, outboxID: item.outboxID, notifier: "ops", at: Date())
                            }
                            return (name, claim.claimed.map(\.outboxID))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for (name, claimed) in results {
                for id in claimed {
                    #expect(seen[id] == nil, "round \(round): outbox \(id) claimed by \(seen[id] ?? "") and \(name)")
                    seen[id] = name
                }
            }
        }
        #expect(Set(seen.keys) == Set(ids))
        let undelivered = try await offPool { [self] in try connect().query("SELECT count(*) FROM deliveries WHERE delivered_at IS NULL").scalar }
        #expect(undelivered == "0")
    }

    @Test func aClaimHeldByALiveInstanceWaitsAndAnExpiredOneIsTakenByAnother() async throws {
        try await offPool { [self] in
            let ids = try outbox(3)
            let (a, b) = (try connect(), try connect())
            let first = try PGDeliveryClaims.claim(on: a, notifier: "ops", instance: "brid-a", lease: .seconds(2), limit: 2)
            #expect(first.claimed.map(\.outboxID) == Array(ids.prefix(2)))
            #expect(first.claimed.first?.notification.alert.rule == "r")
            // In order: brid-b takes nothing while brid-a holds the first two, not even the third;
            // it is told when brid-a's claim ends.
            let meanwhile = try PGDeliveryClaims.claim(on: b, notifier: "ops", instance: "brid-b", lease: .seconds(2), limit: 10)
            #expect(meanwhile.claimed.isEmpty)
            let claimEnds = try #require(meanwhile.nextAt)
            // brid-a dies without delivering: once its claim ended brid-b takes all three.
            let deadline = ContinuousClock.now + .seconds(60)
            var taken: PGDeliveryClaims.Claim
            repeat {
                taken = try PGDeliveryClaims.claim(on: b, notifier: "ops", instance: "brid-b", lease: .seconds(2), limit: 10)
                if taken.claimed.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
            } while taken.claimed.isEmpty && ContinuousClock.now < deadline
            #expect(taken.claimed.map(\.outboxID) == ids)
            let claimedAt = try #require(Int64(try b.query("SELECT min(claimed_until) - 2000 FROM deliveries WHERE claimed_by = 'brid-b'").scalar ?? ""))
            #expect(Date(milliseconds: claimedAt) >= claimEnds, "taken before brid-a's claim ended")
            // A failed attempt ends the claim and waits for its retry; the ones after it wait too.
            try PGDeliveryClaims.failed(on: b, outboxID: ids[0], notifier: "ops", error: "HTTP 503",
                                        retryAt: Date().addingTimeInterval(3600), at: Date())
            let later = try PGDeliveryClaims.claim(on: a, notifier: "ops", instance: "brid-a", lease: .seconds(2), limit: 10)
            #expect(later.claimed.isEmpty)
            #expect(try #require(later.nextAt) > Date().addingTimeInterval(3000))
        }
    }

    @Test func deliveriesNotDueAreNotClaimedAndSayWhenTheyAre() async throws {
        try await offPool { [self] in
            let due = Date().addingTimeInterval(600).millisecondsSince1970
            _ = try outbox(2, due: due)
            let claim = try PGDeliveryClaims.claim(on: try connect(), notifier: "ops", instance: "brid-a", lease: .seconds(30), limit: 10)
            #expect(claim.claimed.isEmpty)
            #expect(claim.nextAt == Date(milliseconds: due))
            let other = try PGDeliveryClaims.claim(on: try connect(), notifier: "other", instance: "brid-a", lease: .seconds(30), limit: 10)
            #expect(other.claimed.isEmpty && other.nextAt == nil)
        }
    }
}
