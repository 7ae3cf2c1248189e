import BridCore

/// The dimensions of one SDMX-JSON structure, resolved once: which level each dimension
/// is at (data set, series, observation), its values' ids, the key order (`keyPosition`),
/// the time dimension, and how a coordinate becomes a series key.
struct SDMXJSONLayout {
    enum Level: Int, CaseIterable {
        case dataSet, series, observation

        var name: String { ["dataSet", "series", "observation"][rawValue] }
    }

    struct Dimension {
        let id: String
        let level: Level
        let values: [String]
    }

    /// Every dimension; a coordinate is one value index per dimension, in this order.
    let dimensions: [Dimension]
    /// Per level, the dimensions in the order of that level's array (the order of the
    /// positions in a `"0:1:0"` key).
    let levels: [[Int]]
    /// The time dimension, or nil for a message without one read with `fixed_period`.
    let time: Int?
    /// The parts of a series key, each a literal or a dimension's value.
    let keyParts: [KeyPart]
    /// Whether the series key depends on observation-level dimensions (flat messages).
    let keyAtObservationLevel: Bool
    /// The observation-level `OBS_STATUS` attribute: its place in an observation's array
    /// (`[value, attribute…]`, so 1 for the first attribute) and its values' ids.
    let status: (position: Int, values: [String])?

    enum KeyPart {
        case literal(String)
        case dimension(Int)
    }

    init(_ doc: JSONDocument, structure: JSONDocument.Value, settings: SDMXJSON, origin: String) throws(InputError) {
        func fail(_ v: JSONDocument.Value, _ reason: String) -> InputError { doc.error(at: v, origin: origin, reason) }
        guard doc.kind(structure) == .object else { throw fail(structure, "expected a structure object, found \(doc.kind(structure).description)") }
        guard let dimensionsObject = doc.member(structure, "dimensions"), doc.kind(dimensionsObject) == .object else {
            throw fail(structure, "the structure has no \"dimensions\" object")
        }

        var dimensions: [Dimension] = []
        var levels: [[Int]] = [[], [], []]
        var order: [(keyPosition: Int, index: Int)] = []
        var roles: [Bool] = []
        for level in Level.allCases {
            guard let list = doc.member(dimensionsObject, level.name), doc.kind(list) != .null else { continue }
            guard doc.kind(list) == .array else { throw fail(list, "expected an array of dimensions, found \(doc.kind(list).description)") }
            for dimension in doc.elements(list) {
                guard doc.kind(dimension) == .object, let idValue = doc.member(dimension, "id"), let id = doc.string(idValue) else {
                    throw fail(dimension, "a dimension needs an \"id\"")
                }
                var values: [String] = []
                if let list = doc.member(dimension, "values"), doc.kind(list) == .array {
                    for value in doc.elements(list) {
                        guard let text = doc.member(value, "id").flatMap({ doc.scalarText($0) }) ?? doc.member(value, "value").flatMap({ doc.scalarText($0) }) else {
                            throw fail(value, "a value of dimension \(Excerpt(id)) has neither an \"id\" nor a \"value\"")
                        }
                        values.append(text)
                    }
                }
                let index = dimensions.count
                let keyPosition = doc.member(dimension, "keyPosition").flatMap { doc.numberText($0) }.flatMap { Int($0) }
                order.append((keyPosition ?? 100_000 + index, index))
                roles.append(SDMXJSONLayout.hasTimeRole(doc, dimension))
                dimensions.append(Dimension(id: id, level: level, values: values))
                levels[level.rawValue].append(index)
            }
        }
        guard !dimensions.isEmpty else { throw fail(dimensionsObject, "the structure has no dimensions") }
        let ids = dimensions.map(\.id)
        let list = Excerpt(ids.joined(separator: ", "))

        // The time dimension.
        var time: Int?
        if let name = settings.timeDimension {
            guard let t = ids.firstIndex(of: name) else {
                throw fail(dimensionsObject, "`time_dimension` is \"\(name)\" but the structure has no such dimension (its dimensions: \(list))")
            }
            time = t
        } else {
            time = ids.firstIndex(of: "TIME_PERIOD") ?? roles.firstIndex(of: true)
        }
        if let t = time, settings.fixedPeriod != nil {
            throw fail(dimensionsObject, "`fixed_period` is for messages without a time dimension, but this one has \(Excerpt(ids[t]))")
        }
        if time == nil, settings.fixedPeriod == nil {
            throw fail(dimensionsObject, "no time dimension: no dimension is TIME_PERIOD or has the time role (dimensions: \(list)); set `time_dimension` to the dimension that holds the period, or `fixed_period` to the period of the whole message")
        }

        // The series key.
        var parts: [KeyPart] = []
        if let template = settings.template {
            for part in template.parts {
                switch part {
                case let .literal(text): parts.append(.literal(text))
                case let .placeholder(name):
                    guard let d = ids.firstIndex(of: name), d != time else {
                        let reason = ids.firstIndex(of: name) == nil ? "is not a dimension" : "is the time dimension"
                        throw fail(dimensionsObject, "the series template \"\(template)\" names {\(name)}, which \(reason) (dimensions: \(list))")
                    }
                    parts.append(.dimension(d))
                }
            }
        } else {
            guard let prefix = settings.seriesPrefix ?? SDMXJSONLayout.dataflowID(doc, structure) else {
                throw fail(structure, "cannot tell the dataflow id from the structure (no id, no dataflow link): set `series_prefix` (\"\" for none)")
            }
            var first = true
            if !prefix.isEmpty {
                parts.append(.literal(prefix))
                first = false
            }
            for (_, d) in order.sorted(by: { $0.keyPosition < $1.keyPosition }) where d != time {
                if !first { parts.append(.literal(settings.separator)) }
                parts.append(.dimension(d))
                first = false
            }
        }
        self.dimensions = dimensions
        self.levels = levels
        self.time = time
        self.keyParts = parts
        self.keyAtObservationLevel = parts.contains { if case let .dimension(d) = $0 { dimensions[d].level == .observation } else { false } }

        // The status: structure.attributes.observation[k] with id OBS_STATUS.
        var status: (position: Int, values: [String])?
        if let attributes = doc.member(structure, "attributes"), let list = doc.member(attributes, "observation"), doc.kind(list) == .array {
            for (k, attribute) in doc.elements(list).enumerated() where doc.member(attribute, "id").flatMap({ doc.string($0) }) == "OBS_STATUS" {
                var values: [String] = []
                if let list = doc.member(attribute, "values"), doc.kind(list) == .array {
                    for value in doc.elements(list) {
                        values.append(doc.member(value, "id").flatMap { doc.scalarText($0) } ?? doc.member(value, "value").flatMap { doc.scalarText($0) } ?? "")
                    }
                }
                status = (k + 1, values)
                break
            }
        }
        self.status = status
    }

