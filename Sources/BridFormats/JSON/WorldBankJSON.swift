import BridCore
import Foundation

/// `format = "worldbank-json"`: World Bank API v2 responses, `[paging, rows]`.
///
/// Each row is one observation: the series key comes from the `series` template over
/// `{indicator}` (`indicator.id`), `{country}` (`country.id`) and `{countryiso3code}`
/// (falling back to `country.id` when empty), default `wb.{countryiso3code}.{indicator}`;
/// `date` is the period (`2018`, `2018Q1`, `2018M03`); `value` null is "no value";
/// `indicator.value` names the series and a non-empty `unit` gives its unit; the paging
/// object's `lastupdated` is the release's published-at time. An error response
/// (`[{"message": […]}]`) is rejected with the API's message.
///
/// A response of several pages is ingested as one release: the pages, concatenated as
/// they are (white space between them, see `combinePages`), are one payload. Every page
/// from 1 to `pages` must be there exactly once.
public struct WorldBankJSON: PagedFormat {
    public static let name = "worldbank-json"
    public static let options: [String: OptionType] = [:]
    public static let ordinalKind = PayloadBuilder.OrdinalKind.record
    public static let defaultTemplate = "wb.{countryiso3code}.{indicator}"
    static let placeholders = ["indicator", "country", "countryiso3code"]

    let template: SeriesTemplate

    public init(settings: FormatSettings) throws {
        template = try SeriesTemplate(settings.seriesTemplate ?? WorldBankJSON.defaultTemplate)
        for name in template.placeholders where !WorldBankJSON.placeholders.contains(name) {
            throw FormatSettingsError(key: "series", message: "worldbank-json has no field {\(name)} for the template \"\(template)\" (use {indicator}, {country} and {countryiso3code})")
        }
    }

    /// The page number and page count of a response, or nil when it is not a data page
    /// (e.g. an error message). For the fetcher: when `pages > 1`, fetch `page=2…pages`.
    /// The rows stay off the token tape (as when the page is read), so asking costs little
    /// more than the syntax check.
    public static func pageCount(_ bytes: UnsafeBufferPointer<UInt8>) -> (page: Int, pages: Int)? {
        guard let doc = try? JSONDocument(borrowing: bytes, allowsMultipleValues: true, eliding: elision),
              let paging = doc.element(doc.root, 0), doc.kind(paging) == .object,
              let page = doc.member(paging, "page").flatMap({ integer(doc, $0) }),
              let pages = doc.member(paging, "pages").flatMap({ integer(doc, $0) }) else { return nil }
        return (page, pages)
    }

    /// Page `page` of the response at `url`: its `page` query parameter set.
    public static func url(_ url: String, page: Int) -> String {
        Formats.url(url, settingQuery: "page", to: String(page))
    }

    /// The pages of one response as one payload: their bytes joined by `pageSeparator`.
    /// Hash and ingest this, so that a re-fetch of identical pages is "unchanged".
    public static func combinePages(_ pages: [[UInt8]]) -> [UInt8] {
        Array(pages.joined(separator: pageSeparator))
    }

    /// Reads the pages of one response as one payload (same as `read(combinePages(pages))`).
    public func readPages(_ pages: [[UInt8]], into builder: inout PayloadBuilder) throws(InputError) {
        try read(WorldBankJSON.combinePages(pages), into: &builder)
    }

    /// Each page's rows, validated with the rest but read one row at a time afterwards.
    static let elision = JSONElision([[.element(1)]])

    /// The pages are validated whole first (pages of memory dropped behind the parser), with
    /// only their paging objects on the tape; the rows are then read one at a time.
    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        let doc = try JSONInput.parse(bytes, origin: origin, allowsMultipleValues: true, eliding: WorldBankJSON.elision, progress: builder.onProgress)
        var pages: [Page] = []
        for (index, root) in doc.roots.enumerated() {
            pages.append(try Page(doc, root, index: index, of: doc.roots.count, origin: origin))
        }
        try checkComplete(pages, origin: origin)
        builder.publishedAt = pages.compactMap(\.lastUpdated).max()

