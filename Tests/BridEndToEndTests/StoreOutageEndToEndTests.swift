import BridTestSupport
import Foundation
import Testing

/// PostgreSQL restarted and stopped under a running brid (issue 11, points 4 and 8): a
/// cluster of the test's own, the built `brid` and `brictl`, URL sources on 127.0.0.1.
@Suite("PostgreSQL going away under a running brid", .serialized)
struct StoreOutageEndToEndTests {
    static let sources = 3

    @Test func aRestartAndAnOutageNeitherCrashNorHalfAReleaseAndNewVersionsBecomeOneReleaseEach() async throws {
        try await offPool {
            let started = Date()
            let cluster = try PostgresCluster.start()
            defer { cluster.stop() }
            let database = cluster.database
            let root = NSTemporaryDirectory() + "brid-outage-" + UUID().uuidString
            let publisher = try Publisher(folder: root + "/published")
            defer { try? FileManager.default.removeItem(atPath: root) }
            func publishAll(_ value: Int) throws {
                for index in 1...Self.sources {
                    try publisher.publish(ClusterConfig.sourceID(index) + ".csv", ClusterConfig.payload(index, value: value + index))
                }
            }
            func waitForReleases(_ count: Int, seconds: Double) throws {
                try waitUntil("every source has \(count) releases", seconds: seconds, poll: 0.2) {
                    let bySource = try cluster.releasesBySource(in: database)
                    return bySource.count == Self.sources && bySource.values.allSatisfy { $0.count >= count }
                }
            }
            func expectOneReleasePerPayload(_ count: Int) throws {
                for (source, counted) in try cluster.releasesBySource(in: database).sorted(by: { $0.key < $1.key }) {
                    #expect(counted.count == count && counted.payloads == count, "\(source): \(counted.count) releases of \(counted.payloads) payloads")
                }
            }
            try publishAll(10)
            let receiver = try ReceivedPost.receiver()
            let notify = try NotifySocket(path: root + "/notify.sock", collecting: true)
            let instance = try StoreInstance(name: "brid-a", config: ClusterConfig.make(instance: "brid-a", url: cluster.conninfo, publisher: publisher,
                                                                                       sources: Self.sources, receiverPort: receiver.port),
                                             password: cluster.password, environment: ["NOTIFY_SOCKET": notify.path])
            try instance.start()
            let brid = try #require(instance.brid)
            try waitForReleases(1, seconds: 20)

            // A restart (every session ended) right as new versions are published: brid goes
            // on, and each new version becomes exactly one release.
            try publishAll(20)
            try cluster.restartServer()
            #expect(brid.isRunning)
            try waitForReleases(2, seconds: 30)
            try expectOneReleasePerPayload(2)

            // An outage: status, STATUS= and the journal say the store is unavailable; brid runs on.
            try cluster.stopServer()
            try waitUntil("status says the store is unavailable", seconds: 20, poll: 0.1) {
                try instance.json("status")["storeUnavailable"] != nil
            }
            let status = try instance.brictl("status")
            #expect(status.status == 0)
            #expect(status.stdout.contains("STORE UNAVAILABLE since"), "\(status.stdout)")
            #expect(instance.log.contains("store unavailable: "), "\(instance.log)")
            try waitUntil("STATUS= says so", seconds: 10) { notify.all.contains { $0.contains("STATUS=store unavailable: ") } }
            // Published meanwhile, above the alert's level: released and alerted once the store is back.
            try publishAll(150)
            #expect(brid.isRunning)
            try cluster.startServer()
            try waitUntil("the store is available again", seconds: 30, poll: 0.1) { try instance.json("status")["storeUnavailable"] == nil }
            try brid.waitForLog("store available again after", seconds: 5)
            try waitForReleases(3, seconds: 30)
            try expectOneReleasePerPayload(3)
            try waitUntil("the three alerts are delivered", seconds: 20, poll: 0.1) { try ReceivedPost.all(receiver).count == 3 }
            try waitUntil("STATUS= says brid carries on", seconds: 10) { notify.all.last { $0.contains("STATUS=") }?.contains("STATUS=3 sources") == true }
            #expect(!brid.log.contains("fatal") && !brid.log.contains("crash"), "\(brid.log)")
            #expect(try brid.terminate().status == 0)
            let posts = try ReceivedPost.all(receiver)
            #expect(posts.count == 3 && Set(posts.map(\.id)).count == 3 && posts.allSatisfy { $0.event == "firing" }, "delivered once each: \(posts.map(\.id))")
            print("PostgreSQL restart and outage: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
    }
}