    /// The series key of a coordinate.
    func key(_ coordinate: [Int]) -> String {
        var key = ""
        for part in keyParts {
            switch part {
            case let .literal(text): key += text
            case let .dimension(d): key += dimensions[d].values[coordinate[d]]
            }
        }
        return key
    }

    /// SDMX-JSON 1.0 `"role": "time"`, 2.x `"roles": ["TIME_PERIOD"]`.
    private static func hasTimeRole(_ doc: JSONDocument, _ dimension: JSONDocument.Value) -> Bool {
        var roles: [String] = []
        if let role = doc.member(dimension, "role").flatMap({ doc.string($0) }) { roles.append(role) }
        if let list = doc.member(dimension, "roles") { roles += doc.elements(list).compactMap { doc.string($0) } }
        return roles.contains { $0.uppercased() == "TIME" || $0.uppercased() == "TIME_PERIOD" }
    }

    /// The dataflow id of a structure: its `id`, or the id in its dataflow link's URN
    /// (`…Dataflow=ECB:EXR(1.0)` → `EXR`) or href (`…/dataflow/ECB/EXR/1.0` → `EXR`,
    /// OECD.Stat's `…/dataflow/PART2/all` → `PART2`).
    static func dataflowID(_ doc: JSONDocument, _ structure: JSONDocument.Value) -> String? {
        if let id = doc.member(structure, "id").flatMap({ doc.string($0) }), !id.isEmpty { return id }
        guard let links = doc.member(structure, "links") else { return nil }
        let all = Array(doc.elements(links))
        let dataflow = all.filter { doc.member($0, "rel").flatMap { doc.string($0) } == "dataflow" }
        for link in dataflow + all {
            if let urn = doc.member(link, "urn").flatMap({ doc.string($0) }), let range = urn.firstRange(of: "Dataflow=") {
                var id = urn[range.upperBound...]
                if let colon = id.firstIndex(of: ":") { id = id[id.index(after: colon)...] }
                if let paren = id.firstIndex(of: "(") { id = id[..<paren] }
                if !id.isEmpty { return String(id) }
            }
        }
        for link in dataflow {
            guard let href = doc.member(link, "href").flatMap({ doc.string($0) }) else { continue }
            let segments = href.split(separator: "/").map(String.init)
            guard let at = segments.lastIndex(of: "dataflow") else { continue }
            let rest = segments[(at + 1)...].filter { $0 != "all" && $0 != "latest" && $0 != "+" }
            if rest.count >= 2 { return rest[rest.startIndex + 1] }
            if let only = rest.first { return only }
        }
        return nil
    }
}