        var ordinal: Int32 = 0
        for page in pages {
            guard let rows = page.rows else { continue }
            let suffix = pages.count > 1 ? " of page \(page.page)" : ""
            if doc.isElided(rows) {
                try doc.forEachElided(rows) { (part) throws(InputError) in
                    try readRow(part, 0, ordinal: ordinal, suffix: suffix, into: &builder)
                    ordinal += 1
                }
            } else {
                for row in doc.elements(rows) {
                    try readRow(doc, row, ordinal: ordinal, suffix: suffix, into: &builder)
                    ordinal += 1
                }
            }
        }
        if ordinal == 0 {
            let total = pages.first?.total.map { " (paging says total \($0))" } ?? ""
            throw InputError(origin: origin, place: nil, reason: "no observations found — the response has no rows\(total); check the indicator, the countries and the `date` range of the URL")
        }
    }

    private func readRow(_ doc: JSONDocument, _ row: JSONDocument.Value, ordinal: Int32, suffix: String, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        func fail(_ v: JSONDocument.Value, _ reason: String) -> InputError {
            InputError(origin: origin, place: .pointer(doc.pointer(to: v) + suffix), reason: reason)
        }
        guard doc.kind(row) == .object else { throw fail(row, "expected a row (an object), found \(doc.kind(row).description)") }
        func string(_ path: String...) throws(InputError) -> String {
            var v = row
            for name in path {
                guard let m = doc.member(v, name) else { throw fail(row, "the row has no \(path.joined(separator: "."))") }
                v = m
            }
            guard let s = doc.string(v) else {
                throw fail(v, "\(path.joined(separator: ".")) must be a string, found \(doc.kind(v).description)")
            }
            return s
        }
        let key = try template.render { (name) throws(InputError) -> String in
            switch name {
            case "indicator": return try string("indicator", "id")
            case "country": return try string("country", "id")
            default:
                let iso3 = try string("countryiso3code")
                return iso3.isEmpty ? try string("country", "id") : iso3
            }
        }
        let period = try string("date")
        guard let v = doc.member(row, "value") else { throw fail(row, "the row has no value (null stands for no value)") }
        guard let value = doc.observationValue(v) else {
            throw fail(v, "value must be a number or null, found \(doc.kind(v).description)")
        }
        try builder.add(series: key, period: period, value: value, ordinal: ordinal, place: .pointer(doc.pointer(to: row) + suffix))
        let name = doc.member(row, "indicator").flatMap { doc.member($0, "value") }.flatMap { doc.string($0) }
        let unit = doc.member(row, "unit").flatMap { doc.string($0) }
        builder.describe(series: key, name: name, unit: unit)
    }

    /// Every page from 1 to `pages` once, all agreeing on `pages`.
    private func checkComplete(_ pages: [Page], origin: String) throws(InputError) {
        let count = pages[0].pages
        for page in pages where page.pages != count {
            throw InputError(origin: origin, place: nil, reason: "the pages disagree on the page count (\(count) and \(page.pages)): they are not from one response")
        }
        let numbers = pages.map(\.page)
        if count <= 1, numbers == [1] || numbers == [0] || numbers.isEmpty { return }
        var seen = Set<Int>()
        for n in numbers {
            guard (1...max(count, 1)).contains(n) else {
                throw InputError(origin: origin, place: nil, reason: "page \(n) is outside 1…\(count)")
            }
            guard seen.insert(n).inserted else {
                throw InputError(origin: origin, place: nil, reason: "page \(n) of \(count) appears twice")
            }
        }
        let missing = (1...max(count, 1)).filter { !seen.contains($0) }
        if !missing.isEmpty {
            let list = missing.prefix(10).map(String.init).joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
            throw InputError(origin: origin, place: nil, reason: "incomplete response: page\(missing.count > 1 ? "s" : "") \(list) of \(count) missing (fetch every page, or ask for a larger per_page)")
        }
    }

    static func integer(_ doc: JSONDocument, _ v: JSONDocument.Value) -> Int? {
        doc.scalarText(v).flatMap { Int($0) }
    }

    /// `[{"id": "120", "key": "Invalid value", "value": "The provided parameter value is not valid"}]` as text.
    static func messageText(_ doc: JSONDocument, _ message: JSONDocument.Value) -> String {
        let items = doc.kind(message) == .array ? Array(doc.elements(message)) : [message]
        let texts = items.map { item -> String in
            guard doc.kind(item) == .object else { return doc.scalarText(item) ?? "" }
            func text(_ name: String) -> String { doc.member(item, name).flatMap { doc.scalarText($0) } ?? "" }
            let head = [text("id"), text("key")].filter { !$0.isEmpty }.joined(separator: " ")
            let value = text("value")
            return head.isEmpty || value.isEmpty ? head + value : head + ": " + value
        }
        return texts.filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
