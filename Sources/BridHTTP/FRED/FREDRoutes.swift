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
            let (cache, seconds) = (reads.cache, now.timeIntervalSince1970)
            let bytes = try await reads.read { store in
                // The release first: data read after it is at least as new, so an entry is
                // never older than the release it is kept under.
                let release = try store.latestReleaseID()
                if let kept = cache.lookup(key, release: release, now: seconds) { return kept.body }
                let bytes = try build(query, store)
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
        let rows = try store.observations(series: summary.key, vintage: .latest, from: nil, to: nil) ?? []
        let first = rows.first.flatMap { FREDDay.firstDay(ofPeriod: $0.period, frequency: summary.frequency) }
        let last = rows.last.flatMap { FREDDay.firstDay(ofPeriod: $0.period, frequency: summary.frequency) }
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
        let history = try store.versions(series: key)
        let vintages = FREDVintages(versions: history?.versions ?? [], releases: history?.releases ?? [:], frequency: info.frequency)
        var observations = vintages.observations.filter { $0.date >= observationStart && $0.date <= observationEnd }
        if descending { observations.reverse() }

        let attributes: [(String, FREDField)] = [
            ("realtime_start", .text(start.text)), ("realtime_end", .text(end.text)),
            ("observation_start", .text(observationStart.text)), ("observation_end", .text(observationEnd.text)),
            ("units", .text("lin")), ("output_type", .number(outputType)), ("file_type", .text(json ? "json" : "xml")),
            ("order_by", .text("observation_date")), ("sort_order", .text(descending ? "desc" : "asc")),
        ]
        var rows: [[(String, FREDField)]] = []
        switch outputType {
        case 1, 4:
            if outputType == 1 { try checkSize(observations.reduce(0) { $0 + $1.versions.count }) }
            for observation in observations {
                var versions: [FREDVintages.Version] = []
                if outputType == 4 {
                    // The initial release, when it came out within the real-time period.
                    if let first = observation.versions.first, first.start >= start, first.start <= end,
                       vintageDates.map({ $0.contains(first.start) }) ?? true {
                        versions = [first]
                    }
                } else if let vintageDates {
                    // The versions valid on the vintage dates asked for, each clipped to the
                    // first and last of those dates it was valid on.
                    for version in observation.versions {
                        let on = vintageDates.filter { $0 >= version.start && $0 <= version.end }
                        if let a = on.first, let b = on.last { versions.append(.init(start: a, end: b, value: version.value)) }
                    }
                } else {
                    for version in observation.versions where version.start <= end && version.end >= start {
                        versions.append(.init(start: max(version.start, start), end: min(version.end, end), value: version.value))
                    }
                }
                for version in versions {
                    rows.append([("realtime_start", .text(version.start.text)), ("realtime_end", .text(version.end.text)),
                                 ("date", .text(observation.date.text)), ("value", .text(version.value))])
                }
            }
        default:
            // By vintage date: one column per vintage date, named SERIES_YYYYMMDD.
            var columns = vintageDates ?? vintages.vintageDates.filter { $0 >= start && $0 <= end }
            if vintageDates == nil, columns.first != start, vintages.vintageDates.contains(where: { $0 < start }) {
                columns.insert(start, at: 0)
            }
            // One value per observation and vintage date: bounded, since no `limit` caps
            // the columns (a daily-revised series over its whole history would be millions).
            try checkSize(observations.count * columns.count)
            let names = columns.map { key + "_" + $0.compact }
            for observation in observations {
                var row: [(String, FREDField)] = [("date", .text(observation.date.text))]
                var any = false
                var previous: FREDDay?
                for (column, name) in zip(columns, names) {
                    var value = FREDVintages.noValue
                    // Output type 3: only what is new or revised since the column before (the
                    // first column is the base: everything known then). Compared by version,
                    // so a column that is not itself a vintage day still shows a revision
                    // made since the previous column.
                    if let version = observation.version(on: column),
                       outputType == 2 || previous.map({ observation.version(on: $0) != version }) ?? true {
                        value = version.value
                        any = true
                    }
                    row.append((name, .text(value)))
                    previous = column
                }
                if any { rows.append(row) }
            }
        }
        var document = FREDDocument(json: json, root: "observations", list: "observations",
                                    attributes: attributes + [("count", .number(rows.count)), ("offset", .number(offset)), ("limit", .number(limit))],
                                    capacity: 256 + min(rows.count, limit) * 110)
        for row in rows.dropFirst(offset).prefix(limit) { document.element("observation", row) }
        return document.finish()
    }

    /// The most values one answer holds (rows × columns for output types 2 and 3, rows
    /// otherwise): about 25 MB while it is built. Beyond it the request is refused, saying
    /// how to narrow it, rather than built in memory.
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
        let history = try store.versions(series: key)
        let vintages = FREDVintages(versions: history?.versions ?? [], releases: history?.releases ?? [:], frequency: info.frequency)
        var dates = vintages.vintageDates.filter { $0 >= start && $0 <= end }
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

        // Words (full text: each must occur in the key or the name) or a key pattern (series_id, `*` wildcards).
        let words = String(text).replacingPlus().lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let pattern = byID ? try? Glob(String(text).replacingPlus()) : nil
        var matches: [(summary: SeriesSummary, rank: Int)] = []
        for summary in try store.seriesSummaries(matching: nil) {
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
            matches.append((summary, rank))
        }
        // Ordered by the field asked for, ties by key; the observation dates need the store.
        var observationDates: [String: (String, String)] = [:]
        if orderBy == "observation_start" || orderBy == "observation_end" {
            for match in matches {
                let rows = try store.observations(series: match.summary.key, vintage: .latest, from: nil, to: nil) ?? []
                observationDates[match.summary.key] = (rows.first?.period ?? "", rows.last?.period ?? "")
            }
        }
        func field(_ m: (summary: SeriesSummary, rank: Int)) -> String {
            switch orderBy {
            case "title": m.summary.name ?? m.summary.key
            case "units": m.summary.unit ?? ""
            case "frequency": m.summary.frequency.fredName
            case "last_updated": m.summary.lastChangedAt.map(WireTime.format) ?? ""
            case "observation_start": observationDates[m.summary.key]?.0 ?? ""
            case "observation_end": observationDates[m.summary.key]?.1 ?? ""
            default: ""
            }
        }
        let descending = sortOrder == "desc"
        matches.sort { a, b in
            if orderBy == "search_rank", a.rank != b.rank { return descending ? a.rank > b.rank : a.rank < b.rank }
            let fa = field(a), fb = field(b)
            if fa != fb { return descending ? fa > fb : fa < fb }
            return descending && orderBy == "series_id" ? a.summary.key > b.summary.key : a.summary.key < b.summary.key
        }
        var document = FREDDocument(json: try query.json(), root: "seriess", list: "seriess", attributes: [
            ("realtime_start", .text(start.text)), ("realtime_end", .text(end.text)),
            ("order_by", .text(orderBy)), ("sort_order", .text(sortOrder)),
            ("count", .number(matches.count)), ("offset", .number(offset)), ("limit", .number(limit)),
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
