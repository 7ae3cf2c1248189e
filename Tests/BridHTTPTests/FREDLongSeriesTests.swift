import BridCore
@testable import BridHTTP
import BridStore
import Foundation
import Testing

/// The FRED answers of series and catalogues longer than one page of the store's reads
/// (`forEachVersion` pages of 64 to 4,096 versions; search batches of 512 summaries): what
/// is read a page at a time is the same answer as the whole, in either order, cut by
/// dates, `limit` and `offset` exactly.
@Suite("FRED over long series and catalogues")
struct FREDLongSeriesTests {
    /// A daily series of 5,000 days: release 1 on 2026-01-10, every 7th day revised on
    /// 2026-01-11, the last 10 days removed (a snapshot) on 2026-01-12.
    static let days = 5_000
    static let start = FREDDay(year: 2000, month: 1, day: 1)

    static func store() throws -> SQLiteStore {
        let folder = NSTemporaryDirectory() + "brid-fred-long-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder + "/brid.sqlite")
        _ = try store.applyCatalogue([SeriesMetadata(key: "d.long", name: "A long daily series", unit: "t", frequency: .daily)]
            + (0..<1_500).map { SeriesMetadata(key: String(format: "s.%04d", $0), name: "Series \($0)", unit: nil, frequency: .annual) })
        let periods = (0..<days).map { start.adding($0).text }
        try store.ingest(periods.map { ("d.long", $0, "1") } + (0..<1_500).map { (String(format: "s.%04d", $0), "2018", "\($0)") },
                         at: "2026-01-10T08:00:00Z")
        try store.ingest(periods.enumerated().map { i, p in ("d.long", p, i % 7 == 0 ? "2" : "1") }, at: "2026-01-11T08:00:00Z")
        try store.ingest(periods.dropLast(10).enumerated().map { i, p in ("d.long", p, i % 7 == 0 ? "2" : "1") }, at: "2026-01-12T08:00:00Z", snapshot: true)
        return store
    }

    /// Every row FRED's output type 1 gives over all real time, worked out by hand.
    static func expectedRows() -> [[String]] {
        var rows: [[String]] = []
        for i in 0..<days {
            let date = start.adding(i).text
            let removed = i >= days - 10
            if i % 7 == 0 {
                rows.append(["2026-01-10", "2026-01-10", date, "1"])
                rows.append(["2026-01-11", removed ? "2026-01-11" : "9999-12-31", date, "2"])
            } else {
                rows.append(["2026-01-10", removed ? "2026-01-11" : "9999-12-31", date, "1"])
            }
            if removed { rows.append(["2026-01-12", "9999-12-31", date, "."]) }
        }
        return rows
    }

    static func answer(_ build: (FREDQuery, any VintageStore) throws -> [UInt8], _ store: SQLiteStore, _ query: String,
                       times: [Int64: Int64]? = nil) throws -> [String: Any] {
        let parameters = query.split(separator: "&").map { part -> (key: Substring, value: Substring) in
            let pair = part.split(separator: "=", maxSplits: 1)
            return (pair[0], pair.count > 1 ? pair[1] : "")
        }
        var fredQuery = FREDQuery(parameters, today: FREDDay(year: 2026, month: 2, day: 1))
        fredQuery.releaseTimes = times
        let bytes = try build(fredQuery, store)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static func rows(_ object: [String: Any]) -> [[String]] {
        ((object["observations"] as? [[String: String]]) ?? []).map { o in ["realtime_start", "realtime_end", "date", "value"].map { o[$0] ?? "?" } }
    }

    @Test("all real time, ascending and descending, dates, limit and offset: the rows worked out by hand")
    func observations() throws {
        let store = try Self.store()
        let all = Self.expectedRows()
        let base = "series_id=d.long&file_type=json&realtime_start=1776-07-04&realtime_end=9999-12-31"
        let whole = try Self.answer(FREDRoutes.observations, store, base)
        #expect(whole["count"] as? Int == all.count)
        #expect(Self.rows(whole) == all)

        // Descending: the newest date first, each date's versions oldest first (as FRED).
        let descending = try Self.answer(FREDRoutes.observations, store, base + "&sort_order=desc")
        var byDate: [[[String]]] = []
        for row in all { if byDate.last?.first?[2] == row[2] { byDate[byDate.count - 1].append(row) } else { byDate.append([row]) } }
        #expect(Self.rows(descending) == Array(byDate.reversed().joined()))

        // Dates across a year boundary, then a page of them: count is the whole answer's.
        let dates = try Self.answer(FREDRoutes.observations, store, base + "&observation_start=2004-12-25&observation_end=2005-01-05")
        let inDates = all.filter { $0[2] >= "2004-12-25" && $0[2] <= "2005-01-05" }
        #expect(inDates.count >= 12 && Self.rows(dates) == inDates)
        let page = try Self.answer(FREDRoutes.observations, store, base + "&offset=4000&limit=25")
        #expect(page["count"] as? Int == all.count && page["offset"] as? Int == 4000 && page["limit"] as? Int == 25)
        #expect(Self.rows(page) == Array(all[4000..<4025]))

        // As known on 2026-01-11, by vintage date (type 2), and the vintage dates.
        let known = try Self.answer(FREDRoutes.observations, store, "series_id=d.long&file_type=json&realtime_start=2026-01-11&realtime_end=2026-01-11")
        #expect(Self.rows(known).map { $0[3] } == (0..<Self.days).map { $0 % 7 == 0 ? "2" : "1" })
        let byVintage = try Self.answer(FREDRoutes.observations, store, "series_id=d.long&file_type=json&output_type=2&realtime_start=1776-07-04&realtime_end=9999-12-31&observation_start=2013-09-01")
        let last = try #require((byVintage["observations"] as? [[String: String]])?.last)
        #expect(last == ["date": Self.start.adding(Self.days - 1).text, "d.long_20260110": "1", "d.long_20260111": "1", "d.long_20260112": "."])
        let vintageDates = try Self.answer(FREDRoutes.vintageDates, store, "series_id=d.long&file_type=json")
        #expect(vintageDates["vintage_dates"] as? [String] == ["2026-01-10", "2026-01-11", "2026-01-12"])

        // The series' first and last observation of the latest vintage, read from its two ends.
        let info = try Self.answer(FREDRoutes.series, store, "series_id=d.long&file_type=json")
        let series = try #require((info["seriess"] as? [[String: Any]])?.first)
        #expect(series["observation_start"] as? String == "2000-01-01")
        #expect(series["observation_end"] as? String == Self.start.adding(Self.days - 11).text)
    }

    @Test("a search over 1,500 series keeps only the page asked for, in order, and counts every match")
    func search() throws {
        let store = try Self.store()
        // "series" is in every name: d.long's first, then s.0000 ….
        let page = try Self.answer(FREDRoutes.search, store, "search_text=series&file_type=json&order_by=series_id&limit=10&offset=1235")
        #expect(page["count"] as? Int == 1_501)
        #expect((page["seriess"] as? [[String: Any]])?.map { $0["id"] as? String } == (1234..<1244).map { String(format: "s.%04d", $0) })
        let descending = try Self.answer(FREDRoutes.search, store, "search_text=s.*&search_type=series_id&file_type=json&sort_order=desc&limit=3&offset=100")
        #expect(descending["count"] as? Int == 1_500)
        #expect((descending["seriess"] as? [[String: Any]])?.map { $0["id"] as? String } == ["s.1399", "s.1398", "s.1397"])
        let byStart = try Self.answer(FREDRoutes.search, store, "search_text=long&file_type=json&order_by=observation_start")
        #expect((byStart["seriess"] as? [[String: Any]])?.map { $0["id"] as? String } == ["d.long"])
        #expect(throws: FREDErrorDocument.self) {
            try Self.answer(FREDRoutes.search, store, "search_text=series&offset=100001")
        }
    }

