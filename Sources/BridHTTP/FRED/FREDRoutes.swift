import BridCore
import BridInfo
import BridStore
import Hummingbird
import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The FRED/ALFRED-compatible API under `/fred/` (README "The FRED-compatible API"):
/// `series`, `series/observations`, `series/vintagedates` and `series/search`, with FRED's
/// parameters, documents (XML by default, JSON with `file_type=json`) and error documents.
/// A FRED `series_id` is a brid series key. Every reply is built off the event loops.
enum FREDRoutes {
    static func register(on router: HTTPRouter, reads: HTTPReads) {
        let routes: [(String, @Sendable (FREDQuery, any VintageStore) throws -> [UInt8])] = [
            ("/fred/series", series), ("/fred/series/observations", observations),
            ("/fred/series/vintagedates", vintageDates), ("/fred/series/search", search),
        ]
        for (path, build) in routes {
            router.get(RouterPath(path)) { request, _ in
                await answer(request, reads: reads, build)
            }
        }
        router.get("/fred/**") { request, _ in
            FREDErrorDocument(code: 404, message: "Not Found.  brid serves fred/series, fred/series/observations, fred/series/vintagedates and fred/series/search.")
                .response(for: request)
        }
    }

    /// Runs `build` on the store's read queue; its error documents become FRED's answers.
    /// An answer is kept in `reads.cache` while the store has no newer release: the same
    /// request on the same UTC day is then answered without building it again.
    private static func answer(_ request: Request, reads: HTTPReads,
                               _ build: @escaping @Sendable (FREDQuery, any VintageStore) throws -> [UInt8]) async -> Response {
        let now = reads.now()
        let query = FREDQuery(request.uri.queryParameters, today: FREDDay(now))
        do {
            let json = try query.json()
            let contentType = json ? "application/json; charset=UTF-8" : "text/xml; charset=UTF-8"
            let key = query.today.text + " " + request.uri.description
            let (cache, seconds, releaseTimes) = (reads.cache, now.timeIntervalSince1970, reads.releaseTimes)
            let bytes = try await reads.read { store in
                // The release first: data read after it is at least as new, so an entry is
                // never older than the release it is kept under.
                let release = try store.latestReleaseID()
                if let kept = cache.lookup(key, release: release, now: seconds) { return kept.body }
                var query = query
                query.releaseTimes = try releaseTimes.times(upTo: release, store: store)
                let bytes: [UInt8]
                do {
                    bytes = try build(query, store)
                } catch is FREDVintages.UnknownRelease {
                    // A release newer than `release` came in while the answer was read.
                    query.releaseTimes = nil
                    bytes = try build(query, store)
                }
                cache.store(ResponseCache.Entry(body: bytes), for: key, release: release, now: seconds)
                return bytes
            }
            var headers = HTTPFields()
            headers[.contentType] = contentType
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch let error as FREDErrorDocument {
            return error.response(for: request)
        } catch {
            return FREDErrorDocument(code: 500, message: "Internal Server Error.  \(reads.failed(request, error))").response(for: request)
        }
    }

    // MARK: fred/series

    static func series(_ query: FREDQuery, _ store: any VintageStore) throws -> [UInt8] {
        let key = try query.seriesID()
        let (start, end) = try query.realtime(defaultStart: query.today, defaultEnd: query.today)
        guard let summary = try store.seriesInfo(key) else { throw FREDErrorDocument.seriesDoesNotExist }
        var document = FREDDocument(json: try query.json(), root: "seriess", list: "seriess",
                                    attributes: [("realtime_start", .text(start.text)), ("realtime_end", .text(end.text))])
        document.element("series", try seriesAttributes(summary, store: store, start: start, end: end))
        return document.finish()
    }

    /// A `<series …/>` element: FRED's attributes from brid's catalogue and store.
    static func seriesAttributes(_ summary: SeriesSummary, store: any VintageStore, start: FREDDay, end: FREDDay) throws -> [(String, FREDField)] {
        let first = try edgePeriod(summary.key, last: false, store: store).flatMap { FREDDay.firstDay(ofPeriod: $0, frequency: summary.frequency) }
        let last = try edgePeriod(summary.key, last: true, store: store).flatMap { FREDDay.firstDay(ofPeriod: $0, frequency: summary.frequency) }
        let unit = summary.unit ?? ""
        // seriesInfo leaves the time of the last change out; the releases that wrote the series have it.
        let changed = try summary.lastChangedAt ?? store.releasesWriting(series: summary.key).last?.ingestedAt
        var attributes: [(String, FREDField)] = [
            ("id", .text(summary.key)),
            ("realtime_start", .text(start.text)),
            ("realtime_end", .text(end.text)),
            ("title", .text(summary.name ?? summary.key)),
            ("observation_start", .text(first?.text ?? "")),
            ("observation_end", .text(last?.text ?? "")),
            ("frequency", .text(summary.frequency.fredName)),
            ("frequency_short", .text(summary.frequency.code)),
            ("units", .text(unit)),
            ("units_short", .text(unit)),
            ("seasonal_adjustment", .text("Not Applicable")),
            ("seasonal_adjustment_short", .text("NA")),
            ("last_updated", .text(changed.map(lastUpdated) ?? "")),
            ("popularity", .number(0)),
        ]
        if let source = summary.sourceID { attributes.append(("notes", .text("brid source \(source)"))) }
        return attributes
    }

    /// The first (or last) period of the latest vintage: the first (last) period whose
    /// newest version is not a removal. Read from that end of the series' index, so it
    /// reads a few versions, not the series.
    static func edgePeriod(_ key: String, last: Bool, store: any VintageStore) throws -> String? {
        var found: String?
        if last {
            // Newest first within each period: a period's first version is its newest.
            var period: String?
            _ = try store.forEachVersion(series: key, from: nil, to: nil, descending: true) { version in
                guard version.period != period else { return true }
                period = version.period
                if !version.removed { found = version.period }
                return found == nil
            }
        } else {
            // Oldest first within each period: a period's newest is the one before the next period.
            var newest: SeriesVersion?
            _ = try store.forEachVersion(series: key, from: nil, to: nil, descending: false) { version in
                if let newest, newest.period != version.period, !newest.removed {
                    found = newest.period
                    return false
                }
                newest = version
                return true
            }
            if found == nil, let newest, !newest.removed { found = newest.period }
        }
        return found
    }

    /// FRED's `last_updated`: `2013-07-31 09:26:16-05`, here in UTC.
    static func lastUpdated(_ date: Date) -> String {
        let wire = WireTime.format(Date(timeIntervalSince1970: (date.timeIntervalSince1970).rounded(.down)))
        return String(wire.prefix(10)) + " " + String(wire.dropFirst(11).prefix(8)) + "+00"
    }

    // MARK: fred/series/observations

    static func observations(_ query: FREDQuery, _ store: any VintageStore) throws -> [UInt8] {
        let key = try query.seriesID()
        let json = try query.json()
        let vintageDates = try query.vintageDates()
        var (start, end) = try query.realtime(defaultStart: query.today, defaultEnd: query.today)
        if let vintageDates { start = vintageDates.first!; end = vintageDates.last! }
        let observationStart = try query.day("observation_start") ?? FREDDay.earliest
        let observationEnd = try query.day("observation_end") ?? FREDDay.latest
        let outputType = try query.oneOf("output_type", ["1", "2", "3", "4"]).map { Int($0)! } ?? 1
        _ = try query.oneOf("units", ["lin"], all: "'lin', 'chg', 'ch1', 'pch', 'pc1', 'pca', 'cch', 'cca', 'log'")
        let descending = try query.oneOf("sort_order", ["asc", "desc"]) == "desc"
        let limit = try query.integer("limit", in: 1...100_000) ?? 100_000
        let offset = try query.integer("offset", in: 0...Int.max) ?? 0
        guard let info = try store.seriesInfo(key) else { throw FREDErrorDocument.seriesDoesNotExist }
        let history = try FREDVintages(series: key, frequency: info.frequency, times: query.releaseTimes, store: store)
        let dates = observationStart <= observationEnd ? observationStart...observationEnd : nil

        // The rows are counted as they are read; only those from `offset` on, `limit` of
        // them, are written (FRED's `count` is the whole answer's), so the reply's memory is
        // bounded by `limit` and never by the series' history.
        var items = FREDDocument(itemsOnly: json, capacity: 4096)
        var count = 0
        let window = offset..<(offset.addingReportingOverflow(limit).overflow ? Int.max : offset + limit)
        switch outputType {
        case 1, 4:
            func row(_ date: FREDDay, _ start: FREDDay, _ end: FREDDay, _ value: String) {
                if window.contains(count) { items.observation(start: start, end: end, date: date, value: value) }
                count += 1
            }
            if let dates {
                try history.forEach(dates: dates, descending: descending, store: store) { observation in
                    if outputType == 4 {
                        // The initial release, when it came out within the real-time period.
                        if let first = observation.versions.first, first.start >= start, first.start <= end,
                           vintageDates.map({ $0.contains(first.start) }) ?? true {
                            row(observation.date, first.start, first.end, first.value)
                        }
                    } else if let vintageDates {
                        // The versions valid on the vintage dates asked for, each clipped to
                        // the first and last of those dates it was valid on.
                        for version in observation.versions {
                            let on = vintageDates.filter { $0 >= version.start && $0 <= version.end }
                            if let a = on.first, let b = on.last { row(observation.date, a, b, version.value) }
                        }
                    } else {
                        for version in observation.versions where version.start <= end && version.end >= start {
                            row(observation.date, max(version.start, start), min(version.end, end), version.value)
                        }
                    }
                    return true
                }
            }
        default:
            // By vintage date: one column per vintage date, named SERIES_YYYYMMDD.
            var columns = vintageDates ?? []
            if vintageDates == nil {
                let all = try history.vintageDates(store: store)
                columns = all.filter { $0 >= start && $0 <= end }
                if columns.first != start, all.contains(where: { $0 < start }) { columns.insert(start, at: 0) }
            }
            let names = columns.map { key + "_" + $0.compact }
            var written = 0
            if let dates {
                try history.forEach(dates: dates, descending: descending, store: store) { observation in
                    // Each column's version, walking the versions (oldest first) beside the
                    // columns (oldest first).
                    var values: [String] = []
                    values.reserveCapacity(columns.count)
                    var any = false
                    var next = 0
                    var previous: FREDVintages.Version?
                    for (i, column) in columns.enumerated() {
                        while next < observation.versions.count, observation.versions[next].end < column { next += 1 }
                        let version = next < observation.versions.count && observation.versions[next].start <= column
                            ? observation.versions[next] : nil
                        // Output type 3: only what is new or revised since the column before
                        // (the first column is the base: everything known then). Compared by
                        // version, so a column that is not itself a vintage day still shows a
                        // revision made since the previous column.
                        if let version, outputType == 2 || i == 0 || previous != version {
                            values.append(version.value)
                            any = true
                        } else {
                            values.append(FREDVintages.noValue)
                        }
                        previous = version
                    }
                    guard any else { return true }
                    if window.contains(count) {
                        // One value per row and vintage date: bounded, since no `limit` caps
                        // the columns (a daily-revised series over its whole history would be
                        // millions).
                        written += columns.count
                        if written > maximumValues {
                            count += 1
                            return true  // counted on, to say how large the answer would be
                        }
                        items.beginItem("observation")
                        items.field("date", day: observation.date)
                        for (name, value) in zip(names, values) { items.field(name, value) }
                        items.endItem()
                    }
                    count += 1
                    return true
                }
            }
            try checkSize(max(0, min(count - offset, limit)) * columns.count)
        }
        var document = FREDDocument(json: json, root: "observations", list: "observations", attributes: [
            ("realtime_start", .text(start.text)), ("realtime_end", .text(end.text)),
            ("observation_start", .text(observationStart.text)), ("observation_end", .text(observationEnd.text)),
            ("units", .text("lin")), ("output_type", .number(outputType)), ("file_type", .text(json ? "json" : "xml")),
            ("order_by", .text("observation_date")), ("sort_order", .text(descending ? "desc" : "asc")),
            ("count", .number(count)), ("offset", .number(offset)), ("limit", .number(limit)),
        ], capacity: 512 + items.bytes.count)
        document.append(items: items)
        return document.finish()
    }

    /// The most values one answer of output type 2 or 3 holds (rows × vintage-date
    /// columns): about 25 MB while it is built. Beyond it the request is refused, saying
    /// how to narrow it, rather than built in memory. (Types 1 and 4 are bounded by `limit`.)
    static let maximumValues = 250_000

    static func checkSize(_ values: Int) throws {
        guard values > maximumValues else { return }
        throw FREDErrorDocument(code: 400, message: "Bad Request.  This request would return \(values) values, more than the \(maximumValues) brid answers at once; narrow realtime_start and realtime_end, vintage_dates, or observation_start and observation_end.")
    }

    // MARK: fred/series/vintagedates

    static func vintageDates(_ query: FREDQuery, _ store: any VintageStore) throws -> [UInt8] {
        let key = try query.seriesID()
        let (start, end) = try query.realtime(defaultStart: .earliest, defaultEnd: .latest)
        let descending = try query.oneOf("sort_order", ["asc", "desc"]) == "desc"
        let limit = try query.integer("limit", in: 1...10_000) ?? 10_000
        let offset = try query.integer("offset", in: 0...Int.max) ?? 0
        guard let info = try store.seriesInfo(key) else { throw FREDErrorDocument.seriesDoesNotExist }
        var dates = try FREDVintages(series: key, frequency: info.frequency, times: query.releaseTimes, store: store).vintageDates(store: store)
            .filter { $0 >= start && $0 <= end }
        if descending { dates.reverse() }
        var document = FREDDocument(json: try query.json(), root: "vintage_dates", list: "vintage_dates", attributes: [
            ("realtime_start", .text(start.text)), ("realtime_end", .text(end.text)),
            ("order_by", .text("vintage_date")), ("sort_order", .text(descending ? "desc" : "asc")),
            ("count", .number(dates.count)), ("offset", .number(offset)), ("limit", .number(limit)),
        ])
        for date in dates.dropFirst(offset).prefix(limit) { document.textElement("vintage_date", date.text) }
        return document.finish()
    }

    // MARK: fred/series/search

    /// The deepest `offset` a search is answered to: the matches before it are kept while
    /// the catalogue is read.
    static let maximumSearchOffset = 100_000

    static let searchOrders = ["search_rank", "series_id", "title", "units", "frequency", "seasonal_adjustment", "realtime_start",
                               "realtime_end", "last_updated", "observation_start", "observation_end", "popularity"]

    static func search(_ query: FREDQuery, _ store: any VintageStore) throws -> [UInt8] {
        guard let text = query.string("search_text") else {
            throw FREDErrorDocument(code: 400, message: "Bad Request.  Variable search_text has not been set.")
        }
        let (start, end) = try query.realtime(defaultStart: query.today, defaultEnd: query.today)
        let byID = try query.oneOf("search_type", ["full_text", "series_id"]) == "series_id"
        let orderBy = try query.oneOf("order_by", searchOrders) ?? (byID ? "series_id" : "search_rank")
        let sortOrder = try query.oneOf("sort_order", ["asc", "desc"]) ?? (orderBy == "search_rank" || orderBy == "popularity" ? "desc" : "asc")
        let limit = try query.integer("limit", in: 1...1000) ?? 1000
        let offset = try query.integer("offset", in: 0...Int.max) ?? 0
        let filterVariable = try query.oneOf("filter_variable", ["frequency", "units", "seasonal_adjustment"])
        let filterValue = query.string("filter_value").map { String($0).replacingPlus() }

        guard offset <= maximumSearchOffset else {
            throw FREDErrorDocument(code: 400, message: "Bad Request.  Variable offset is more than the \(maximumSearchOffset) brid pages search results to; narrow search_text or filter the results.")
        }

        // Words (full text: each must occur in the key or the name) or a key pattern (series_id, `*` wildcards).
        let words = String(text).replacingPlus().lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let pattern = byID ? try? Glob(String(text).replacingPlus()) : nil
        let descending = sortOrder == "desc"
        typealias Match = (summary: SeriesSummary, rank: Int, field: String)
        func before(_ a: Match, _ b: Match) -> Bool {
            if orderBy == "search_rank", a.rank != b.rank { return descending ? a.rank > b.rank : a.rank < b.rank }
            if a.field != b.field { return descending ? a.field > b.field : a.field < b.field }
            return descending && orderBy == "series_id" ? a.summary.key > b.summary.key : a.summary.key < b.summary.key
        }
        // Every summary is read, by key, a batch at a time; only the best `offset + limit`
        // matches so far are kept (sorted and cut whenever twice that many gather), so
        // memory is bounded by the page asked for, not by the catalogue.
        let keep = offset + limit
        var matches: [Match] = []
        var count = 0
        let (cursor, _) = try store.seriesCursor(SeriesFilter(glob: byID ? pattern : nil))
        defer { cursor.close() }
        while case let batch = try cursor.next(512), !batch.isEmpty {
            for summary in batch {
                let key = summary.key.lowercased()
                let name = (summary.name ?? "").lowercased()
                var rank = 0
                if byID {
                    guard let pattern, pattern.matches(summary.key) else { continue }
                } else {
                    guard !words.isEmpty, words.allSatisfy({ key.containsText($0) || name.containsText($0) }) else { continue }
                    for word in words {
                        if key.containsText(word) { rank += 2 }
                        if name.containsText(word) { rank += 1 }
                    }
                    if key == words.joined(separator: " ") { rank += 100 }
                }
                if let filterVariable, let filterValue {
                    let value: String
                    switch filterVariable {
                    case "frequency": value = summary.frequency.fredName
                    case "units": value = summary.unit ?? ""
                    default: value = "Not Applicable"
                    }
                    guard value.lowercased() == filterValue.lowercased() || (filterVariable == "frequency" && summary.frequency.code == filterValue.uppercased())
                    else { continue }
                }
                // The field the answer is ordered by; the observation dates need the store.
                let field: String = switch orderBy {
                case "title": summary.name ?? summary.key
                case "units": summary.unit ?? ""
                case "frequency": summary.frequency.fredName
                case "last_updated": summary.lastChangedAt.map(WireTime.format) ?? ""
                case "observation_start": try edgePeriod(summary.key, last: false, store: store) ?? ""
                case "observation_end": try edgePeriod(summary.key, last: true, store: store) ?? ""
                default: ""
                }
                count += 1
                matches.append((summary, rank, field))
                if matches.count >= 2 * keep + 64 {
                    matches.sort(by: before)
                    matches.removeLast(matches.count - keep)
                }
            }
        }
        matches.sort(by: before)
        var document = FREDDocument(json: try query.json(), root: "seriess", list: "seriess", attributes: [
            ("realtime_start", .text(start.text)), ("realtime_end", .text(end.text)),
            ("order_by", .text(orderBy)), ("sort_order", .text(sortOrder)),
            ("count", .number(count)), ("offset", .number(offset)), ("limit", .number(limit)),
        ])
        for match in matches.dropFirst(offset).prefix(limit) {
            document.element("series", try seriesAttributes(match.summary, store: store, start: start, end: end))
        }
        return document.finish()
    }
}

extension String {
    /// Whether `text` occurs in this string, byte for byte (not Foundation's `contains`,
    /// which would link Foundation proper into brid).
    fileprivate func containsText(_ text: String) -> Bool {
        let haystack = Array(utf8), needle = Array(text.utf8)
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// A query's `+` is a space (as form encoding and Python's `quote_plus` write it).
    fileprivate func replacingPlus() -> String {
        String(map { $0 == "+" ? " " : $0 })
    }
}

extension FREDErrorDocument {
    static let seriesDoesNotExist = FREDErrorDocument(code: 400, message: "Bad Request.  The series does not exist.")
}

/// A request's parameters, read as FRED reads them; each wrong one is FRED's 400.
struct FREDQuery: Sendable {
    private let parameters: [Substring: Substring]
    /// Today in UTC: the default real-time period.
    let today: FREDDay
    /// Every release's ingest time when known (`ReleaseTimes`); nil: each answer reads its
    /// series' releases.
    var releaseTimes: [Int64: Int64]?

