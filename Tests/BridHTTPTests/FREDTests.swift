import BridCore
@testable import BridHTTP
import BridStore
import BridTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Releases at chosen times into a real SQLite store: `rows` are (series, period, value).
extension SQLiteStore {
    func ingest(_ rows: [(String, String, String?)], at time: String, source: String = "src", snapshot: Bool = false) throws {
        let frequencies = try seriesFrequencies()
        var builder = PayloadBuilder(origin: "t.csv") { frequencies[$0] }
        for (i, row) in rows.enumerated() {
            try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
        }
        let date = try #require(WireTime.parse(time))
        let hex = String(UInt64(date.timeIntervalSince1970 * 1000), radix: 16)
        let sha = String(repeating: "0", count: 64 - hex.count) + hex
        _ = try ingest(try builder.finish(), source: source, recordRemovals: snapshot, sha256: sha, at: date)
    }
}

struct NotXML: Error { let text: String }

/// FRED's XML documents read with a real parser: the root's attributes and each child's.
final class FREDXML: NSObject, XMLParserDelegate {
    var rootName = ""
    var root: [String: String] = [:]
    var children: [(name: String, attributes: [String: String], text: String)] = []
    private var depth = 0

    static func parse(_ bytes: [UInt8]) throws -> FREDXML {
        let document = FREDXML()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = document
        guard parser.parse() else { throw NotXML(text: String(decoding: bytes, as: UTF8.self)) }
        return document
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        depth += 1
        if depth == 1 { rootName = name; root = attributes } else { children.append((name, attributes, "")) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if depth == 2 { children[children.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
    }
}

@Suite("FRED-compatible API")
struct FREDTests {
    /// Release 1 and 2 on 2026-01-10 (the day's last counts), release 3 on 2026-02-03: a
    /// revision, a removal (a snapshot without 2018-02) and a missing value.
    static func start() async throws -> RunningListener {
        try await RunningListener.start { store in
            _ = try store.applyCatalogue([SeriesMetadata(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: .annual),
                                          SeriesMetadata(key: "m.exports", name: "Monthly exports & more", unit: "t", frequency: .monthly)])
            try store.ingest([("cn-kz.trade.total", "2017", "18.0"), ("cn-kz.trade.total", "2018", "19.885"),
                              ("m.exports", "2018-01", "1"), ("m.exports", "2018-02", "2")], at: "2026-01-10T10:00:00Z")
            try store.ingest([("cn-kz.trade.total", "2018", "19.9")], at: "2026-01-10T15:00:00Z")
            try store.ingest([("cn-kz.trade.total", "2017", "18.0"), ("cn-kz.trade.total", "2018", "20.2"),
                              ("m.exports", "2018-01", "1"), ("m.exports", "2018-03", nil)], at: "2026-02-03T09:00:00Z", snapshot: true)
        }
    }

    static func json(_ response: HTTPTestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "\(response.text)")
    }

    /// (realtime_start, realtime_end, date, value) of each observation.
    static func rows(_ document: FREDXML) -> [[String]] {
        document.children.map { c in ["realtime_start", "realtime_end", "date", "value"].map { c.attributes[$0] ?? "?" } }
    }

    @Test("every version with its real-time period in whole UTC days: the day's last release counts, current ones run to 9999-12-31, . is no value")
    func allReleases() async throws {
        let listener = try await Self.start()
        try await listener.stopping {
            let xml = try await HTTPTestClient.get(port: listener.port, "/fred/series/observations?series_id=cn-kz.trade.total&realtime_start=1776-07-04&realtime_end=9999-12-31")
            #expect(xml.status == 200)
            #expect(xml.headers["content-type"]?.hasPrefix("text/xml") == true)
            let document = try FREDXML.parse(xml.body)
            #expect(document.rootName == "observations")
            #expect(document.root["realtime_start"] == "1776-07-04" && document.root["realtime_end"] == "9999-12-31")
            #expect(document.root["count"] == "3" && document.root["offset"] == "0" && document.root["limit"] == "100000")
            #expect(document.root["units"] == "lin" && document.root["output_type"] == "1" && document.root["file_type"] == "xml")
            #expect(document.root["order_by"] == "observation_date" && document.root["sort_order"] == "asc")
            #expect(Self.rows(document) == [
                ["2026-01-10", "9999-12-31", "2017-01-01", "18.0"],
                ["2026-01-10", "2026-02-02", "2018-01-01", "19.9"],  // 19.885 lived five hours of 2026-01-10
                ["2026-02-03", "9999-12-31", "2018-01-01", "20.2"],
            ])
            let monthly = try await HTTPTestClient.get(port: listener.port, "/fred/series/observations?series_id=m.exports&realtime_start=1776-07-04&realtime_end=9999-12-31&file_type=json")
            #expect(monthly.headers["content-type"]?.hasPrefix("application/json") == true)
            let object = try Self.json(monthly)
            #expect(object["count"] as? Int == 4 && object["limit"] as? Int == 100000 && object["output_type"] as? Int == 1)
            let observations = try #require(object["observations"] as? [[String: String]])
            #expect(observations.map { [$0["realtime_start"]!, $0["realtime_end"]!, $0["date"]!, $0["value"]!] } == [
                ["2026-01-10", "9999-12-31", "2018-01-01", "1"],
                ["2026-01-10", "2026-02-02", "2018-02-01", "2"],
                ["2026-02-03", "9999-12-31", "2018-02-01", "."],  // removed by the snapshot
                ["2026-02-03", "9999-12-31", "2018-03-01", "."],  // published without a value
            ])
        }
    }

    @Test("a real-time period, the default (today), vintage_dates, observation dates, limit, offset and sort_order")
    func realtimePeriods() async throws {
        let listener = try await Self.start()
        try await listener.stopping {
            let path = "/fred/series/observations?series_id=cn-kz.trade.total"
            let january = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + "&realtime_start=2026-01-15&realtime_end=2026-01-15").body)
            #expect(Self.rows(january) == [["2026-01-15", "2026-01-15", "2017-01-01", "18.0"], ["2026-01-15", "2026-01-15", "2018-01-01", "19.9"]])
            let before = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + "&realtime_start=2026-01-09&realtime_end=2026-01-09").body)
            #expect(before.children.isEmpty && before.root["count"] == "0")

            let today = FREDDay(Date()).text
            let latest = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path).body)
            #expect(latest.root["realtime_start"] == today && latest.root["realtime_end"] == today)
            #expect(Self.rows(latest) == [[today, today, "2017-01-01", "18.0"], [today, today, "2018-01-01", "20.2"]])

            let vintages = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + "&vintage_dates=2026-02-05,2026-01-20").body)
            #expect(vintages.root["realtime_start"] == "2026-01-20" && vintages.root["realtime_end"] == "2026-02-05")
            #expect(Self.rows(vintages) == [["2026-01-20", "2026-02-05", "2017-01-01", "18.0"], ["2026-01-20", "2026-01-20", "2018-01-01", "19.9"],
                                            ["2026-02-05", "2026-02-05", "2018-01-01", "20.2"]])

            let range = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + "&observation_start=2018-01-01&observation_end=2018-12-31").body)
            #expect(Self.rows(range) == [[today, today, "2018-01-01", "20.2"]])
            let all = "&realtime_start=1776-07-04&realtime_end=9999-12-31"
            let page = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + all + "&sort_order=desc&limit=1&offset=1").body)
            #expect(page.root["count"] == "3" && page.root["limit"] == "1" && page.root["offset"] == "1" && page.root["sort_order"] == "desc")
            #expect(Self.rows(page) == [["2026-02-03", "9999-12-31", "2018-01-01", "20.2"]])
            let descending = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + all + "&sort_order=desc").body)
            #expect(descending.children.map { $0.attributes["date"]! } == ["2018-01-01", "2018-01-01", "2017-01-01"])
        }
    }

    @Test("output types 2 and 3 (by vintage date: all, new and revised only) and 4 (initial release only), XML and JSON")
    func outputTypes() async throws {
        let listener = try await Self.start()
        try await listener.stopping {
            let path = "/fred/series/observations?series_id=cn-kz.trade.total&realtime_start=2026-01-01&realtime_end=9999-12-31"
            let all = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + "&output_type=2").body)
            #expect(all.root["output_type"] == "2" && all.root["count"] == "2")
            #expect(all.children.map { $0.attributes } == [
                ["date": "2017-01-01", "cn-kz.trade.total_20260110": "18.0", "cn-kz.trade.total_20260203": "18.0"],
                ["date": "2018-01-01", "cn-kz.trade.total_20260110": "19.9", "cn-kz.trade.total_20260203": "20.2"],
            ])
            let changed = try Self.json(try await HTTPTestClient.get(port: listener.port, path + "&output_type=3&file_type=json"))
            #expect(changed["output_type"] as? Int == 3)
            #expect(changed["observations"] as? [[String: String]] == [
                ["date": "2017-01-01", "cn-kz.trade.total_20260110": "18.0", "cn-kz.trade.total_20260203": "."],
                ["date": "2018-01-01", "cn-kz.trade.total_20260110": "19.9", "cn-kz.trade.total_20260203": "20.2"],
            ])
            // A window that starts between vintages: its first column is the state on its first day.
            let later = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, "/fred/series/observations?series_id=cn-kz.trade.total&realtime_start=2026-01-20&realtime_end=2026-03-01&output_type=2").body)
            #expect(later.children.map { $0.attributes } == [
                ["date": "2017-01-01", "cn-kz.trade.total_20260120": "18.0", "cn-kz.trade.total_20260203": "18.0"],
                ["date": "2018-01-01", "cn-kz.trade.total_20260120": "19.9", "cn-kz.trade.total_20260203": "20.2"],
            ])
            // Output type 3 on asked vintage dates that are not change days: 2026-02-10 shows the
            // revision made on 2026-02-03, since the column before (2026-01-20).
            let asked = try Self.json(try await HTTPTestClient.get(port: listener.port,
                "/fred/series/observations?series_id=cn-kz.trade.total&vintage_dates=2026-01-20,2026-02-10&output_type=3&file_type=json"))
            #expect(asked["observations"] as? [[String: String]] == [
                ["date": "2017-01-01", "cn-kz.trade.total_20260120": "18.0", "cn-kz.trade.total_20260210": "."],
                ["date": "2018-01-01", "cn-kz.trade.total_20260120": "19.9", "cn-kz.trade.total_20260210": "20.2"],
            ])
            let initial = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, path + "&output_type=4").body)
            #expect(Self.rows(initial) == [["2026-01-10", "9999-12-31", "2017-01-01", "18.0"], ["2026-01-10", "2026-02-02", "2018-01-01", "19.9"]])
        }
    }

    @Test("vintage dates: the days a release changed the series, each once")
    func vintageDates() async throws {
        let listener = try await Self.start()
        try await listener.stopping {
            let xml = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, "/fred/series/vintagedates?series_id=cn-kz.trade.total").body)
            #expect(xml.rootName == "vintage_dates")
            #expect(xml.root["realtime_start"] == "1776-07-04" && xml.root["realtime_end"] == "9999-12-31" && xml.root["count"] == "2" && xml.root["limit"] == "10000")
            #expect(xml.children.map(\.text) == ["2026-01-10", "2026-02-03"])
            let json = try Self.json(try await HTTPTestClient.get(port: listener.port, "/fred/series/vintagedates?series_id=cn-kz.trade.total&file_type=json&sort_order=desc"))
            #expect(json["vintage_dates"] as? [String] == ["2026-02-03", "2026-01-10"])
        }
    }

    @Test("series and search: FRED's series attributes from the catalogue; words over key and name, + as a space")
    func seriesAndSearch() async throws {
        let listener = try await Self.start()
        try await listener.stopping {
            let info = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, "/fred/series?series_id=cn-kz.trade.total").body)
            #expect(info.rootName == "seriess")
            let series = try #require(info.children.first?.attributes)
            #expect(series["id"] == "cn-kz.trade.total" && series["title"] == "China–Kazakhstan trade volume" && series["units"] == "USD bn")
            #expect(series["frequency"] == "Annual" && series["frequency_short"] == "A")
            #expect(series["observation_start"] == "2017-01-01" && series["observation_end"] == "2018-01-01")
            #expect(series["last_updated"] == "2026-02-03 09:00:00+00")
            let monthly = try Self.json(try await HTTPTestClient.get(port: listener.port, "/fred/series?series_id=m.exports&file_type=json"))
            let first = try #require((monthly["seriess"] as? [[String: Any]])?.first)
            #expect(first["title"] as? String == "Monthly exports & more" && first["popularity"] as? Int == 0)

            let found = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, "/fred/series/search?search_text=china+trade").body)
            #expect(found.root["count"] == "1" && found.root["order_by"] == "search_rank" && found.root["sort_order"] == "desc")
            #expect(found.children.map { $0.attributes["id"] } == ["cn-kz.trade.total"])
            let both = try Self.json(try await HTTPTestClient.get(port: listener.port, "/fred/series/search?search_text=e&order_by=series_id&file_type=json&limit=1&offset=1"))
            #expect(both["count"] as? Int == 2 && both["sort_order"] as? String == "asc")
            #expect((both["seriess"] as? [[String: Any]])?.map { $0["id"] as? String } == ["m.exports"])
            let none = try FREDXML.parse(try await HTTPTestClient.get(port: listener.port, "/fred/series/search?search_text=nothing").body)
            #expect(none.root["count"] == "0" && none.children.isEmpty)
        }
    }

    @Test("errors are FRED's documents with FRED's status: an unknown series, bad dates, unsupported units, bad numbers")
    func errors() async throws {
        let listener = try await Self.start()
        try await listener.stopping {
            let unknown = try await HTTPTestClient.get(port: listener.port, "/fred/series/observations?series_id=NOPE")
            #expect(unknown.status == 400)
            let error = try FREDXML.parse(unknown.body)
            #expect(error.rootName == "error" && error.root["code"] == "400" && error.root["message"] == "Bad Request.  The series does not exist.")
            let unknownJSON = try await HTTPTestClient.get(port: listener.port, "/fred/series?series_id=NOPE&file_type=json")
            #expect(unknownJSON.status == 400)
            #expect(try Self.json(unknownJSON)["error_message"] as? String == "Bad Request.  The series does not exist.")
            let cases: [(String, String)] = [
                ("/fred/series/observations", "Variable series_id has not been set."),
                ("/fred/series/observations?series_id=m.exports&realtime_start=2026-13-01", "The value for variable realtime_start is not a date"),
                ("/fred/series/observations?series_id=m.exports&observation_end=yesterday", "The value for variable observation_end is not a date"),
                ("/fred/series/observations?series_id=m.exports&realtime_start=2026-02-01&realtime_end=2026-01-01", "can not be after"),
                ("/fred/series/observations?series_id=m.exports&units=pch", "Variable units is not one of the values: 'lin'."),
                ("/fred/series/observations?series_id=m.exports&output_type=5", "Variable output_type is not one of the values"),
                ("/fred/series/observations?series_id=m.exports&limit=0", "Variable limit is not an integer between 1 and 100000."),
                ("/fred/series/observations?series_id=m.exports&offset=-1", "Variable offset is not a non-negative integer."),
                ("/fred/series/observations?series_id=m.exports&vintage_dates=2026-01-01,x", "vintage_dates"),
                ("/fred/series/observations?series_id=m.exports&file_type=csv", "Variable file_type is not one of the values: 'xml', 'json'."),
                ("/fred/series/search", "Variable search_text has not been set."),
                ("/fred/series/search?search_text=a&order_by=colour", "Variable order_by is not one of the values"),
            ]
            for (path, message) in cases {
                let answer = try await HTTPTestClient.get(port: listener.port, path)
                #expect(answer.status == 400, "\(path)")
                let document = try FREDXML.parse(answer.body)
                #expect(document.root["message"]?.hasPrefix("Bad Request.  ") == true && document.root["message"]?.contains(message) == true,
                        "\(path): \(answer.text)")
            }
            let elsewhere = try await HTTPTestClient.get(port: listener.port, "/fred/category/series?category_id=1&file_type=json")
            #expect(elsewhere.status == 404)
            #expect(try Self.json(elsewhere)["error_code"] as? Int == 404)
        }
    }

    @Test("a period is dated by its first day")
    func periodDates() {
        #expect(FREDDay.firstDay(ofPeriod: "2018", frequency: .annual)?.text == "2018-01-01")
        #expect(FREDDay.firstDay(ofPeriod: "2018-Q2", frequency: .quarterly)?.text == "2018-04-01")
        #expect(FREDDay.firstDay(ofPeriod: "2018-Q4", frequency: .quarterly)?.text == "2018-10-01")
        #expect(FREDDay.firstDay(ofPeriod: "2018-03", frequency: .monthly)?.text == "2018-03-01")
        #expect(FREDDay.firstDay(ofPeriod: "2018-W05", frequency: .weekly)?.text == "2018-01-29")
        #expect(FREDDay.firstDay(ofPeriod: "2020-W01", frequency: .weekly)?.text == "2019-12-30")
        #expect(FREDDay.firstDay(ofPeriod: "2020-W53", frequency: .weekly)?.text == "2020-12-28")
        #expect(FREDDay.firstDay(ofPeriod: "2018-03-15", frequency: .daily)?.text == "2018-03-15")
        #expect(FREDDay.parse("2018-02-29") == nil && FREDDay.parse("2020-02-29")?.text == "2020-02-29")
    }
}
