import BridTestSupport
import Foundation
import Testing

/// `/metrics` as Prometheus sees it: brid (a child process, `[http]` with a token) scraped by
/// the Debian package's Prometheus, and the example rules file under promtool.
@Suite struct PrometheusEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func aRealPrometheusScrapesBridWithItsTokenAndSeesItsReleases() async throws { try await offPool {
        let w = try Workspace(config: Workspace.oneDropSource + """

            [http]
            listen = "127.0.0.1:0"
            tokens = [{ env = "BRID_HTTP_TOKEN" }]
            """)
        let token = "scrape-\(UUID().uuidString)"
        let brid = try DaemonProcess(config: w.root + "/brid.toml", environment: ["BRID_HTTP_TOKEN": token], logPath: w.root + "/brid.log")
        try brid.waitForLog("http: listening on 127.0.0.1:", seconds: 30)
        let port = try #require(Self.listeningPort(brid.log))
        try w.write("state/drop/d/r1.csv", "series,period,value\nkz.a,2017,1\nkz.a,2018,2\nkz.b,2018,3\n")
        try brid.waitForLog("accepted: release 1", seconds: 30)

        // brid's own answer: the values Prometheus must end up with, and promtool finds no fault in it.
        let direct = try HTTPTestClient.blockingGet(port: port, "/metrics", headers: [("Authorization", "Bearer \(token)")])
        #expect(direct.status == 200)
        let scrape = PrometheusText(direct.text)
        #expect(scrape.value(#"brid_source_releases_total{source="d"}"#) == 1)
        #expect(scrape.value(#"brid_source_observations_added_total{source="d"}"#) == 3)
        #expect(try scrape.promtoolProblems() == nil)

        try w.write("token", token)
        let prometheus = try Prometheus(target: "127.0.0.1:\(port)", credentialsFile: w.root + "/token")
        try waitUntil("Prometheus has scraped brid: up{job=\"brid\"} is 1", seconds: 60, poll: 0.2) {
            try prometheus.value(#"up{job="brid"}"#) == "1"
        }
        try waitUntil("Prometheus has brid's release count", seconds: 60, poll: 0.2) {
            try prometheus.value(#"brid_source_releases_total{job="brid",source="d"}"#) == "1"
        }
        #expect(try prometheus.value(#"brid_source_observations_added_total{source="d"}"#) == "3")
        #expect(try prometheus.value(#"brid_store_up"#) == "1")

        // A revision: Prometheus follows.
        try w.write("state/drop/d/r2.csv", "series,period,value\nkz.a,2018,2.5\n")
        try brid.waitForLog("accepted: release 2", seconds: 30)
        try waitUntil("Prometheus has the second release", seconds: 60, poll: 0.2) {
            try prometheus.value(#"brid_source_releases_total{source="d"}"#) == "2"
        }
        #expect(try prometheus.value(#"brid_source_observations_revised_total{source="d"}"#) == "1")
        let after = PrometheusText(try HTTPTestClient.blockingGet(port: port, "/metrics", headers: [("Authorization", "Bearer \(token)")]).text)
        #expect(try prometheus.value(#"brid_source_last_success_timestamp_seconds{source="d"}"#).flatMap(Double.init)
                == after.value(#"brid_source_last_success_timestamp_seconds{source="d"}"#))
        // Without the token, Prometheus would see brid down: the scrape config's credentials are what let it in.
        #expect(try HTTPTestClient.blockingGet(port: port, "/metrics").status == 401)
        _ = try brid.terminate()
    } }

    @Test func theExampleRulesFilePassesPromtoolCheckAndItsTests() throws {
        let folder = Self.repository.appendingPathComponent("Config/prometheus").path
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"),
                     "promtool is not installed: run `make test-deps` (apt-get install -y --no-install-recommends prometheus)")
        let check = try ProcessRunner.run("/usr/bin/promtool", ["check", "rules", "brid-rules.yml"], in: folder)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 3 rules found"))
        let test = try ProcessRunner.run("/usr/bin/promtool", ["test", "rules", "brid-rules.test.yml"], in: folder)
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"))
    }

    /// The port of `http: listening on 127.0.0.1:PORT` in brid's log.
    static func listeningPort(_ log: String) -> Int? {
        guard let range = log.range(of: "http: listening on 127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }
}

/// The Debian package's Prometheus, on 127.0.0.1 (a free port), its storage in a temporary
/// folder, scraping one brid every second with a bearer token read from a file.
final class Prometheus {
    let port: Int
    let folder: String
    private let process: Process

    init(target: String, credentialsFile: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
            throw PublisherError("prometheus is not installed: run `make test-deps` (apt-get install -y --no-install-recommends prometheus)")
        }
        folder = NSTemporaryDirectory() + "brid-prometheus-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        // The scrape config of README "Metrics".
        try Data("""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: brid
                authorization:
                  credentials_file: \(credentialsFile)
                static_configs:
                  - targets: ["\(target)"]
            """.utf8).write(to: URL(fileURLWithPath: folder + "/prometheus.yml"))
        port = try freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = ["--config.file=\(folder)/prometheus.yml", "--storage.tsdb.path=\(folder)/data",
                             "--web.listen-address=127.0.0.1:\(port)"]
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let port = self.port
        try waitUntil("Prometheus answers on \(port)", seconds: 60, poll: 0.1) {
            (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/-/ready")!)) != nil
        }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The value of an instant query that has one sample (nil when it has none), as Prometheus's HTTP API says it.
    func value(_ query: String) throws -> String? {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: query)]
        let data = try Data(contentsOf: components.url!)
        let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let result = (answer?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        guard result.count == 1, let value = result[0]["value"] as? [Any], value.count == 2 else { return nil }
        return value[1] as? String
    }
}