    init<Parameters: Sequence>(_ parameters: Parameters, today: FREDDay) where Parameters.Element == (key: Substring, value: Substring) {
        var map: [Substring: Substring] = [:]
        for (key, value) in parameters where map[key] == nil { map[key] = value }
        self.parameters = map
        self.today = today
    }

    /// The parameter's value; an empty one counts as absent.
    func string(_ name: Substring) -> Substring? {
        guard let value = parameters[name], !value.isEmpty else { return nil }
        return value
    }

    func json() throws -> Bool {
        try oneOf("file_type", ["xml", "json"]) == "json"
    }

    func seriesID() throws -> String {
        guard let id = string("series_id") else {
            throw FREDErrorDocument(code: 400, message: "Bad Request.  Variable series_id has not been set.")
        }
        return String(id)
    }

    func day(_ name: Substring) throws -> FREDDay? {
        guard let text = string(name) else { return nil }
        guard let day = FREDDay.parse(text) else {
            throw FREDErrorDocument(code: 400, message: "Bad Request.  The value for variable \(name) is not a date in the form YYYY-MM-DD.")
        }
        return day
    }

    func realtime(defaultStart: FREDDay, defaultEnd: FREDDay) throws -> (FREDDay, FREDDay) {
        let start = try day("realtime_start") ?? defaultStart
        let end = try day("realtime_end") ?? defaultEnd
        guard start <= end else {
            throw FREDErrorDocument(code: 400, message: "Bad Request.  The value for variable realtime_start can not be after the value for variable realtime_end.")
        }
        return (start, end)
    }

