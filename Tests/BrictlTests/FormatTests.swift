@testable import brictl
import BridProtocol
import Foundation
import Testing

@Suite struct FormatTests {
    let now = Date(timeIntervalSince1970: 1_764_498_420)

    @Test func relativeAges() {
        #expect(Formats.age(now, now: now) == "now")
        #expect(Formats.age(now.addingTimeInterval(-45), now: now) == "45s ago")
        #expect(Formats.age(now.addingTimeInterval(-3 * 3600 - 59), now: now) == "3h ago")
        #expect(Formats.age(now.addingTimeInterval(4 * 60 + 30), now: now) == "in 4m")
        #expect(Formats.age(now.addingTimeInterval(-47 * 3600), now: now) == "47h ago")
        #expect(Formats.age(now.addingTimeInterval(-9 * 86_400), now: now) == "9d ago")
        #expect(Formats.time(now.addingTimeInterval(-3 * 3600), Terminal(now: now)) == "2025-11-30T07:27:00Z (3h ago)")
        #expect(Formats.time(nil, Terminal(now: now)) == "-")
    }

    @Test func sparkline() {
        #expect(Formats.sparkline(["1", "2", "3", "4", "5", "6", "7", "8"]) == "▁▂▃▄▅▆▇█")
        #expect(Formats.sparkline(["25.682", nil, "14.290", "19.902"]) == "█ ▁▄")
        #expect(Formats.sparkline(["3", "3"]) == "▄▄")
        #expect(Formats.sparkline([nil, nil]) == "  ")
        #expect(Formats.sparkline([]) == "")
        #expect(Formats.sparkline(["-1", "1"]) == "▁█")
    }

    @Test func revisionArrow() {
        #expect(Formats.revision(from: "19.885", to: "19.902") == "19.885 → 19.902, +0.09 %")
        #expect(Formats.revision(from: "20", to: "15") == "20 → 15, -25.00 %")
        #expect(Formats.revision(from: "0", to: "1") == "0 → 1")
        #expect(Formats.revision(from: "1.5", to: nil) == "1.5 → (no value)")
        #expect(Formats.revision(from: "1.5", to: nil, removed: true) == "1.5 → (removed)")
        #expect(Formats.revision(from: nil, to: "2") == "2")
        #expect(Formats.revision(from: "-4", to: "-2") == "-4 → -2, +50.00 %")
    }

    @Test func numbers() {
        #expect(Formats.bytes(512) == "512 B")
        #expect(Formats.bytes(12_582_912) == "13 MB")
        #expect(Formats.bytes(1_500_000) == "1.5 MB")
        #expect(Formats.count(1_234_567) == "1,234,567")
        #expect(Formats.count(-1000) == "-1,000")
        #expect(Formats.count(12) == "12")
        #expect(Formats.plural(1, "release") == "1 release")
        #expect(Formats.plural(2, "series", "series") == "2 series")
    }

