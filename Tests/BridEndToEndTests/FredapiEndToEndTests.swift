import BridCore
import BridInfo
import BridStore
import BridTestSupport
import Foundation
import Testing

/// The FRED-compatible API's acceptance (README "The FRED-compatible API"): the unmodified
/// fredapi package from PyPI (in .build-fredapi-venv/, `make test-deps`) against a brid
/// child process on the bundled config with `[http]`, the sample and the Quick start's
/// revision ingested; every fredapi function's result compared with what brictl shows of
/// the same series, seen at FRED's resolution of UTC days.
@Suite struct FredapiEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let python = repository + "/.build-fredapi-venv/bin/python"

    /// brictl's `--json` output, parsed.
    static func brictl(_ sample: SampleHTTPDaemon, _ arguments: String...) throws -> [String: Any] {
        let run = try sample.brictl(["--json"] + arguments)
        #expect(run.status == 0, "brictl \(arguments): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "brictl \(arguments): \(run.stdout)")
    }

    /// FRED's date of a canonical annual, quarterly or monthly period: its first day.
    static func date(_ period: String) -> String {
        if period.count == 4 { return period + "-01-01" }
        if let q = period.firstMatch(of: /^(\d{4})-Q(\d)$/) { return "\(q.1)-" + ["01", "04", "07", "10"][Int(q.2)! - 1] + "-01" }
        if period.count == 7 { return period + "-01" }
        return period
    }

    static func number(_ text: Any?) -> Double? { (text as? String).flatMap(Double.init) }

    @Test func fredapiReadsWhatBrictlShows() async throws { try await offPool {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            Issue.record("no \(Self.python): run `make test-deps` (scripts/fredapi-venv.sh) first")
            return
        }
        // The bundled config with [http], release 1 the sample, release 2 the revision.
        let sample = try SampleHTTPDaemon()
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        let fredapi = try Self.check(sample, asOf: today)
        #expect((fredapi["series"] as? [String: Any])?.count == 11)
        // The revision is there, as the README shows it.
        let total = try #require((fredapi["series"] as? [String: [String: Any]])?["cn-kz.trade.total"]?["get_series"] as? [[Any]])
        #expect(total.last?[1] as? Double == 20.2)
    } }

    /// Releases on three UTC days (written into the store before brid starts, at chosen
    /// times): fredapi sees three vintages, and as of a day between them the values then.
    @Test func fredapiReadsVintagesOfSeveralDays() async throws { try await offPool {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            Issue.record("no \(Self.python): run `make test-deps` (scripts/fredapi-venv.sh) first")
            return
        }
        let sample = try SampleHTTPDaemon { store in
            _ = try store.applyCatalogue([
                SeriesMetadata(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: .annual),
                SeriesMetadata(key: "cn-eu.trains.alataw", name: "China–Europe freight trains through the Alataw Pass", unit: "trains", frequency: .annual),
                SeriesMetadata(key: "cn-kz.trade.monthly", name: "China–Kazakhstan trade, monthly", unit: "USD bn", frequency: .monthly),
            ])
            func ingest(_ rows: [(String, String, String?)], _ time: String, snapshot: Bool = false) throws {
                var builder = PayloadBuilder(origin: "release.csv") { [frequencies = try store.seriesFrequencies()] in frequencies[$0] }
                for (i, row) in rows.enumerated() {
                    try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
                }
                let hex = String(time.hashValue.magnitude, radix: 16)
                _ = try store.ingest(try builder.finish(), source: "bri-cn-kz", recordRemovals: snapshot,
                                     sha256: String(repeating: "0", count: 64 - hex.count) + hex, at: try #require(WireTime.parse(time)))
            }
            try ingest([("cn-kz.trade.total", "2017", "18.0"), ("cn-kz.trade.total", "2018", "19.885"), ("cn-eu.trains.alataw", "2018", "2388"),
                        ("cn-kz.trade.monthly", "2018-01", "1.5"), ("cn-kz.trade.monthly", "2018-02", "1.6")], "2026-01-10T10:00:00Z")
            // The same day again: only the day's last state counts.
            try ingest([("cn-kz.trade.total", "2018", "19.9")], "2026-01-10T15:00:00Z")
            try ingest([("cn-kz.trade.total", "2018", "20.2"), ("cn-kz.trade.monthly", "2018-02", "1.7"),
                        ("cn-kz.trade.monthly", "2018-03", "1.8")], "2026-02-03T09:00:00Z")
            try ingest([("cn-kz.trade.total", "2017", "18.1"), ("cn-kz.trade.total", "2018", "20.2"), ("cn-eu.trains.alataw", "2018", "2400"),
                        ("cn-kz.trade.monthly", "2018-01", "1.5"), ("cn-kz.trade.monthly", "2018-03", "1.9")], "2026-03-01T12:00:00Z", snapshot: true)
        }
        let fredapi = try Self.check(sample, asOf: "2026-02-15", only: ["cn-kz.trade.total", "cn-eu.trains.alataw", "cn-kz.trade.monthly"])
        let total = try #require((fredapi["series"] as? [String: [String: Any]])?["cn-kz.trade.total"])
        #expect(total["get_series_vintage_dates"] as? [String] == ["2026-01-10", "2026-02-03", "2026-03-01"])
        let asOf = (total["get_series_as_of_date"] as? [[Any]] ?? []).map { "\($0[0]) \($0[1]) \($0[2])" }
        #expect(asOf == ["2026-01-10 2017-01-01 18.0", "2026-01-10 2018-01-01 19.9", "2026-02-03 2018-01-01 20.2"])
        let monthly = try #require((fredapi["series"] as? [String: [String: Any]])?["cn-kz.trade.monthly"])
        let first = (monthly["get_series_first_release"] as? [[Any]] ?? []).map { "\($0[0]) \($0[1])" }
        #expect(first == ["2018-01-01 1.5", "2018-02-01 1.6", "2018-03-01 1.8"])
    } }

    /// Runs fredapi_check.py on every series brictl lists and compares each function's
    /// result with brictl's `show`, `history` and `series`; returns what fredapi said.
    @discardableResult
    /// `only`: these series of the list (the others, the bundled catalogue's, have no data).
    static func check(_ sample: SampleHTTPDaemon, asOf today: String, only: Set<String>? = nil) throws -> [String: Any] {
        let port = sample.port
        let everySeries = try #require(try Self.brictl(sample, "series")["series"] as? [[String: Any]])
        let listing = everySeries.filter { only?.contains($0["key"] as? String ?? "") ?? true }
        let releaseIDs = (try Self.brictl(sample, "releases")["releases"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        let keys = listing.compactMap { $0["key"] as? String }
        #expect(keys.count == only?.count ?? keys.count)
        let run = try ProcessRunner.run(Self.python, [Self.repository + "/Tests/BridEndToEndTests/Support/fredapi_check.py",
                                                      "http://127.0.0.1:\(port)/fred", "any-key", today, "trade"] + keys)
        #expect(run.status == 0, "fredapi_check.py: \(run.stderr)")
        let fredapi = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\(run.stderr)")
        let bySeries = try #require(fredapi["series"] as? [String: [String: Any]])

        for summary in listing {
            let key = try #require(summary["key"] as? String)
            let got = try #require(bySeries[key], "fredapi said nothing of \(key)")
            // The latest vintage: brictl show; a period a release removed is FRED's `.` (no
            // value), which fredapi reads as NaN (the periods of every release's vintage).
            let shown = try #require(try Self.brictl(sample, "show", key)["observations"] as? [[String: Any]])
            var periods = Set(shown.map { $0["period"] as! String })
            for id in releaseIDs {
                let then = try Self.brictl(sample, "show", key, "--release", String(id))["observations"] as? [[String: Any]] ?? []
                periods.formUnion(then.map { $0["period"] as! String })
            }
            let removed = periods.subtracting(shown.map { $0["period"] as! String })
            let latest = (shown.map { [Self.date($0["period"] as! String), Self.number($0["value"])] as [AnyHashable?] }
                + removed.map { [Self.date($0), nil] as [AnyHashable?] }).sorted { ($0[0] as! String) < ($1[0] as! String) }
            for function in ["get_series", "get_series_latest_release"] {
                let rows = (got[function] as? [[Any]] ?? []).map { [$0[0] as? String, $0[1] as? Double] as [AnyHashable?] }
                #expect(rows == latest, "\(function)(\(key))")
            }
            // Every version: brictl history of each period, at the resolution of UTC days
            // (the day's last release counts; a day that changed nothing is no vintage).
            var releases: [[AnyHashable?]] = []
            for period in periods.sorted(by: { Self.date($0) < Self.date($1) }) {
                let versions = try #require(try Self.brictl(sample, "history", key, period)["versions"] as? [[String: Any]])
                var daily: [(day: String, value: Double?)] = []
                for version in versions {
                    let day = String((version["validFrom"] as? String ?? version["valid_from"] as? String ?? "?").prefix(10))
                    let value = (version["removed"] as? Bool == true) ? nil : Self.number(version["value"])
                    if daily.last?.day == day { daily.removeLast() }
                    if let last = daily.last, last.value == value { continue }
                    daily.append((day, value))
                }
                releases += daily.map { [$0.day, Self.date(period), $0.value] }
            }
            let allReleases = (got["get_series_all_releases"] as? [[Any]] ?? []).map { [$0[0] as? String, $0[1] as? String, $0[2] as? Double] as [AnyHashable?] }
            #expect(!releases.isEmpty && allReleases == releases, "get_series_all_releases(\(key))")
            let asOf = (got["get_series_as_of_date"] as? [[Any]] ?? []).map { [$0[0] as? String, $0[1] as? String, $0[2] as? Double] as [AnyHashable?] }
            #expect(asOf == releases.filter { ($0[0] as! String) <= today }, "get_series_as_of_date(\(key))")
            var firsts: [[AnyHashable?]] = []
            for row in releases where !firsts.contains(where: { $0[0] == row[1] }) { firsts.append([row[1], row[2]]) }
            let first = (got["get_series_first_release"] as? [[Any]] ?? []).map { [$0[0] as? String, $0[1] as? Double] as [AnyHashable?] }
            #expect(first == firsts, "get_series_first_release(\(key))")
            let vintageDates = Set(releases.map { $0[0] as! String }).sorted()
            #expect(got["get_series_vintage_dates"] as? [String] == vintageDates, "get_series_vintage_dates(\(key))")
            // The series' attributes: brictl series.
            let info = try #require(got["get_series_info"] as? [String: String])
            #expect(info["id"] == key)
            #expect(info["title"] == summary["name"] as? String)
            #expect(info["units"] == (summary["unit"] as? String ?? ""))
            #expect(info["frequency_short"] == summary["frequency"] as? String)
            // The first and last observation of the latest vintage, as brictl shows it.
            #expect(info["observation_start"] == shown.first.map { Self.date($0["period"] as! String) })
            #expect(info["observation_end"] == shown.last.map { Self.date($0["period"] as! String) })
        }
        // search("trade"): every series with the word in its key or name.
        let found = (fredapi["search"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let expected = everySeries.filter { ($0["key"] as! String).lowercased().contains("trade") || ($0["name"] as? String ?? "").lowercased().contains("trade") }
        #expect(Set(found) == Set(expected.map { $0["key"] as! String }) && found.count == expected.count, "search: \(found)")
        #expect(!found.isEmpty)
        #expect(fredapi["unknown"] as? String == "Bad Request.  The series does not exist.")
        return fredapi
    }
}
