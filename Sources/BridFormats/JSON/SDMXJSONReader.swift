import BridCore

extension SDMXJSON {
    /// Walks the data sets of a message, observation by observation, resolving
    /// coordinates through a layout. State is kept across data sets (the ordinal). A data
    /// set's `series` or `observations` kept off the tape (see `SDMXJSON.elision`) are read
    /// one member at a time, each a small document of its own.
    struct Reader {
        let doc: JSONDocument
        let origin: String
        let fixedPeriod: String?
        private(set) var ordinal: Int32 = 0
        private var indices: [Int] = []

        init(doc: JSONDocument, origin: String, fixedPeriod: String?) {
            self.doc = doc
            self.origin = origin
            self.fixedPeriod = fixedPeriod
        }

        private func fail(_ doc: JSONDocument, _ v: JSONDocument.Value, _ reason: String) -> InputError { doc.error(at: v, origin: origin, reason) }

        mutating func read(_ dataSet: JSONDocument.Value, layout: SDMXJSONLayout, into builder: inout PayloadBuilder) throws(InputError) {
            let delete = doc.member(dataSet, "action").flatMap { doc.string($0) }?.lowercased() == "delete"
            var coordinate = [Int](repeating: 0, count: layout.dimensions.count)
            for d in layout.levels[SDMXJSONLayout.Level.dataSet.rawValue] where layout.dimensions[d].values.isEmpty {
                throw fail(doc, dataSet, "data-set-level dimension \(Excerpt(layout.dimensions[d].id)) has no value in the structure")
            }
            if let series = doc.member(dataSet, "series"), doc.kind(series) != .null {
                guard doc.kind(series) == .object else { throw fail(doc, series, "expected the series as an object keyed \"0:1:0\", found \(doc.kind(series).description)") }
                if doc.isElided(series) {
                    try doc.forEachElided(series) { (part) throws(InputError) in
                        try readSeries(part, name: 0, one: 1, layout: layout, coordinate: &coordinate, delete: delete, into: &builder)
                    }
                } else {
                    for (name, one) in doc.members(series) {
                        try readSeries(doc, name: name, one: one, layout: layout, coordinate: &coordinate, delete: delete, into: &builder)
                    }
                }
            }
            if let observations = doc.member(dataSet, "observations"), doc.kind(observations) != .null {
                guard doc.kind(observations) == .object else {
                    throw fail(doc, observations, "expected the observations as an object keyed by position, found \(doc.kind(observations).description)")
                }
                if doc.isElided(observations) {
                    try doc.forEachElided(observations) { (part) throws(InputError) in
                        try readObservation(part, name: 0, observation: 1, layout: layout, coordinate: &coordinate, delete: delete, into: &builder)
                    }
                } else {
                    try readObservations(doc, observations, layout: layout, coordinate: &coordinate, delete: delete, into: &builder)
                }
            }
        }

        private mutating func readSeries(_ doc: JSONDocument, name: JSONDocument.Value, one: JSONDocument.Value, layout: SDMXJSONLayout,
                                         coordinate: inout [Int], delete: Bool, into builder: inout PayloadBuilder) throws(InputError) {
            try resolve(doc, name, level: .series, layout: layout, into: &coordinate)
            guard doc.kind(one) == .object else { throw fail(doc, one, "expected a series (an object), found \(doc.kind(one).description)") }
            guard let observations = doc.member(one, "observations"), doc.kind(observations) != .null else { return }
            guard doc.kind(observations) == .object else {
                throw fail(doc, observations, "expected the observations as an object keyed by position, found \(doc.kind(observations).description)")
            }
            try readObservations(doc, observations, layout: layout, coordinate: &coordinate, delete: delete, into: &builder)
        }

        private mutating func readObservations(_ doc: JSONDocument, _ observations: JSONDocument.Value, layout: SDMXJSONLayout, coordinate: inout [Int],
                                               delete: Bool, into builder: inout PayloadBuilder) throws(InputError) {
            // Series-keyed messages with only the time at observation level: one key per series.
            let fixedKey = layout.keyAtObservationLevel ? nil : layout.key(coordinate)
            for (name, observation) in doc.members(observations) {
                try readObservation(doc, name: name, observation: observation, layout: layout, coordinate: &coordinate, fixedKey: fixedKey,
                                    delete: delete, into: &builder)
            }
        }

        private mutating func readObservation(_ doc: JSONDocument, name: JSONDocument.Value, observation: JSONDocument.Value, layout: SDMXJSONLayout,
                                              coordinate: inout [Int], fixedKey: String? = nil, delete: Bool, into builder: inout PayloadBuilder) throws(InputError) {
            try resolve(doc, name, level: .observation, layout: layout, into: &coordinate)
            let key = fixedKey ?? layout.key(coordinate)
            let period = layout.time.map { layout.dimensions[$0].values[coordinate[$0]] } ?? fixedPeriod!
            let value: String?
            var status: String?
            switch doc.kind(observation) {
            case .array:
                guard let first = doc.element(observation, 0) else {
                    throw fail(doc, observation, "an observation must be [value, attribute…], found an empty array")
                }
                guard let text = doc.observationValue(first) else {
                    throw fail(doc, first, "the observation value must be a number, a string or null, found \(doc.kind(first).description)")
                }
                value = text
                if let (position, values) = layout.status, let index = doc.element(observation, position), doc.kind(index) != .null {
                    guard let i = doc.numberText(index).flatMap({ Int($0) }), values.indices.contains(i), !values[i].isEmpty else {
                        throw fail(doc, index, "the OBS_STATUS index must be one of the \(values.count) values of the structure's OBS_STATUS attribute, found \(Excerpt(doc.scalarText(index) ?? doc.kind(index).description))")
                    }
                    status = values[i]
                }
            case .number: value = doc.numberText(observation)
            case .null: value = nil
            default: throw fail(doc, observation, "an observation must be [value, attribute…], found \(doc.kind(observation).description)")
            }
            if delete {
                try builder.delete(series: key, period: period, ordinal: ordinal, place: .pointer(doc.pointer(to: observation)))
            } else {
                try builder.add(series: key, period: period, value: value, status: status, ordinal: ordinal, place: .pointer(doc.pointer(to: observation)))
            }
            ordinal += 1
        }

        /// Sets the coordinates of one level from a key such as `"0:1:0"`.
        private mutating func resolve(_ doc: JSONDocument, _ name: JSONDocument.Value, level: SDMXJSONLayout.Level, layout: SDMXJSONLayout,
                                      into coordinate: inout [Int]) throws(InputError) {
            let dims = layout.levels[level.rawValue]
            guard doc.sdmxKey(name, count: dims.count, into: &indices) else {
                let ids = Excerpt(dims.map { layout.dimensions[$0].id }.joined(separator: ":")).description
                throw fail(doc, name + 1, "the key \(Excerpt(quoted: doc.string(name) ?? "")) does not match the \(dims.count) \(level.name)-level dimension\(dims.count == 1 ? "" : "s") (\(ids.isEmpty ? "none" : ids)): expected \(dims.count) index\(dims.count == 1 ? "" : "es") separated by ':'")
            }
            for (k, d) in dims.enumerated() {
                let i = indices[k]
                guard i < layout.dimensions[d].values.count else {
                    throw fail(doc, name + 1, "position \(k + 1) of the key \(Excerpt(quoted: doc.string(name) ?? "")) is \(i), but dimension \(Excerpt(layout.dimensions[d].id)) has \(layout.dimensions[d].values.count) value\(layout.dimensions[d].values.count == 1 ? "" : "s")")
                }
                coordinate[d] = i
            }
        }
    }
}
