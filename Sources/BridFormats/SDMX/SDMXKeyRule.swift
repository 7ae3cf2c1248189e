import BridCore

/// How the component values of an SDMX series become a brid series key; shared by
/// `sdmx-csv` and `sdmx-ml`.
///
/// Without a `series` template the key is `<prefix><separator><value>…`: the prefix is the
/// structure's id reduced to a key-safe form (`ESTAT:NA_MAIN(1.6.0)` → `NA_MAIN`) unless
/// `series_prefix` sets it (`""` for none), followed by the dimension values in the
/// payload's order, or in the order `dimensions` gives. With a template the key is the
/// template expanded over the component ids, and no prefix is added.
struct SDMXKeyRule: Sendable {
    /// The options every SDMX format reads.
    static let options: [String: OptionType] = [
        "series_prefix": .string, "separator": .string, "dimensions": .stringArray, "attributes": .stringArray,
    ]

    /// `series_prefix`, when set ("" for none); nil to take the structure's id.
    let fixedPrefix: String?
    let separator: String
    /// `dimensions`: the key's components and their order, when set.
    let dimensions: [String]?
    /// `attributes`: components never part of the key, when set.
    let attributes: Set<String>?
    let template: SDMXSeriesTemplate?

    init(settings: FormatSettings) throws(FormatSettingsError) {
        if let template = settings.seriesTemplate {
            self.template = try SDMXSeriesTemplate(template)
            for key in ["series_prefix", "separator", "dimensions"] where settings.options[key] != nil {
                throw FormatSettingsError(key: key, message: "`\(key)` does not apply when a `series` template builds the key; name the components in the template instead")
            }
        } else {
            template = nil
        }
        if let prefix = settings.string("series_prefix"), !prefix.isEmpty, let problem = SeriesKey.problem(with: prefix) {
            throw FormatSettingsError(key: "series_prefix", message: problem)
        }
        fixedPrefix = settings.string("series_prefix")
        let separator = settings.string("separator") ?? "."
        if separator.isEmpty {
            throw FormatSettingsError(key: "separator", message: "must not be empty (the default is \".\")")
        }
        if let problem = SeriesKey.problem(with: separator) {
            throw FormatSettingsError(key: "separator", message: problem)
        }
        self.separator = separator
        if let dimensions = settings.stringArray("dimensions") {
            if dimensions.isEmpty {
                throw FormatSettingsError(key: "dimensions", message: "must name at least one component (or leave it out for the default)")
            }
            var seen: Set<String> = []
            for name in dimensions where name.isEmpty || !seen.insert(name).inserted {
                throw FormatSettingsError(key: "dimensions", message: name.isEmpty ? "contains an empty name" : "names \(name) twice")
            }
            self.dimensions = dimensions
        } else {
            dimensions = nil
        }
        if let attributes = settings.stringArray("attributes") {
            let set = Set(attributes)
            if let both = dimensions?.first(where: { set.contains($0) }) {
                throw FormatSettingsError(key: "attributes", message: "\(both) is listed in both `dimensions` and `attributes`")
            }
            if let both = template?.fields.first(where: { set.contains($0) }) {
                throw FormatSettingsError(key: "attributes", message: "\(both) is listed in `attributes` but used by the `series` template")
            }
            self.attributes = set
        } else {
            attributes = nil
        }
    }

    /// A structure reference reduced to its id: `ESTAT:NA_MAIN(1.6.0)` → `NA_MAIN`,
    /// `urn:sdmx:…Dataflow=ECB:EXR(1.0)` → `EXR`, `ECB:EXR(1.0): Exchange rates` → `EXR`.
    static func structureID(_ reference: String) -> String {
        var s = Substring(reference)
        if let label = s.firstRange(of: ": ") { s = s[..<label.lowerBound] }
        if let equals = s.lastIndex(of: "=") { s = s[s.index(after: equals)...] }
        if let colon = s.lastIndex(of: ":") { s = s[s.index(after: colon)...] }
        if s.last == ")", let open = s.lastIndex(of: "(") { s = s[..<open] }
        while let c = s.first, c == " " { s = s.dropFirst() }
        while let c = s.last, c == " " { s = s.dropLast() }
        return String(s)
    }

    /// The key prefix for data of `structure` (a reference as the payload gives it), or why
    /// there is none.
    func prefix(structure: String?) -> Result<String, Problem> {
        if let fixedPrefix { return .success(fixedPrefix) }
        guard let structure, !structure.isEmpty else {
            return .failure(Problem(reason: "the payload names no structure to prefix series keys with; set `series_prefix` (\"\" for no prefix)"))
        }
        let id = Self.structureID(structure)
        if id.isEmpty || SeriesKey.problem(with: id) != nil {
            return .failure(Problem(reason: "cannot make a series-key prefix from the structure \(Excerpt(quoted: structure)); set `series_prefix` (\"\" for no prefix)"))
        }
        return .success(id)
    }

    struct Problem: Error { let reason: String }

    /// `prefix` and `values` joined by the separator (the prefix left out when empty).
    func key(prefix: String, values: [String]) -> String {
        var key = prefix
        for value in values {
            if !key.isEmpty { key += separator }
            key += value
        }
        return key
    }
}
