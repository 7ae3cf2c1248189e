import BridStore
import BridTestSupport
import Foundation
import Testing

/// `brid --once` on a PostgreSQL store: the built binary against a database of its own on
/// the throwaway cluster.
@Suite struct OncePostgresTests {
    /// It joins the cluster, checks what it can lease, names the URL source another live
    /// instance holds as skipped (not a failure), ingests its drop folder, and leaves
    /// stopped with no lease of its own.
    @Test func onceChecksWhatItCanLeaseAndSaysWhichAreAnotherInstances() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in
            let database = "once_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            try cluster.createDatabase(database)
            let url = "host=\(cluster.folder) port=\(cluster.port) dbname=\(database) user=\(cluster.role)"
            // The schema, and another instance alive holding the URL source.
            PostgresStoreOpener.open(url: url, password: cluster.password)
            let now = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
            _ = try cluster.superuserSQL("""
                INSERT INTO instances (name, host, pid, version, started_at, heartbeat_at) VALUES ('brid-b', 'elsewhere', 1, 'test', \(now), \(now) + 600000);
                INSERT INTO source_leases (source_id, instance, acquired_at, expires_at) VALUES ('held', 'brid-b', \(now), \(now) + 600000);
                """, database: database)
            let w = try Workspace(config: """
                [daemon]
                state_dir = "state"
                instance = "brid-a"

                [store]
                kind = "postgresql"
                url = "\(url)"
                password = { env = "BRID_PG_PASSWORD" }

                [[source]]
                id = "held"
                url = "http://127.0.0.1:1/never-fetched.csv"
                format = "csv"

                [[source]]
                id = "d"
                drop = "drop/d"
                format = "csv"
                """)
            try w.write("state/drop/d/r1.csv", "series,period,value\nx.total,2018,1.5\n")
            let run = try BridProcess.run(["--once", "--config", w.root + "/brid.toml"], environment: ["BRID_PG_PASSWORD": cluster.password])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("store PostgreSQL \(cluster.folder):\(cluster.port) database \(database) as brid open"), "\(run.stderr)")
            #expect(run.stderr.contains("skipped: held by another instance of the cluster (brid-b), which checks it source.id=held"), "\(run.stderr)")
            #expect(run.stderr.contains("accepted: release 1, 1 added"), "\(run.stderr)")
            #expect(!run.stderr.contains(cluster.password) && !run.stdout.contains(cluster.password))
            #expect(!FileManager.default.fileExists(atPath: w.root + "/state/brid.sqlite"))
            let rows = try cluster.superuserSQL("""
                SELECT 'releases ' || count(*) FROM releases;
                SELECT 'brid-a stopped ' || (stopped_at IS NOT NULL) FROM instances WHERE name = 'brid-a';
                SELECT 'leases ' || string_agg(source_id || '=' || instance, ',') FROM source_leases;
                """, database: database)
            #expect(rows.split(separator: "\n").map(String.init) == ["releases 1", "brid-a stopped true", "leases held=brid-b"], "\(rows)")
        }
    }
}

/// Opens a PostgreSQL store once (its migrations applied), then closes it.
enum PostgresStoreOpener {
    static func open(url: String, password: String) {
        let store = try? PostgresStore(url: url, password: password, instance: "setup")
        #expect(store != nil)
        store?.close()
    }
}
