import BridTestSupport
import Foundation
import Testing

/// Several brid instances on one PostgreSQL database (issue 11, points 3 and 8): the built
/// `brid` and `brictl` as child processes, 20 URL sources on a publisher on 127.0.0.1 that
/// logs who fetched what and when, and a webhook receiver that counts every delivery.
@Suite("Several brid instances on one PostgreSQL database", .serialized)
struct ClusterEndToEndTests {
    static let sources = 20
    static let paths = (1...sources).map { "/" + ClusterConfig.sourceID($0) + ".csv" }

    /// A fresh database on the shared test cluster, a publisher serving version 1 of every
    /// source (level 10+i, below the alert's 100), a receiver, and two instances (not started).
    struct Fleet {
        let cluster: PostgresCluster
        let database: String
        let publisher: Publisher
        let receiver: Publisher
        let a: StoreInstance
        let b: StoreInstance
        let root: String

        init(cluster: PostgresCluster, receiverDelay: Double = 0) throws {
            self.cluster = cluster
            let database = "cluster_" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
            self.database = database
            try cluster.createDatabase(database)
            let root = NSTemporaryDirectory() + "brid-cluster-" + UUID().uuidString
            self.root = root
            // Each GET answered after 0.2 s: a check lasts, so two at once would overlap.
            publisher = try Publisher(folder: root + "/published", delay: 0.2)
            for index in 1...ClusterEndToEndTests.sources {
                try publisher.publish(ClusterConfig.sourceID(index) + ".csv", ClusterConfig.payload(index, value: 10 + index))
            }
            receiver = try ReceivedPost.receiver(delay: receiverDelay)
            let url = "host=\(cluster.folder) port=\(cluster.port) dbname=\(database) user=\(cluster.role)"
            let (publisher, receiver) = (publisher, receiver)
            a = try StoreInstance(name: "brid-a", config: ClusterConfig.make(instance: "brid-a", url: url, publisher: publisher,
                                                                             sources: ClusterEndToEndTests.sources, receiverPort: receiver.port),
                                  password: cluster.password)
            b = try StoreInstance(name: "brid-b", config: ClusterConfig.make(instance: "brid-b", url: url, publisher: publisher,
                                                                             sources: ClusterEndToEndTests.sources, receiverPort: receiver.port),
                                  password: cluster.password)
        }

        /// Publishes the value of every source.
        func publishAll(_ value: (Int) -> Int) throws {
            for index in 1...ClusterEndToEndTests.sources {
                try publisher.publish(ClusterConfig.sourceID(index) + ".csv", ClusterConfig.payload(index, value: value(index)))
            }
        }

        /// Waits until every source has `count` releases.
        func waitForReleases(_ count: Int, seconds: Double) throws {
            try waitUntil("every source has \(count) release\(count == 1 ? "" : "s")", seconds: seconds, poll: 0.2) {
                let bySource = try cluster.releasesBySource(in: database)
                return bySource.count == ClusterEndToEndTests.sources && bySource.values.allSatisfy { $0.count >= count }
            }
        }

        /// Waits until both instances say the same: two live members, every source held,
        /// half by each; returns who holds what.
        func waitForTheSplit(seconds: Double) throws -> [String: String] {
            var agreed: [String: String] = [:]
            try waitUntil("both instances hold half of the sources and say so", seconds: seconds, poll: 0.2) {
                let (fromA, fromB) = (try a.holders(), try b.holders())
                guard fromA == fromB, fromA.count == ClusterEndToEndTests.sources else { return false }
                let held = fromA.compactMapValues { $0 }
                guard held.count == ClusterEndToEndTests.sources else { return false }
                let counts = Dictionary(grouping: held.values, by: { $0 }).mapValues(\.count)
                guard counts == ["brid-a": 10, "brid-b": 10] else { return false }
                guard try a.members() == ["brid-a": "live", "brid-b": "live"], try b.members() == ["brid-a": "live", "brid-b": "live"] else {
                    return false
                }
                agreed = held
                return true
            }
            return agreed
        }

        /// Waits until every outbox entry is delivered; returns how many there are.
        func waitForDeliveries(_ count: Int, seconds: Double) throws {
            try waitUntil("\(count) notifications in the outbox, every one delivered", seconds: seconds, poll: 0.2) {
                try cluster.value("SELECT count(*) FROM outbox", in: database) == String(count)
                    && cluster.value("SELECT count(*) FROM deliveries WHERE delivered_at IS NULL", in: database) == "0"
            }
        }

        /// The outbox's notification ids (`brid-alert-<alert>-<event>`), as the payloads carry them.
        func outboxIDs() throws -> Set<String> {
            Set(try cluster.rows("SELECT 'brid-alert-' || alert_id || '-' || event FROM outbox", in: database))
        }