    @Test("release times read once for every answer give the answers the series' own releases give; a newer release is read when seen, one unknown is said")
    func releaseTimes() throws {
        let store = try Self.store()
        let kept = ReleaseTimes()
        let base = "series_id=d.long&file_type=json&realtime_start=1776-07-04&realtime_end=9999-12-31&observation_start=2013-09-01"
        let times = try #require(try kept.times(upTo: try store.latestReleaseID(), store: store))
        #expect(times.count == 3)
        #expect(Self.rows(try Self.answer(FREDRoutes.observations, store, base, times: times)) == Self.rows(try Self.answer(FREDRoutes.observations, store, base)))
        try store.ingest([("d.long", "2013-09-01", "7")], at: "2026-01-20T23:59:59Z")
        #expect(throws: FREDVintages.UnknownRelease.self) { try Self.answer(FREDRoutes.observations, store, base, times: times) }
        let newer = try #require(try kept.times(upTo: try store.latestReleaseID(), store: store))
        #expect(newer.count == 4)
        let rows = Self.rows(try Self.answer(FREDRoutes.observations, store, base, times: newer))
        // 2013-09-01 is one of the last ten days: removed on 2026-01-12, back on 2026-01-20.
        #expect(rows.first == ["2026-01-10", "2026-01-11", "2013-09-01", "1"])
        #expect(rows.dropFirst().first == ["2026-01-12", "2026-01-19", "2013-09-01", "."])
        #expect(rows.dropFirst(2).first == ["2026-01-20", "9999-12-31", "2013-09-01", "7"])
    }

    @Test("the period texts that bound a date range: the period holding each end; the years around, for weeks")
    func periodRanges() {
        let june = FREDDay(year: 2010, month: 6, day: 15)...FREDDay(year: 2011, month: 2, day: 3)
        #expect(FREDVintages.periodRange(june, frequency: .daily) == ("2010-06-15", "2011-02-03"))
        #expect(FREDVintages.periodRange(june, frequency: .monthly) == ("2010-06", "2011-02"))
        #expect(FREDVintages.periodRange(june, frequency: .quarterly) == ("2010-Q2", "2011-Q1"))
        #expect(FREDVintages.periodRange(june, frequency: .annual) == ("2010", "2011"))
        #expect(FREDVintages.periodRange(june, frequency: .weekly) == ("2009", "2013"))
        #expect(FREDVintages.periodRange(FREDDay.earliest...FREDDay.latest, frequency: .daily) == ("1776-07-04", "9999-12-31"))
        #expect(FREDVintages.periodRange(FREDDay(year: 999, month: 1, day: 1)...FREDDay.latest, frequency: .weekly) == (nil, nil))
        // Every period whose first day is in the range is inside the texts.
        for frequency in [Frequency.daily, .monthly, .quarterly, .annual] {
            let (from, to) = FREDVintages.periodRange(june, frequency: frequency)
            for day in stride(from: june.lowerBound.number - 400, through: june.upperBound.number + 400, by: 1).map(FREDDay.init(number:)) {
                let (y, m, d) = day.civil
                let period = switch frequency {
                case .daily: day.text
                case .monthly: String(format: "%04d-%02d", y, m)
                case .quarterly: "\(y)-Q\((m - 1) / 3 + 1)"
                default: String(y)
                }
                guard let first = FREDDay.firstDay(ofPeriod: period, frequency: frequency), june.contains(first) else { continue }
                _ = d
                #expect(period >= from! && period <= to!, "\(frequency) \(period)")
            }
        }
    }
}