    /// `vintage_dates=2018-01-01,2019-06-30`, sorted; nil when absent.
    func vintageDates() throws -> [FREDDay]? {
        guard let text = string("vintage_dates") else { return nil }
        var days: [FREDDay] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let day = FREDDay.parse(part.drop(while: { $0 == " " })) else {
                throw FREDErrorDocument(code: 400, message: "Bad Request.  The value for variable vintage_dates is not a comma separated list of dates in the form YYYY-MM-DD.")
            }
            days.append(day)
        }
        return Array(Set(days)).sorted()
    }

    /// One of `values`, or nil when absent. `all` names every value FRED knows, when brid
    /// serves fewer of them.
    func oneOf(_ name: Substring, _ values: [String], all: String? = nil) throws -> String? {
        guard let value = string(name) else { return nil }
        guard values.contains(String(value)) else {
            let listed = values.map { "'\($0)'" }.joined(separator: ", ")
            var message = "Bad Request.  Variable \(name) is not one of the values: \(listed)."
            if let all { message += "  (FRED also knows \(all); brid serves \(listed) only.)" }
            throw FREDErrorDocument(code: 400, message: message)
        }
        return String(value)
    }

    func integer(_ name: Substring, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            let bound = range.upperBound == Int.max ? "a non-negative integer" : "an integer between \(range.lowerBound) and \(range.upperBound)"
            throw FREDErrorDocument(code: 400, message: "Bad Request.  Variable \(name) is not \(bound).")
        }
        return n
    }
}