        /// The database and the published files removed.
        func drop() throws {
            try? FileManager.default.removeItem(atPath: root)
            try cluster.superuserSQL("DROP DATABASE IF EXISTS \"\(database)\" WITH (FORCE)")
        }
    }

    @Test func twoInstancesCheckEverySourceOneAtATimeWithoutADuplicateReleaseAndDeliverEachAlertOnce() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in
            let fleet = try Fleet(cluster: cluster)
            let (a, b, database) = (fleet.a, fleet.b, fleet.database)
            let started = Date()
            try a.start()
            try b.start()

            // Every source checked, and the sources split between the two.
            try fleet.waitForReleases(1, seconds: 30)
            let holders = try fleet.waitForTheSplit(seconds: 30)
            let splitAt = Date().timeIntervalSince1970

            // Version 2 of every source: above the alert's level, 20 alerts fire.
            try fleet.publishAll { 150 + $0 }
            try fleet.waitForReleases(2, seconds: 30)
            try fleet.waitForDeliveries(20, seconds: 30)
            // A few more rounds of checks (304s) with both live.
            let hits = try fleet.publisher.hits()
            try waitUntil("every source is checked twice more", seconds: 20, poll: 0.2) {
                let now = try fleet.publisher.hits()
                return Self.paths.allSatisfy { (now[$0] ?? 0) >= (hits[$0] ?? 0) + 2 }
            }

            // No source checked by two instances at once; since the split, each only by its holder.
            let requests = try fleet.publisher.requests()
            #expect(FetchLog.overlaps(requests).isEmpty, "\(FetchLog.overlaps(requests))")
            #expect(Set(requests.map(\.path)) == Set(Self.paths))
            #expect(requests.allSatisfy { $0.instance == "brid-a" || $0.instance == "brid-b" })
            let strays = requests.filter { $0.start > splitAt && holders[String($0.path.dropFirst().dropLast(4))] != $0.instance }
            #expect(strays.isEmpty, "fetched since the split by an instance that does not hold the source: \(strays)")
            #expect(try a.holders().compactMapValues { $0 } == holders, "the split held")

            // No duplicate release: one per payload published, whichever instance checked.
            let releases = try cluster.releasesBySource(in: database)
            #expect(releases.count == Self.sources)
            for (source, counted) in releases.sorted(by: { $0.key < $1.key }) {
                #expect(counted.count == 2 && counted.payloads == 2, "\(source): \(counted.count) releases of \(counted.payloads) payloads")
            }

            // status on either shows the cluster: both instances, who holds what.
            for (instance, other) in [(a, b), (b, a)] {
                let status = try instance.brictl("status")
                #expect(status.status == 0, "\(status.stderr)")
                #expect(status.stdout.contains("cluster   2 instances, this one \(instance.name), lease 5s"), "\(status.stdout)")
                let lines = status.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
                for name in [instance.name, other.name] {
                    #expect(lines.contains { $0.first == name && $0.contains("live") && $0.last == "10" }, "\(name) live with 10 sources: \(status.stdout)")
                }
                #expect(status.stdout.contains("HELD BY"))
                for index in 1...Self.sources {
                    let id = ClusterConfig.sourceID(index)
                    #expect(lines.contains { $0.first == id && $0.contains(holders[id] ?? "?") }, "\(id) held by \(holders[id] ?? "?")")
                }
            }
            // Every read gives the same answer on both.
            let reads: [[String]] = [["--json", "series"], ["--json", "releases", "--limit", "100"], ["--json", "alerts", "--all"],
                                     ["--json", "show", ClusterConfig.seriesKey(7)], ["--json", "history", ClusterConfig.seriesKey(7), "2020"],
                                     ["export", "--vintages", ClusterConfig.seriesKey(13)]]
            for read in reads {
                let (fromA, fromB) = (try a.brictl(read), try b.brictl(read))
                #expect(fromA.status == 0 && !fromA.stdout.isEmpty, "\(read): \(fromA.stderr)")
                #expect(fromA.stdout == fromB.stdout, "\(read) differs:\n\(fromA.stdout)\n---\n\(fromB.stdout)")
            }
            #expect((try a.json("alerts")["alerts"] as? [[String: Any]])?.count == 20)

            #expect(try a.brid?.terminate().status == 0)
            #expect(try b.brid?.terminate().status == 0)

