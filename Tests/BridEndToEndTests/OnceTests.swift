import BridTestSupport
import Foundation
import Testing

/// `brid --once` and `--check-config` as a user runs them: the built binary, a config
/// file, a drop folder, a real SQLite file inspected with the sqlite3 shell.
@Suite struct OnceTests {
    static let config = """
        [daemon]
        state_dir = "state"

        [[source]]
        id = "bri-cn-kz"
        drop = "drop/bri-cn-kz"
        format = "csv"

        [[series]]
        key = "cn-kz.trade.total"
        name = "China–Kazakhstan trade volume"
        unit = "USD bn"
        frequency = "A"
        """

    static let sample = """
        series,period,value
        cn-kz.trade.total,2018,19.885
        cn-kz.exports.kz-to-cn,2018,8.535
        cn-eu.trains.alataw,2018,2388

        """

    /// The vintage data, dumped as text: what "the store" holds.
    func vintageDump(_ w: Workspace) throws -> String {
        try w.sql("SELECT * FROM series ORDER BY id; SELECT * FROM releases ORDER BY id; SELECT * FROM observation_versions ORDER BY series_id, period, release_id;")
    }

    @Test func ingestsOnceThenRecognisesTheSameFile() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        try w.write("state/drop/bri-cn-kz/release-2018.csv", Self.sample)
        let first = try w.brid("--once")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("accepted: release 1, 3 added, 0 revised, 0 removed, 0 unchanged file=release-2018.csv source.id=bri-cn-kz"))
        #expect(w.files("state/drop/bri-cn-kz/processed") == ["release-2018.csv"])
        #expect(try w.sql("SELECT series, period, value FROM latest_observations ORDER BY series") ==
                "cn-eu.trains.alataw|2018|2388\ncn-kz.exports.kz-to-cn|2018|8.535\ncn-kz.trade.total|2018|19.885\n")
        #expect(try w.sql("SELECT name, unit FROM series WHERE key = 'cn-kz.trade.total'") == "China–Kazakhstan trade volume|USD bn\n")

        // The same file again, and nothing in the folder: no new release.
        try w.write("state/drop/bri-cn-kz/release-2018-again.csv", Self.sample)
        let second = try w.brid("--once")
        #expect(second.status == 0)
        #expect(second.stderr.contains("unchanged: identical to the last payload (SHA-256) file=release-2018-again.csv"))
        #expect(try w.sql("SELECT count(*) FROM releases") == "1\n")
        let third = try w.brid("--once")
        #expect(third.stderr.contains("no new files in"))
        #expect(try w.sql("SELECT count(*) FROM releases") == "1\n")
    } }

    @Test func aRevisedFileCreatesExactlyOneReleaseWithTheChanges() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        try w.write("state/drop/bri-cn-kz/r1.csv", Self.sample)
        _ = try w.brid("--once")
        try w.write("state/drop/bri-cn-kz/r2.csv", Self.sample.replacingOccurrences(of: "19.885", with: "19.902") + "cn-eu.trains.horgos,2018,404\n")
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("accepted: release 2, 1 added, 1 revised, 0 removed, 2 unchanged file=r2.csv"))
        #expect(try w.sql("SELECT s.key, v.period, v.value FROM observation_versions v JOIN series s ON s.id = v.series_id WHERE v.release_id = 2 ORDER BY s.key") ==
                "cn-eu.trains.horgos|2018|404\ncn-kz.trade.total|2018|19.902\n")
        #expect(try w.sql("SELECT value, realtime_end IS NULL FROM observation_history WHERE series = 'cn-kz.trade.total' ORDER BY release_id") ==
                "19.885|0\n19.902|1\n")
    } }

    @Test func aMalformedFileIsRejectedAndTheStoreIsUnchanged() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        try w.write("state/drop/bri-cn-kz/r1.csv", Self.sample)
        _ = try w.brid("--once")
        let before = try vintageDump(w)
        try w.write("state/drop/bri-cn-kz/broken.csv", "series,period,value\ncn-kz.trade.total,2019,20.1\ncn-eu.trains.alataw,2019,2,500\n")
        let run = try w.brid("--once")
        #expect(run.status == 1)
        #expect(run.stderr.contains("rejected: broken.csv line 3: expected 3 fields as in the header (line 1), found 4"))
        #expect(w.files("state/drop/bri-cn-kz/rejected") == ["broken.csv", "broken.csv.error"])
        #expect(try w.read("state/drop/bri-cn-kz/rejected/broken.csv.error").hasPrefix("broken.csv line 3: expected 3 fields"))
        // Line 2 was valid, but nothing of the file was stored: the vintage data is byte-for-byte the same.
        #expect(try vintageDump(w) == before)
        #expect(try w.sql("SELECT consecutive_failures, last_error LIKE 'broken.csv line 3:%' FROM sources WHERE id = 'bri-cn-kz'") == "1|1\n")
    } }

    @Test func onceFetchesURLSourcesFromARealServer() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        try publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.535\n")
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "kz"
            url = "\(publisher.url("kz.csv"))"
            format = "csv"

            [[source]]
            id = "broken"
            url = "\(publisher.url("status/503"))"
            format = "csv"
            """)
        let first = try w.brid("--once")
        #expect(first.status == 1, "one source fails")
        #expect(first.stderr.contains("fetched: release 1, 1 added"), "\(first.stderr)")
        #expect(first.stderr.contains("fetch failed: HTTP 503 from \(publisher.url("status/503")) after"))
        #expect(try w.sql("SELECT origin, published_at IS NOT NULL FROM releases") == "\(publisher.url("kz.csv"))|1\n")
        #expect(try w.sql("SELECT id, consecutive_failures, etag IS NOT NULL FROM sources ORDER BY id") == "broken|1|0\nkz|0|1\n")
        // Again: the publisher answers 304 to the conditional request.
        let second = try w.brid("--once")
        #expect(second.stderr.contains("fetched: unchanged (HTTP 304 not modified)"), "\(second.stderr)")
        #expect(try w.sql("SELECT count(*) FROM releases") == "1\n")
        #expect(try publisher.hits()["/kz.csv"] == 2)
    } }

    /// The built brid against a server that misbehaves in every way the fetcher guards
    /// against: each source fails with its own clear error, nothing is stored, brid exits 1.
    @Test func fetchFailuresAreClearAndStoreNothing() async throws { try await offPool {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("BridFetchTests/Support/test_http_server.py").path
        let server = try Publisher(script: script)
        let w = try Workspace(config: "")
        let sources: [(String, String, String)] = [
            ("missing", "status/404", ""),
            ("unavailable", "status/503", ""),
            ("dripping", "drip?seconds=10", "timeout = \"1s\""),
            ("oversized", "big-chunked?bytes=5000", "max_bytes = \"1KB\""),
            ("looping", "loop", ""),
            ("escaping", "to-file", ""),
        ]
        try w.write("brid.toml", "[daemon]\nstate_dir = \"state\"\n" + sources.map { id, path, extra in
            "\n[[source]]\nid = \"\(id)\"\nurl = \"\(server.url(path))\"\nformat = \"csv\"\n\(extra)\n"
        }.joined())
        let run = try w.brid("--once")
        #expect(run.status == 1)
        for expected in ["fetch failed: HTTP 404 from \(server.url("status/404")) after",
                         "fetch failed: HTTP 503 from \(server.url("status/503")) after",
                         "fetch failed: timed out after",
                         "fetch failed: body exceeds max_bytes 1KB",
                         "fetch failed: more than 5 redirects from \(server.url("loop"))",
                         "fetch failed: redirect to file:///etc/passwd refused (only http and https)"] {
            #expect(run.stderr.contains(expected), "\(expected)\n\(run.stderr)")
        }
        #expect(try w.sql("SELECT count(*) FROM releases") == "0\n")
        #expect(try w.sql("SELECT count(*) FROM sources WHERE consecutive_failures = 1 AND last_error IS NOT NULL") == "6\n")
    } }

    /// A World Bank answer in two pages, from a real server: brid fetches page 2 itself and
    /// stores both pages as one release.
    @Test func worldBankPagesBecomeOneRelease() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        func page(_ n: Int, _ years: [Int]) -> String {
            let rows = years.map { #"{"indicator":{"id":"NE.EXP.GNFS.CD","value":"Exports"},"country":{"id":"KZ","value":"Kazakhstan"},"countryiso3code":"KAZ","date":"\#($0)","value":\#($0 - 1990).5,"unit":"","obs_status":"","decimal":0}"# }
            return #"[{"page":\#(n),"pages":2,"per_page":2,"total":4,"lastupdated":"2019-07-10"},[\#(rows.joined(separator: ","))]]"#
        }
        try publisher.publish("kaz.json", page(1, [2018, 2017]))
        try publisher.publish("kaz.json.page2", page(2, [2016, 2015]))
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "wb-kaz-exports"
            url = "\(publisher.url("kaz.json"))?format=json&per_page=2"
            format = "worldbank-json"
            """)
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try w.sql("SELECT count(*), sum(added), published_at IS NOT NULL FROM releases") == "1|4|1\n")
        #expect(try w.sql("SELECT group_concat(period || '=' || value, ' ') FROM (SELECT * FROM latest_observations ORDER BY period)") ==
                "2015=25.5 2016=26.5 2017=27.5 2018=28.5\n")
        #expect(try publisher.hits()["/kaz.json"] == 2)
    } }

    @Test func checkConfigPrintsEveryErrorWithFileAndLine() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"
            [[source]]
            id = "a"
            drop = "d"
            url = "http://x"
            format = "csv"
            [[source]]
            id = "b"
            drop = "d2"
            format = "csv"
            every = "6x"
            """)
        let run = try w.brid("--check-config")
        #expect(run.status == 1)
        let path = w.root + "/brid.toml"
        #expect(run.stderr.contains("\(path):5: [[source]] \"a\": drop: a source has either `url`"), "\(run.stderr)")
        #expect(run.stderr.contains("\(path):12: [[source]] \"b\": every: "), "\(run.stderr)")
        #expect(run.stderr.contains("2 errors"))
    } }

    @Test func checkConfigAcceptsTheBundledDefault() async throws { try await offPool {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let run = try BridProcess.run(["--check-config", "--config", repository.path + "/Config/brid.toml"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("OK — 1 source (0 url, 1 drop), 11 catalogued series"))
    } }

    @Test func theBundledSampleIngestsExactlyAsPublished() async throws { try await offPool {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try String(contentsOfFile: repository.path + "/Config/samples/bri-cn-kz-2018.csv", encoding: .utf8)
        let w = try Workspace(config: Self.config)
        try w.write("state/drop/bri-cn-kz/sample.csv", sample)
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try w.sql("SELECT series || '=' || value FROM latest_observations ORDER BY series") == """
            cn-eu.trains.alataw=2388
            cn-eu.trains.horgos=404
            cn-kz.exports.kz-to-cn=8.535
            cn-kz.exports.kz-to-cn.growth=30
            cn-kz.students.cn-in-kz=1400
            cn-kz.students.kz-in-cn=15000
            cn-kz.trade.farm-products=0.596
            cn-kz.trade.total=19.885
            cn-kz.transport.alataw-goods=1.23
            cn-kz.transport.goods=13.98
            cn-kz.transport.kz-goods-to-cn=8.5

            """)
    } }

    @Test func aMissingConfigIsAClearError() async throws { try await offPool {
        let run = try BridProcess.run(["--once", "--config", "/nonexistent/brid.toml"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("/nonexistent/brid.toml: the config file does not exist"))
    } }

    @Test func versionAndUsage() async throws { try await offPool {
        #expect(try BridProcess.run(["--version"]).stdout == "0.1.0\n")
        // Usage errors exit 2, as brictl's do.
        let usage = try BridProcess.run(["--once", "--check-config"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--check-config and --once do not go together"))
        let unknown = try BridProcess.run(["--bogus"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Unknown option '--bogus'"))
        #expect(unknown.stderr.contains("Usage: brid"))
        let missing = try BridProcess.run(["--config"])
        #expect(missing.status == 2, "\(missing.stderr)")
        // --help names the default config path once.
        let help = try BridProcess.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.components(separatedBy: "/etc/brid/brid.toml").count == 2, "\(help.stdout)")
    } }
}