    @Test func tableAlignsColumns() {
        var table = Table([.init("SERIES"), .init("VALUE", .right), .init("NOTE", flexible: true)])
        table.add(["cn-kz.trade.total", "19.902", "revised"])
        table.add(["x", "1", ""])
        #expect(table.render(Terminal()) == """
            SERIES              VALUE  NOTE
            cn-kz.trade.total  19.902  revised
            x                       1
            """)
    }

    @Test func tableFitsTheTerminalByTruncatingFlexibleColumns() {
        var table = Table([.init("ID"), .init("MESSAGE", flexible: true), .init("WHEN")])
        table.add(["a", "HTTP 503 Service Unavailable from stat.gov.kz", "2025-11-30T10:27:00Z"])
        let text = table.render(Terminal(width: 40))
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 40 })
        #expect(lines[1] == "a   HTTP 503 Serv…  2025-11-30T10:27:00Z")
        // Unlimited width: nothing cut.
        #expect(table.render(Terminal()).contains("stat.gov.kz"))
        // Newlines in a cell do not break the table.
        var multi = Table([.init("A"), .init("B")])
        multi.add(["x", "line one\nline two"])
        #expect(multi.render(Terminal()) == "A  B\nx  line one line two")
    }

    @Test func timesLoseTheirAgesBeforeAnythingIsCut() {
        let terminal = Terminal(width: 60, now: now)
        var table = Table([.init("SOURCE"), .init("LAST CHECK"), .init("NEXT DUE")])
        table.add([.init("wb"), Formats.timeCell(now.addingTimeInterval(-60), terminal), Formats.timeCell(now.addingTimeInterval(60), terminal)])
        #expect(table.render(Terminal(now: now)).contains("2025-11-30T10:26:00Z (1m ago)  2025-11-30T10:28:00Z (in 1m)"))
        let text = table.render(terminal)
        // Compacting one column is enough for 60 columns.
        #expect(text.contains("(in 1m)") != text.contains("(1m ago)"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 60 })
    }

    @Test func truncation() {
        #expect(Table.truncate("abcdef", to: 4) == "abc…")
        #expect(Table.truncate("abc", to: 4) == "abc")
        #expect(Table.truncate("abc", to: 1) == "a")
    }

    @Test func colourOnlyWhenAllowed() {
        #expect(Terminal.colorAllowed(environment: [:]))
        #expect(!Terminal.colorAllowed(environment: ["NO_COLOR": "1"]))
        #expect(Terminal.colorAllowed(environment: ["NO_COLOR": ""]))  // no-color.org: set and not empty
        #expect(!Terminal.colorAllowed(environment: ["TERM": "dumb"]))
        #expect(Terminal(color: true).paint("failing", .red) == "\u{1B}[31mfailing\u{1B}[0m")
        #expect(Terminal(color: false).paint("failing", .red) == "failing")
        // Colour codes do not count towards widths: columns line up either way.
        var table = Table([.init("STATE"), .init("X")])
        table.add([.init("ok", .green), "1"])
        table.add([.init("failing", .red), "2"])
        let plain = table.render(Terminal())
        let coloured = table.render(Terminal(color: true)).replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(plain == coloured)
        // Not a TTY in tests: no colour whatever the environment says.
        #expect(!Terminal.current(environment: [:]).color)
    }

    @Test func durations() {
        #expect(Durations.seconds("500ms") == 0.5)
        #expect(Durations.seconds("10s") == 10)
        #expect(Durations.seconds("5m") == 300)
        #expect(Durations.seconds("1h") == 3600)
        #expect(Durations.seconds("2") == nil, "a unit is needed")
        #expect(Durations.seconds("0s") == nil)
        #expect(Durations.seconds("ten") == nil)
        #expect(Durations.describe(300) == "5m")
        #expect(Durations.describe(0.2) == "200ms")
        #expect(Durations.describe(10) == "10s")
    }
}

@Suite struct RenderTests {
    let fixtures = Fixtures()
    var terminal: Terminal { Terminal(now: fixtures.now) }

    private func reply<T>(_ command: String, as _: T.Type) -> T { fixtures.replies[command] as! T }

    @Test func status() {
        let text = StatusCommand.render(reply("status", as: StatusResponse.self), terminal)
        #expect(text.hasPrefix("brid 0.1.0  pid 4242  up 26h (since 2025-11-29T08:27:00Z)\n"))
        #expect(text.contains("database  /var/lib/brid/brid.sqlite  13 MB + WAL 4.2 MB  43 releases  18 series  1,234 observation versions"))
        #expect(text.contains("alerts    2 firing (1 critical, 1 warning), 1 acked, outbox 0"))
        #expect(text.contains("kz-stat-freight  url   csv"))
        #expect(text.contains("HTTP 503 Service Unavailable"))
    }

    @Test func statusShowsTheClusterWhenInstancesShareTheStore() {
        var status = reply("status", as: StatusResponse.self)
        #expect(!StatusCommand.render(status, terminal).contains("HELD BY"), "no cluster, no column")
        status.cluster = ClusterStatus(instance: "brid-a", leaseSeconds: 30, members: [
            ClusterMemberStatus(name: "brid-a", host: "db1.example", pid: 4242, version: "0.1.0", startedAt: fixtures.now.addingTimeInterval(-3600),
                                heartbeatAt: fixtures.now.addingTimeInterval(-4), state: .live, sources: 2),
            ClusterMemberStatus(name: "brid-b", host: "db2.example", pid: 977, version: "0.1.0", startedAt: fixtures.now.addingTimeInterval(-7200),
                                heartbeatAt: fixtures.now.addingTimeInterval(-125), state: .silent, sources: 1),
        ])
        status.sources[0].heldBy = "brid-a"
        status.sources[1].heldBy = "brid-b"
        let text = StatusCommand.render(status, Terminal(width: 160, now: fixtures.now))
        #expect(text.contains("cluster   2 instances, this one brid-a, lease 30s"), "\(text)")
        #expect(text.contains("  brid-a    db1.example  4242  live    "), "\(text)")
        #expect(text.contains("(4s ago)"), "\(text)")
        #expect(text.contains("  brid-b    db2.example   977  silent  "), "\(text)")
        #expect(text.contains("(2m ago)"), "\(text)")
        let rows = text.split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("SOURCE") && $0.contains("HELD BY") })
        #expect(rows.contains { $0.hasPrefix("wb-kaz-exports") && $0.contains("brid-a") })
        #expect(rows.contains { $0.hasPrefix("kz-stat-freight") && $0.contains("brid-b") })
        #expect(rows.contains { $0.hasPrefix("bri-cn-kz") && $0.contains("(local)") })
    }

    @Test func showHasASparkline() {
        let text = ShowCommand.render(reply("series.show", as: ShowResponse.self), terminal)
        #expect(text.contains("cn-kz.trade.total — China–Kazakhstan trade volume (USD bn, A) · source bri-cn-kz"))
        #expect(text.contains("\n▇█▅▂▁▃▄  2012 – 2018, 7 observations\n"))
        #expect(text.contains("\n2018    19.902       43"))
    }

    @Test func historyAndReleaseShowRevisionArrows() {
        let history = HistoryCommand.render(reply("series.history", as: HistoryResponse.self), terminal)
        #expect(history.contains("19.885 → 19.902, +0.09 %"))
        #expect(history.contains("first published"))
        #expect(history.contains("current"))
        let release = ReleaseCommand.render(reply("release.show", as: ReleaseResponse.self), terminal)
        #expect(release.contains("17.880 → 18.010, +0.73 %"))
        #expect(release.contains("cn-kz.exports.total  2018    added    11.30"))
    }

    @Test func everyCommandRenders() {
        // Smoke: each human rendering of the fixtures is non-empty and fits 120 columns.
        let narrow = Terminal(width: 120, now: fixtures.now)
        let sources = SourcesCommand.render(reply("sources", as: SourcesResponse.self), Terminal(width: 140, now: fixtures.now))
        for line in sources.split(separator: "\n") { #expect(line.count <= 140, "\(line)") }
        let texts = [
            FetchCommand.render(reply("fetch", as: FetchResponse.self), narrow),
            SeriesCommand.render(reply("series.list", as: SeriesListResponse.self), narrow),
            ReleasesCommand.render(reply("releases", as: ReleasesResponse.self), narrow),
            AlertsCommand.render(reply("alerts", as: AlertsResponse.self), narrow),
            RulesListCommand.render(reply("rules", as: RulesResponse.self), narrow),
        ]
        for text in texts {
            #expect(!text.isEmpty)
            for line in text.split(separator: "\n") { #expect(line.count <= 120, "\(line)") }
        }
        #expect(IngestCommand.render(reply("ingest", as: IngestResponse.self), terminal)
            == "bri-cn-kz-2019.csv (2.4 KB) → bri-cn-kz: released, release 43: 4 added, 2 revised, 0 removed, 38 unchanged")
        #expect(AckCommand.render(reply("alert.ack", as: AckResponse.self), terminal) == "acked alert 17 (kz-exports-jump, cn-kz.exports.total 2018)")
        #expect(PauseCommand.render(reply("source.pause", as: PauseResponse.self), terminal) == "paused imf-dot")
        #expect(RulesTestCommand.render(reply("rules.test", as: RuleTestResponse.self), terminal).contains("would fire 2 times"))
        #expect(BackupCommand.render(reply("backup", as: BackupResponse.self), terminal)
            == "backup /var/lib/brid/backups/brid-2026-12-07.sqlite: 13 MB, up to release 43, in 0.4 s")
        #expect(BackupCommand.absolute("b.sqlite", cwd: "/home/op") == "/home/op/b.sqlite")
        #expect(BackupCommand.absolute("../backups/./b.sqlite", cwd: "/var/lib/brid/x/") == "/var/lib/brid/backups/b.sqlite")
        #expect(BackupCommand.absolute("/srv/b.sqlite", cwd: "/home/op") == "/srv/b.sqlite")
        #expect(ReloadCommand.render(ReloadResponse(applied: false, configPath: "/etc/brid/brid.toml", errors: ["brid.toml:3: unknown key \"evry\""]), terminal)
            == "configuration /etc/brid/brid.toml rejected; brid keeps running the previous one:\n  brid.toml:3: unknown key \"evry\"")
    }

    @Test func jsonOutputIsTheResultUnchanged() throws {
        let line = ControlMessage.encodeReply(id: 1, result: PauseResponse(source: "a/b", paused: true, changed: false))
        #expect(JSONOutput.prettyResult(ofReplyLine: line) == """
            {
              "changed" : false,
              "paused" : true,
              "source" : "a/b"
            }
            """)
        let show = ControlMessage.encodeReply(id: 1, result: reply("series.show", as: ShowResponse.self))
        let text = JSONOutput.prettyResult(ofReplyLine: show)
        #expect(text.contains(#""value" : "19.902""#))
        #expect(text.contains(#""releaseID" : 43"#))
    }
}

@Suite struct StreamedJSONTests {
    /// `--json` lays out brid's rows without parsing them: the same text JSONSerialization writes.
    @Test func rowsAreLaidOutAsTheGeneralPathDoes() throws {
        let fixtures = Fixtures()
        let release = try #require(fixtures.replies[ReleaseRequest.command] as? ReleaseResponse)
        var tricky = release
        tricky.changes.append(ReleaseChange(series: "a/b \"c\" d,e:f{g}", period: "2018", kind: .removed, value: nil, previousValue: "1,5"))
        let series = try #require(fixtures.replies[SeriesListRequest.command] as? SeriesListResponse)
        let lines = ControlMessage.encodeStream(ReleaseRequest.self, id: 1, response: tricky, batch: 100).split(separator: 0x0A)
            + ControlMessage.encodeStream(SeriesListRequest.self, id: 2, response: series, batch: 100).split(separator: 0x0A)
        var checked = 0
        for line in lines {
            guard let raw = JSONOutput.rawRows(Data(line)) else { continue }  // the header and end lines
            let parsed = try #require((try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])?["rows"] as? [Any])
            #expect(raw.count == parsed.count)
            for (bytes, object) in zip(raw, parsed) {
                var out: [UInt8] = []
                JSONOutput.prettyFlat(bytes, indent: 4, into: &out)
                let expected = serialized(object).split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
                #expect(String(decoding: out, as: UTF8.self) == expected)
                checked += 1
            }
        }
        #expect(checked == tricky.changes.count + series.series.count)
    }
}

/// What Foundation's JSONSerialization writes for `--json`, which brictl did before it
/// linked FoundationEssentials only: the reference for its own layout.
private func serialized(_ object: Any) -> String {
    let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "null"
}

@Suite struct JSONLayoutTests {
    /// Every command's reply, as `--json` shows it, is the text JSONSerialization wrote.
    @Test func everyReplyIsLaidOutAsJSONSerializationDid() throws {
        let fixtures = Fixtures()
        for (command, response) in fixtures.replies {
            let line = ControlMessage.encodeReply(id: 7, result: response)
            let envelope = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
            let result = try #require(envelope["result"])
            #expect(JSONOutput.prettyResult(ofReplyLine: line) == serialized(result), "\(command)")
        }
    }

    /// Keys out of brid's order (mixed case, digits, underscores), nesting, empty
    /// containers, escapes, literals, and numbers as brid's JSONEncoder writes them.
    @Test func awkwardDocumentsAreLaidOutAsJSONSerializationDid() throws {
        let documents = [
            #"{"result":{"releaseId":1,"released":2,"a_b":3,"aB":4,"ab":5,"a10":6,"a9":7,"Zed":8,"e":9,"a":{"y":{},"z":[],"w":[1,[2,{}],{"k":null}]}}}"#,
            #"{"result":{"t":"a\u0001\/é\n\"q\" \\ \ud83d\ude00","n":-0.0125,"m":1e-07,"b":true,"f":false,"big":12345678901234567}}"#,
            #"{"result":{"a-b":1,"a b":2,"a.b":3,"A":4,"a":5,"aa":6,"AA":7,"Aa":8,"aA":9,"a1b":10,"a01":11,"a1":12,"x_1":13,"x1":14,"lastCheckAt":15,"lastcheck":16,"last_check":17,"z2z":18,"z10":19,"z2":20}}"#,
            #"{"result":[]}"#, #"{"result":"text"}"#, #"{"result":3}"#, #"{"result":{}}"#,
        ]
        for document in documents {
            let line = Data(document.utf8)
            let envelope = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
            #expect(JSONOutput.prettyResult(ofReplyLine: line) == serialized(try #require(envelope["result"])), "\(document)")
        }
        #expect(JSONOutput.prettyResult(ofReplyLine: Data("not json".utf8)) == "null")
        #expect(JSONOutput.prettyResult(ofReplyLine: Data(#"{"error":{}}"#.utf8)) == "null")
        for text in ["plain", "a \"b\" \\ c", "line\nbreak\ttab\u{01}", "é/ü"] {
            #expect(JSONOutput.pretty(text) == serialized(text))
        }
    }

    @Test func numbersAreFormattedAsStringFormatDid() {
        for value in [0.0, 0.05, 0.15, 0.25, 1.005, 2.5, -2.5, 12.345, 999.95, 1e9, -0.0004, 123_456.789] {
            for format in ["%.1f", "%.0f", "%+.2f", "%.2f", "%.3f"] {
                #expect(Formats.printf(format, value) == String(format: format, value), "\(format) \(value)")
            }
        }
    }
}

@Suite struct StreamedTableTests {
    @Test func laterBatchesKeepTheFirstBatchWidths() {
        let columns: [Table.Column] = [.init("SERIES"), .init("PERIOD"), .init("VALUE", .right), .init("NOTE", flexible: true)]
        let rows: [[Table.Cell]] = [["cn-kz.trade.total", "2018", "19.902", "revised"], ["a", "2017", "1", ""],
                                    ["b", "2016", "22", "x"], ["c.much-longer-than-the-first", "2015", "3", "y"]]
        var first = Table(columns)
        for row in rows.prefix(2) { first.add(row) }
        let (head, layout) = first.renderFirst(Terminal())
        var later = Table(columns)
        for row in rows.dropFirst(2) { later.add(row) }
        let rest = String(decoding: later.renderRows(layout, Terminal()), as: UTF8.self)
        var whole = Table(columns)
        for row in rows.prefix(3) { whole.add(row) }
        // Where no later cell is wider, the lines are those of the whole table.
        let wholeLines = whole.render(Terminal()).split(separator: "\n").map(String.init)
        let streamed = (head + "\n" + rest).split(separator: "\n").map(String.init)
        #expect(Array(streamed.prefix(4)) == wholeLines)
        // A wider cell pushes the rest of its line right instead of being cut.
        #expect(streamed[4] == "c.much-longer-than-the-first  2015         3  y")
    }
}

/// Every command's human output fitted to 80 and 120 columns (issue 15): no line wider than
/// the terminal (a terminal would wrap it, splitting what it cuts), and every number that is
/// shown is shown whole — the fitted text's numbers are numbers of the unfitted text.
@Suite struct FittedOutputTests {
    let fixtures = Fixtures()

    private func reply<T>(_ command: String, as _: T.Type) -> T { fixtures.replies[command] as! T }

    /// The renderings to fit, by name.
    private var renderings: [(String, (Terminal) -> String)] {
        var wide = reply("series.list", as: SeriesListResponse.self)
        wide.series += [
            SeriesSummary(key: "wb.KAZ.NY.GDP.MKTP.CD", name: "GDP (current US$)", unit: "current US$", frequency: "A", source: "wb-kaz-exports",
                          latestPeriod: "2023", latestValue: "261421047927.3461", lastChangedAt: fixtures.ago(6 * 86_400)),
            SeriesSummary(key: "cn-kz.exports.kz-to-cn.growth", name: "Kazakh exports to China, growth on the year", unit: "%", frequency: "A",
                          source: "bri-cn-kz", latestPeriod: "2018", latestValue: "-30.25", lastChangedAt: fixtures.ago(60)),
        ]
        var releases = reply("releases", as: ReleasesResponse.self)
        releases.releases.append(Release(id: 1_041, source: "bri-cn-kz", ingestedAt: fixtures.ago(90 * 86_400), publishedAt: fixtures.ago(91 * 86_400),
                                         origin: "/var/lib/brid/drop/bri-cn-kz/processed/bri-cn-kz-2018-revised-final.csv", sha256: "ab",
                                         added: 1_234_567, revised: 23_456, removed: 3_456, unchanged: 12_345_678))
        var rules = reply("rules", as: RulesResponse.self)
        rules.rules.append(Rule(id: "kz-exports-growth", when: "level", target: "series cn-kz.exports.kz-to-cn.growth", severity: .info,
                                condition: "value above 25 or below -10", lastEvaluatedAt: fixtures.ago(2), firing: 12))
        return [
            ("status", { StatusCommand.render(reply("status", as: StatusResponse.self), $0) }),
            ("sources", { SourcesCommand.render(reply("sources", as: SourcesResponse.self), $0) }),
            ("fetch", { FetchCommand.render(reply("fetch", as: FetchResponse.self), $0) }),
            ("ingest", { IngestCommand.render(reply("ingest", as: IngestResponse.self), $0) }),
            ("series", { SeriesCommand.render(wide, $0) }),
            ("show", { ShowCommand.render(reply("series.show", as: ShowResponse.self), $0) }),
            ("history", { HistoryCommand.render(reply("series.history", as: HistoryResponse.self), $0) }),
            ("releases", { ReleasesCommand.render(releases, $0) }),
            ("release", { ReleaseCommand.render(reply("release.show", as: ReleaseResponse.self), $0) }),
            ("alerts --all", { AlertsCommand.render(reply("alerts", as: AlertsResponse.self), $0) }),
            ("rules", { RulesListCommand.render(rules, $0) }),
            ("rules test", { RulesTestCommand.render(reply("rules.test", as: RuleTestResponse.self), $0) }),
            ("reload", { ReloadCommand.render(ReloadResponse(applied: false, configPath: "/etc/brid/brid.toml", errors: [
                "brid.toml:12: [[source]] wb-kaz-exports: unknown key `evry`; did you mean `every`? (the keys of a source are id, url, drop, format, every)"]), $0) }),
            ("backup", { BackupCommand.render(reply("backup", as: BackupResponse.self), $0) }),
        ]
    }

    /// The words of a text that hold a digit, without the punctuation around them.
    private func numbers(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "(),:;")) }
            .filter { $0.contains(where: \.isNumber) }
    }

    @Test(arguments: [80, 120]) func everyTableFitsTheWidth(width: Int) {
        for (name, render) in renderings {
            let whole = render(Terminal(now: fixtures.now))
            let known = Set(numbers(whole))
            let text = render(Terminal(width: width, now: fixtures.now))
            #expect(!text.isEmpty)
            if ProcessInfo.processInfo.environment["SHOW_FITTED"] != nil { print("$ brictl \(name)  # \(width) columns\n\(text)\n") }
            for line in text.split(separator: "\n") {
                #expect(line.count <= width, "\(name) at \(width) columns: \(line.count) wide: \(line)")
            }
            for number in numbers(text) {
                if number.hasSuffix("…") {
                    // Cut text: never right after a digit that went on.
                    let kept = String(number.dropLast())
                    let split = kept.last?.isNumber == true && ((0...9).contains { whole.contains(kept + String($0)) } || whole.contains(kept + "."))
                    #expect(!split, "\(name) at \(width): a number cut in \(number)")
                } else {
                    // A number of the whole output, or an age (a time's short form).
                    let age = number.dropLast().allSatisfy(\.isNumber) && "smhd".contains(number.last!)
                    #expect(known.contains(number) || age, "\(name) at \(width): \(number) is not a number of the whole output")
                }
            }
        }
    }

    @Test func narrowTablesKeepTheUsefulColumns() {
        let at80 = Terminal(width: 80, now: fixtures.now)
        // series: key, latest period, value and unit beside it stay; the name is cut, not the key.
        let series = SeriesCommand.render(reply("series.list", as: SeriesListResponse.self), at80)
        #expect(series == """
            SERIES                       NAME               LATEST    VALUE  UNIT    CHANGED
            cn-kz.exports.total          Kazakh exports t…  2018      11.30  USD bn  3h ago
            cn-kz.freight.trains.alataw  China–Europe fre…  2019-02     412  trains  3d ago
            cn-kz.trade.total            China–Kazakhstan…  2018     19.902  USD bn  3h ago
            """, "as Docs/brictl.md shows it")
        #expect(series.contains("cn-kz.freight.trains.alataw"))
        #expect(series.contains("2019-02     412  trains"), "\(series)")
        #expect(series.contains("19.902  USD bn"))
        // Times become their age before anything else goes.
        let status = StatusCommand.render(reply("status", as: StatusResponse.self), at80)
        #expect(status.contains("4m ago") && status.contains("in 26m") && !status.contains("2025-11-30T10:23:00Z"), "\(status)")
        let releases = ReleasesCommand.render(reply("releases", as: ReleasesResponse.self), at80)
        #expect(releases.contains("3h ago") && releases.contains("bri-cn-kz-2019.csv"), "\(releases)")
        // A revision loses its percentage, never a digit.
        let history = HistoryCommand.render(reply("series.history", as: HistoryResponse.self), Terminal(width: 60, now: fixtures.now))
        #expect(history.contains("19.885 → 19.902"), "\(history)")
        // Unlimited (not a terminal): everything, as before.
        let whole = SeriesCommand.render(reply("series.list", as: SeriesListResponse.self), Terminal(now: fixtures.now))
        #expect(whole.contains("China–Europe freight trains through Alataw Pass") && whole.contains("2025-11-27T10:27:00Z (3d ago)"))
    }

    @Test func aCutNeverEndsInsideANumber() {
        #expect(Table.truncate("cn-kz.exports.total 2018: 11.30 (+31.4 % vs 8.60)", to: 30) == "cn-kz.exports.total 2018: …")
        #expect(Table.truncate("release 44: 1 added, 1 revised", to: 11) == "release 44…")
        #expect(Table.truncate("release 44: 1 added, 1 revised", to: 10) == "release …")
        #expect(Table.truncate("per_page=1000&x", to: 12) == "per_page=…")
        #expect(Table.truncate("HTTP 503 Service Unavailable", to: 12) == "HTTP 503 Se…")
    }

    /// A streamed table's later batches keep the first batch's layout: the same columns in
    /// the same forms, and within the width even when a cell is wider than its column.
    @Test func laterBatchesKeepTheLayoutWithinTheWidth() {
        let terminal = Terminal(width: 80, now: fixtures.now)
        let table = SeriesCommand.table
        let all = reply("series.list", as: SeriesListResponse.self).series
        var first = Table(table.columns)
        first.add(table.cells(all[0], terminal))
        let (head, layout) = first.renderFirst(terminal)
        var later = Table(table.columns)
        for series in all.dropFirst() { later.add(table.cells(series, terminal)) }
        let rest = String(decoding: later.renderRows(layout, terminal), as: UTF8.self)
        let lines = (head + "\n" + rest).split(separator: "\n")
        #expect(lines.count == 4)
        for line in lines { #expect(line.count <= 80, "\(line)") }
        #expect(lines[2].hasPrefix("cn-kz.freight.trains.alataw"), "a wider key is whole: \(lines[2])")
        #expect(lines[2].contains("412"))
        #expect(!rest.contains("2025-11-"), "the compact forms of the first batch: \(rest)")
    }
}
