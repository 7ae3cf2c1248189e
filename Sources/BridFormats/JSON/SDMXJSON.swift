import BridCore

/// `format = "sdmx-json"`: SDMX-JSON data messages, 1.0 (`structure` and `dataSets` at
/// the top) and 2.x (`data.structures[]` or `data.structure`, `data.dataSets[]`, each data
/// set naming its structure by index), series-keyed (`series` keyed `"0:1:0"` holding
/// `observations` keyed by the time index) or flat (`observations` keyed by every
/// observation-level dimension, `"0:1:0:3"`).
///
/// Key indices are resolved through the structure's `dimensions.dataSet/series/observation
/// [].values[]` (`id`, else `value`); data-set-level dimensions take their single value.
/// The period is the value of the time dimension (`TIME_PERIOD`, or one with the time
/// role, or the one `time_dimension` names); a message without one can be read with
/// `fixed_period`. The series key is the dataflow id (`series_prefix` overrides it, `""`
/// for none) and the other dimensions' ids in `keyPosition` order, joined by `separator`
/// (default `.`), e.g. `EXR.D.NZD.EUR.SP00.A`; or the source's `series` template over
/// dimension ids (`imf.{REF_AREA}.{INDICATOR}`). An observation is `[value, attribute…]`:
/// the value is a number (kept as its exact text), a string or null. A data set with
/// `"action": "Delete"` deletes its observations. `meta.prepared` (2.x) or
/// `header.prepared` (1.0) is the published-at time.
public struct SDMXJSON: PayloadFormat {
    public static let name = "sdmx-json"
    public static let options: [String: OptionType] = [
        "series_prefix": .string,
        "separator": .string,
        "time_dimension": .string,
        "fixed_period": .string,
    ]
    public static let ordinalKind = PayloadBuilder.OrdinalKind.record

    let template: SeriesTemplate?
    let seriesPrefix: String?
    let separator: String
    let timeDimension: String?
    let fixedPeriod: String?

    public init(settings: FormatSettings) throws {
        template = try settings.seriesTemplate.map { (t) throws(FormatSettingsError) in try SeriesTemplate(t) }
        seriesPrefix = settings.string("series_prefix")
        separator = settings.string("separator") ?? "."
        timeDimension = settings.string("time_dimension")
        fixedPeriod = settings.string("fixed_period")
        if template != nil {
            for key in ["series_prefix", "separator"] where settings.options[key] != nil {
                throw FormatSettingsError(key: key, message: "does not apply when `series` gives a key template")
            }
        }
        if let prefix = seriesPrefix, !prefix.isEmpty, let problem = SeriesKey.problem(with: prefix) {
            throw FormatSettingsError(key: "series_prefix", message: problem)
        }
        if separator.isEmpty || SeriesKey.problem(with: separator) != nil {
            throw FormatSettingsError(key: "separator", message: "\"\(separator)\" cannot join a series key (use one of . _ - : / @ +)")
        }
        if timeDimension?.isEmpty == true {
            throw FormatSettingsError(key: "time_dimension", message: "must name a dimension")
        }
        if let period = fixedPeriod {
            if timeDimension != nil { throw FormatSettingsError(key: "fixed_period", message: "set either `time_dimension` or `fixed_period`, not both") }
            if case let .failure(error) = Period.normalize(period, frequency: nil) { throw FormatSettingsError(key: "fixed_period", message: error.description) }
        }
    }

    /// The bulk of a message, validated with the rest but read one series (or, flat, one
    /// observation) at a time after the structure: the data sets' `series` and
    /// `observations` in 1.0 and 2.x.
    static let elision = JSONElision([
        [.name("dataSets"), .anyElement, .name("series")],
        [.name("dataSets"), .anyElement, .name("observations")],
        [.name("data"), .name("dataSets"), .anyElement, .name("series")],
        [.name("data"), .name("dataSets"), .anyElement, .name("observations")],
    ])

    /// The message is validated whole first (pages dropped behind the parser), with only
    /// its small part (header, structure) on the tape; the data sets' series are then read
    /// one at a time: memory is the structure and one series, not the document.
    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        let doc = try JSONInput.parse(bytes, origin: origin, eliding: SDMXJSON.elision, progress: builder.onProgress)
        let root = doc.root
        guard doc.kind(root) == .object else {
            throw InputError(origin: origin, place: nil, reason: "expected an SDMX-JSON data message (an object), found \(doc.kind(root).description)")
        }
        let data = doc.member(root, "data").flatMap { doc.kind($0) == .object ? $0 : nil }
        let container = data ?? root
        guard let dataSets = doc.member(container, "dataSets"), doc.kind(dataSets) == .array else {
            if let errors = doc.member(root, "errors") {
                throw InputError(origin: origin, place: nil, reason: "the SDMX service returned an error: \(Excerpt(SDMXJSON.errorText(doc, errors)))")
            }
            throw InputError(origin: origin, place: nil, reason: "no observations found — the message has no dataSets array (it has \(JSONInput.memberList(doc, container))); is this an SDMX-JSON data message?")
        }
        let structures: [JSONDocument.Value]
        if let list = doc.member(container, "structures"), doc.kind(list) == .array {
            structures = Array(doc.elements(list))
        } else if let one = doc.member(container, "structure") ?? doc.member(root, "structure"), doc.kind(one) == .object {
            structures = [one]
        } else {
            throw InputError(origin: origin, place: nil, reason: "the message has no structure (expected \"structure\" in SDMX-JSON 1.0, \"data.structures\" in 2.x)")
        }
        if let prepared = (doc.member(root, "meta") ?? doc.member(root, "header")).flatMap({ doc.member($0, "prepared") }) {
            builder.publishedAt = try JSONInput.timestamp(doc, prepared, origin: origin, what: "prepared")
        }

        var layouts: [Int: SDMXJSONLayout] = [:]
        var reader = Reader(doc: doc, origin: origin, fixedPeriod: fixedPeriod)
        for dataSet in doc.elements(dataSets) {
            guard doc.kind(dataSet) == .object else {
                throw doc.error(at: dataSet, origin: origin, "expected a data set (an object), found \(doc.kind(dataSet).description)")
            }
            var index = 0
            if let s = doc.member(dataSet, "structure") {
                guard let n = doc.numberText(s).flatMap({ Int($0) }), structures.indices.contains(n) else {
                    throw doc.error(at: s, origin: origin, "structure index \(Excerpt(doc.scalarText(s) ?? doc.kind(s).description)) does not name one of the \(structures.count) structures")
                }
                index = n
            }
            if layouts[index] == nil {
                layouts[index] = try SDMXJSONLayout(doc, structure: structures[index], settings: self, origin: origin)
            }
            try reader.read(dataSet, layout: layouts[index]!, into: &builder)
        }
        if reader.ordinal == 0 {
            throw InputError(origin: origin, place: nil, reason: "no observations found — the data sets have no series or observations (an empty query result?)")
        }
    }

    /// SDMX-JSON error messages (`errors: [{code, title, detail}]`) as text.
    static func errorText(_ doc: JSONDocument, _ errors: JSONDocument.Value) -> String {
        let items = doc.kind(errors) == .array ? Array(doc.elements(errors)) : [errors]
        return items.map { item in
            ["code", "title", "detail"].compactMap { doc.member(item, $0).flatMap { doc.scalarText($0) } }.joined(separator: " ")
        }.joined(separator: "; ")
    }
}
