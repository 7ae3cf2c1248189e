import BridTestSupport
import Foundation
import Testing

/// `brid migrate-store` as an operator runs it (issue 11, point 5): a brid on SQLite takes
/// releases and fires alerts; it is stopped, its config switched to PostgreSQL, the store
/// migrated, brid started on PostgreSQL; every read of every series gives the same bytes.
@Suite("brid migrate-store end to end", .serialized)
struct MigrateStoreEndToEndTests {
    /// What a store says through brictl: every series' vintages, the releases, the alerts.
    struct Reads: Equatable {
        var vintages: [String: String] = [:]
        var releases = ""
        var alerts = ""
        var series = ""

        init(_ r: AlertTests.Running) throws {
            let listed = try r.json("series")["series"] as? [[String: Any]] ?? []
            for key in listed.compactMap({ $0["key"] as? String }) {
                let export = try r.brictl("export", "--vintages", key)
                try #require(export.status == 0, "\(export.stderr)")
                vintages[key] = export.stdout
            }
            releases = try r.brictl("--json", "releases", "--limit", "1000").stdout
            alerts = try r.brictl("--json", "alerts", "--all").stdout
            series = try r.brictl("--json", "series").stdout
        }

        static func ids(_ json: String, _ key: String) -> [Int] {
            let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]) ?? [:]
            return (object[key] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        }
    }

    @Test func theVintagesOfEverySeriesReleaseIDsAndAlertIDsAreTheSameOnPostgreSQL() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in
            let started = Date()
            let database = "migrated_" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
            try cluster.createDatabase(database)
            let notifiers = """
                [[notify]]
                id = "journal"
                kind = "log"
                """
            let sqliteConfig = AlertTests.config(notifiers)
            let r = try AlertTests.Running(sqliteConfig)
            try r.drop("r1.csv", AlertTests.sample)
            try waitUntil("the growth alert fires", seconds: 20) { try r.alerts().count == 1 }
            // A revision (trade-revised fires, the growth alert resolves), then another year and
            // growth above the level again (a new alert).
            try r.drop("r2.csv", "series,period,value\ncn-kz.trade.total,2018,20.2\ncn-kz.exports.kz-to-cn.growth,2018,24\n")
            try r.drop("r3.csv", "series,period,value\ncn-kz.trade.total,2019,21.4\ncn-kz.exports.kz-to-cn.growth,2018,26\ncn-eu.trains.horgos,2019,410\n")
            try waitUntil("three alerts, the first resolved", seconds: 20) { try r.alerts(all: true).count == 3 }
            let firing = try #require(try r.alerts().first?["id"] as? Int)
            #expect(try r.brictl("ack", String(firing), "--comment", "seen").status == 0)
            try waitUntil("the outbox drains", seconds: 20) { (try r.json("status")["alerts"] as? [String: Any])?["outboxBacklog"] as? Int == 0 }
            let before = try Reads(r)
            #expect(before.vintages.count >= 11)
            #expect(Reads.ids(before.releases, "releases").count == 3)
            #expect(Reads.ids(before.alerts, "alerts").count == 3)
            #expect(try r.brid.terminate().status == 0)

            // Switched to PostgreSQL, migrated, started.
            let url = "host=\(cluster.folder) port=\(cluster.port) dbname=\(database) user=\(cluster.role)"
            let postgresConfig = sqliteConfig + """


                [store]
                kind = "postgresql"
                url = "\(url)"
                password = { env = "BRID_PG_PASSWORD" }
                """
            try r.w.write("brid.toml", postgresConfig)
            let migrate = try BridProcess.run(["migrate-store", "--config", r.w.root + "/brid.toml"],
                                              environment: ["BRID_PG_PASSWORD": cluster.password])
            #expect(migrate.status == 0, "\(migrate.stderr)")
            #expect(migrate.stdout.contains("migrate-store: done"), "\(migrate.stdout)")
            #expect(!migrate.stdout.contains(cluster.password) && !migrate.stderr.contains(cluster.password))
            #expect(try cluster.value("SELECT count(*) FROM releases", in: database) == "3")

            let moved = try AlertTests.Running(postgresConfig, environment: ["BRID_PG_PASSWORD": cluster.password], workspace: r.w)
            let after = try Reads(moved)
            #expect(after.vintages.keys.sorted() == before.vintages.keys.sorted())
            for (key, text) in before.vintages.sorted(by: { $0.key < $1.key }) {
                #expect(after.vintages[key] == text, "export --vintages \(key) differs:\n\(text)\n---\n\(after.vintages[key] ?? "(none)")")
            }
            #expect(Reads.ids(after.releases, "releases") == Reads.ids(before.releases, "releases"))
            #expect(Reads.ids(after.alerts, "alerts") == Reads.ids(before.alerts, "alerts"))
            #expect(after.releases == before.releases, "releases differ:\n\(before.releases)\n---\n\(after.releases)")
            #expect(after.alerts == before.alerts, "alerts differ:\n\(before.alerts)\n---\n\(after.alerts)")
            #expect(after.series == before.series, "series differ:\n\(before.series)\n---\n\(after.series)")

            // It goes on from there: the next releases and alert take the next ids (growth back
            // within the level resolves alert 3; above it again fires alert 4).
            try moved.drop("r4.csv", "series,period,value\ncn-kz.exports.kz-to-cn.growth,2018,20\n")
            try moved.drop("r5.csv", "series,period,value\ncn-kz.exports.kz-to-cn.growth,2018,31\n")
            try waitUntil("a new alert fires on PostgreSQL", seconds: 20) { try moved.alerts(all: true).count == 4 }
            #expect(Reads.ids(try moved.brictl("--json", "releases").stdout, "releases").max() == 5)
            #expect(try moved.alerts(all: true).compactMap { $0["id"] as? Int }.max() == 4)
            #expect(try moved.brid.terminate().status == 0)
            print("migrate-store: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            try cluster.superuserSQL("DROP DATABASE IF EXISTS \"\(database)\" WITH (FORCE)")
        }
    }
}
