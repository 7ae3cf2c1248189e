import Testing
@testable import BridCore

@Suite("The contract's example config")
struct ConfigExampleTests {
    /// CONTRACT §3, verbatim.
    static let example = """
        [daemon]
        state_dir = "/var/lib/brid"           # database and, by default, drop folders
        socket = "/run/brid/control.sock"
        max_concurrent_fetches = 4

        [[source]]
        id = "wb-kaz-exports"                 # [a-z0-9][a-z0-9._-]*
        url = "https://api.worldbank.org/v2/country/KAZ/indicator/NE.EXP.GNFS.CD?format=json&per_page=1000"
        format = "worldbank-json"
        every = "6h"                          # or: cron = "0 6 * * 1-5"  (5-field, UTC)
        timeout = "30s"
        max_bytes = "20MB"
        series = "wb.{country}.{indicator}"   # how a record becomes a series key (format-specific fields)

        [[source]]
        id = "bri-cn-kz"
        drop = "drop/bri-cn-kz"               # folder watched for new files
        format = "csv"
        mode = "snapshot"

        [[series]]                            # optional catalogue: names, units, frequency
        key = "cn-kz.trade.total"
        name = "China–Kazakhstan trade volume"
        unit = "USD bn"
        frequency = "A"

        [[alert]]
        id = "kz-exports-jump"
        series = "cn-kz.exports.*"            # glob over series keys
        when = "change_pct"                   # change_pct | change_abs | level | revision_pct | stale | fetch_failing
        above = 25.0                          # and/or below = -25.0
        severity = "warning"

        [[notify]]
        kind = "alertmanager"                 # log | exec | webhook | alertmanager
        url = "http://127.0.0.1:9093"
        """

    @Test func parsesIntoTheExpectedModel() throws {
        let formats: FormatCatalog = ["worldbank-json": [:], "csv": ["separator": .string]]
        let result = ConfigParser.parse(text: Self.example, path: "/etc/brid/brid.toml", formats: formats)
        let config = try result.get()

        #expect(config.path == "/etc/brid/brid.toml")
        #expect(config.daemon == DaemonConfig(stateDir: "/var/lib/brid", socket: "/run/brid/control.sock", maxConcurrentFetches: 4))

        #expect(config.sources.count == 2)
        let wb = try #require(config.source(id: "wb-kaz-exports"))
        #expect(wb == SourceConfig(
            id: "wb-kaz-exports",
            location: .url("https://api.worldbank.org/v2/country/KAZ/indicator/NE.EXP.GNFS.CD?format=json&per_page=1000"),
            format: "worldbank-json", schedule: .every(.seconds(6 * 3600)), timeout: .seconds(30),
            connectTimeout: .seconds(10), maxBytes: 20 * 1024 * 1024, seriesTemplate: "wb.{country}.{indicator}",
            mode: .append, headers: [], name: nil, formatOptions: [:], line: 6))
        let drop = try #require(config.source(id: "bri-cn-kz"))
        #expect(drop.location == .drop("/var/lib/brid/drop/bri-cn-kz"))
        #expect(drop.schedule == nil)
        #expect(drop.mode == .snapshot)
        #expect(drop.line == 15)

        #expect(config.series == [SeriesDefinition(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume",
                                                   unit: "USD bn", frequency: .annual, description: nil, line: 21)])
        #expect(config.seriesDefinition(key: "cn-kz.trade.total")?.unit == "USD bn")
        #expect(config.seriesDefinition(key: "nope") == nil)

        #expect(config.alerts == [AlertRule(id: "kz-exports-jump", target: .series(glob: "cn-kz.exports.*"),
                                            condition: .changePct(above: 25, below: nil, compare: .previous),
                                            severity: .warning, summary: nil, line: 27)])
        #expect(config.notifiers == [NotifierConfig(id: "alertmanager", kind: .alertmanager(url: "http://127.0.0.1:9093"),
                                                    timeout: .seconds(10), headers: [], severities: nil, rules: nil,
                                                    giveUpAfter: .seconds(86_400), resend: .seconds(60),
                                                    notifyAcked: true, line: 34)])
    }

    @Test func anEmptyFileIsAllDefaults() throws {
        let config = try config("")
        #expect(config.daemon == DaemonConfig(stateDir: "/var/lib/brid", socket: "/run/brid/control.sock", maxConcurrentFetches: 4))
        #expect(config.sources.isEmpty && config.series.isEmpty && config.alerts.isEmpty && config.notifiers.isEmpty)
    }
}
