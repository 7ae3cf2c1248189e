import BridCore
import BridRuntime
import BridStore
import BridTestSupport
import Foundation
import Synchronization
import Testing

/// `brid migrate-store` as the command runs it: a config's state folder, its SQLite store,
/// a database of the test cluster as the target.
@Suite("migrate-store")
struct MigrateStoreTests {
    let cluster: PostgresCluster
    let folder: String

    init() async throws {
        cluster = try await PostgresCluster.shared()
        folder = NSTemporaryDirectory() + "brid-migrate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
    }

    /// Lines written to a sink, for the checks.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var sink: LineSink { LineSink { line in self.lines.withLock { $0.append(line) } } }
        var text: String { lines.withLock { $0.joined() } }
    }

    /// A new database of the cluster; its URL.
    func database() throws -> String {
        let name = "migrate_" + UUID().uuidString.prefix(8).lowercased()
        try cluster.createDatabase(name)
        return "postgresql://\(cluster.role)@\(cluster.folder.replacingOccurrences(of: "/", with: "%2F")):\(cluster.port)/\(name)"
    }

    func writeConfig(store: String) throws -> String {
        let path = folder + "/brid.toml"
        try """
        [daemon]
        state_dir = "\(folder)/state"
        socket = "\(folder)/control.sock"
        \(store)
        [[source]]
        id = "bri"
        drop = "drop"
        format = "csv"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Two releases in the state folder's SQLite store.
    func fillStore() throws {
        let store = try SQLiteStore(path: folder + "/state/brid.sqlite")
        defer { store.close() }
        for (day, value) in [(1, "2388"), (2, "2390")] {
            var builder = PayloadBuilder(origin: "alataw.csv") { _ in nil }
            try builder.add(series: "kz.trains.alataw", period: "2018", value: value, ordinal: 2, place: .line(2))
            try builder.add(series: "kz.trains.horgos", period: "2018", value: "404", ordinal: 3, place: .line(3))
            let sha = String(repeating: String(day), count: 64)
            _ = try store.ingest(try builder.finish(), source: "bri", recordRemovals: false, sha256: sha,
                                 at: Date(timeIntervalSince1970: 1_543_622_400 + Double(day) * 86_400))
        }
    }

    @Test func theStateFoldersStoreMovesIntoTheConfiguredDatabaseOnce() throws {
        try fillStore()
        let url = try database()
        let config = try writeConfig(store: """
            [store]
            kind = "postgresql"
            url = "\(url)"
            password = { env = "BRID_TEST_PG_PASSWORD" }
            """)
        let environment = ["BRID_TEST_PG_PASSWORD": cluster.password]
        let (output, errors) = (Lines(), Lines())
        let status = MigrateStore.run(configPath: config, from: nil, to: nil, output: output.sink, errors: errors.sink, environment: environment)
        #expect(status == 0, "\(errors.text)")
        #expect(output.text.contains("releases: 2 rows"))
        #expect(output.text.contains("observation_versions: 3 rows"))
        #expect(!output.text.contains(cluster.password) && !errors.text.contains(cluster.password))

        let moved = try PostgresStore(url: url, password: cluster.password, instance: "test")
        defer { moved.close() }
        #expect(try moved.latestReleaseID() == 2)
        let rows = try #require(try moved.observations(series: "kz.trains.alataw", vintage: .latest, from: nil, to: nil))
        #expect(rows.map(\.value) == ["2390"])
        let first = try #require(try moved.observations(series: "kz.trains.alataw", vintage: .release(1), from: nil, to: nil))
        #expect(first.map(\.value) == ["2388"])

        // Again: the database holds a store now; nothing is copied twice.
        let again = Lines()
        #expect(MigrateStore.run(configPath: config, from: nil, to: nil, output: Lines().sink, errors: again.sink, environment: environment) == 1)
        #expect(again.text.contains("already holds a store"))
        #expect(try moved.latestReleaseID() == 2)
    }

    @Test func anSQLiteConfigNeedsToAndAMissingStoreIsSaid() throws {
        let config = try writeConfig(store: "")
        let errors = Lines()
        #expect(MigrateStore.run(configPath: config, from: nil, to: nil, output: Lines().sink, errors: errors.sink) == 1)
        #expect(errors.text.contains("there is no SQLite store at \(folder)/state/brid.sqlite"))

        try fillStore()
        let noTarget = Lines()
        #expect(MigrateStore.run(configPath: config, from: nil, to: nil, output: Lines().sink, errors: noTarget.sink) == 1)
        #expect(noTarget.text.contains("say where to copy it with --to <url>"))
    }
}