            // Each notification delivered exactly once, by one instance, over the whole run.
            let posts = try ReceivedPost.all(fleet.receiver)
            let outbox = try fleet.outboxIDs()
            #expect(outbox.count == 20)
            #expect(posts.count == 20, "\(posts.count) posts for 20 notifications")
            #expect(Set(posts.map(\.id)) == outbox)
            #expect(posts.allSatisfy { $0.status == 204 && $0.event == "firing" && ["/brid-a", "/brid-b"].contains($0.path) })
            print("two instances: \(String(format: "%.1f", Date().timeIntervalSince(started))) s; deliveries by brid-a \(posts.filter { $0.path == "/brid-a" }.count), by brid-b \(posts.filter { $0.path == "/brid-b" }.count)")
            try fleet.drop()
        }
    }

    @Test func killNineOneInstanceAndTheOtherTakesItsSourcesWithinTheLeaseAndDeliversEveryAlert() async throws {
        // A slow receiver: deliveries are in flight when an instance is killed.
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in
            let fleet = try Fleet(cluster: cluster, receiverDelay: 0.3)
            let (a, b, database) = (fleet.a, fleet.b, fleet.database)
            let started = Date()
            try a.start()
            try b.start()
            try fleet.waitForReleases(1, seconds: 30)
            _ = try fleet.waitForTheSplit(seconds: 30)

            // Version 2: 20 alerts fire; kill -9 the instance delivering them, mid-way (its
            // sources' version 2 perhaps not all ingested yet: the other instance does it).
            try fleet.publishAll { 150 + $0 }
            try waitUntil("a few alerts are delivered", seconds: 20, poll: 0.05) { try ReceivedPost.all(fleet.receiver).count >= 3 }
            let delivering = try ReceivedPost.all(fleet.receiver).last?.path == "/brid-a" ? a : b
            let (victim, survivor) = delivering === a ? (a, b) : (b, a)
            let victimSources = Set(try survivor.holders().filter { $0.value == victim.name }.keys)
            #expect(victimSources.count == 10)
            victim.brid?.signal(SIGKILL)
            let killedAt = Date()
            _ = try victim.brid?.waitForExit(seconds: 5)
            let postsAtKill = try ReceivedPost.all(fleet.receiver).count
            #expect(postsAtKill < 20, "the kill came while notifications were still due (\(postsAtKill) of 20 delivered)")

            // The survivor takes every source within the lease (5 s), with a tolerance for a
            // loaded machine: a renewal every third of the lease, a check in progress.
            try waitUntil("the survivor holds every source", seconds: 30, poll: 0.1) {
                try survivor.holders().values.allSatisfy { $0 == survivor.name }
            }
            let takeover = Date().timeIntervalSince(killedAt)
            #expect(takeover <= 5 + 7, "took over in \(takeover) s, lease 5 s")
            try waitUntil("the killed instance is silent", seconds: 15, poll: 0.2) { try survivor.members()[victim.name] == "silent" }
            #expect(survivor.log.contains("cluster: instance \(survivor.name) took 10 sources over"))

            try fleet.waitForReleases(2, seconds: 30)

            // Version 3 of every source (back below the level: 20 alerts resolve) becomes one
            // release each, the killed instance's sources too.
            let takenAt = Date().timeIntervalSince1970
            try fleet.publishAll { 20 + $0 }
            try fleet.waitForReleases(3, seconds: 30)
            try fleet.waitForDeliveries(40, seconds: 40)

            let releases = try cluster.releasesBySource(in: database)
            for (source, counted) in releases.sorted(by: { $0.key < $1.key }) {
                #expect(counted.count == 3 && counted.payloads == 3, "\(source): \(counted.count) releases of \(counted.payloads) payloads")
            }
            let requests = try fleet.publisher.requests()
            #expect(FetchLog.overlaps(requests).isEmpty, "\(FetchLog.overlaps(requests))")
            #expect(requests.filter { $0.start > takenAt }.allSatisfy { $0.instance == survivor.name })
            for source in victimSources {
                #expect(requests.contains { $0.path == "/\(source).csv" && $0.start > takenAt && $0.instance == survivor.name })
            }

            // Every notification delivered at least once across the kill, none lost; a
            // second delivery only of one the killed instance had claimed.
            let posts = try ReceivedPost.all(fleet.receiver)
            let outbox = try fleet.outboxIDs()
            #expect(outbox.count == 40)
            #expect(Set(posts.map(\.id)) == outbox, "lost: \(outbox.subtracting(posts.map(\.id)).sorted())")
            let repeated = Dictionary(grouping: posts, by: \.id).filter { $0.value.count > 1 }
            for (id, sent) in repeated.sorted(by: { $0.key < $1.key }) {
                #expect(sent.first?.path == "/" + victim.name && sent.count == 2, "\(id) sent \(sent.count) times: \(sent.map(\.path))")
            }
            #expect(posts.filter { $0.at > killedAt.timeIntervalSince1970 }.allSatisfy { $0.path == "/" + survivor.name })
            #expect(try survivor.brictl("alerts").stdout.contains("no alerts"), "every alert resolved")
            #expect(try survivor.brid?.terminate().status == 0)
            print("kill -9: takeover \(String(format: "%.1f", takeover)) s; \(posts.count) posts for 40 notifications (\(repeated.count) sent twice); \(String(format: "%.1f", Date().timeIntervalSince(started))) s in all")
            try fleet.drop()
        }
    }
}
