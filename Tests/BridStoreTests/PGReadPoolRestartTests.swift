import BridPostgres
@testable import BridStore
import BridTestSupport
import Testing

/// The PostgreSQL store's read pool across a restart of the server: a cluster of these
/// tests' own (never the shared one), restarted under idle pooled connections.
@Suite("PostgreSQL read pool after a server restart", .serialized)
struct PGReadPoolRestartTests {
    private static let own = Result { try PostgresCluster.start() }

    @Test func readsAfterARestartAllSucceedOnFreshConnections() async throws {
        let cluster = try await offPool { try Self.own.get() }
        try await offPool {
            let database = "pool_\(UInt32.random(in: 0...UInt32.max))"
            try cluster.createDatabase(database)
            let store = try PostgresStore(url: "host=\(cluster.folder) port=\(cluster.port) dbname=\(database) user=\(cluster.role)",
                                          password: cluster.password, instance: "test")
            defer { store.close() }
            // Every pooled connection opened, then idle.
            let all = try (0..<PostgresStore.readConnections).map { _ in try store.reads.checkOut() }
            for database in all { store.reads.checkIn(database) }
            _ = try store.seriesSummaries(matching: nil)
            try cluster.restartServer()
            // Each idle connection is dead now; no read fails for it.
            for n in 0..<(2 * PostgresStore.readConnections) {
                #expect(throws: Never.self, "read \(n)") { _ = try store.seriesSummaries(matching: nil) }
            }
        }
    }
}
