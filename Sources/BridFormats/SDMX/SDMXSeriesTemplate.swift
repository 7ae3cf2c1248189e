import BridCore

/// A source's `series` template over SDMX component ids, e.g. `"kz.{FREQ}.{INDICATOR}"`:
/// literal text with `{ID}` placeholders replaced by the component's value.
struct SDMXSeriesTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case field(String)
    }

    let parts: [Part]

    /// The component ids the template names, in order of first use.
    var fields: [String] {
        var seen: Set<String> = []
        return parts.compactMap { part -> String? in
            guard case let .field(name) = part, seen.insert(name).inserted else { return nil }
            return name
        }
    }

    init(_ text: String) throws(FormatSettingsError) {
        func fail(_ message: String) -> FormatSettingsError { FormatSettingsError(key: "series", message: message) }
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let c = rest.first {
            rest = rest.dropFirst()
            if c == "}" { throw fail("unexpected `}` in \"\(text)\" (placeholders are written {ID})") }
            guard c == "{" else { literal.append(c); continue }
            guard let close = rest.firstIndex(of: "}") else { throw fail("unclosed `{` in \"\(text)\"") }
            let name = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
            if name.isEmpty || name.contains("{" as Character) { throw fail("empty or nested placeholder in \"\(text)\"") }
            if !literal.isEmpty {
                if let problem = SeriesKey.problem(with: literal) {
                    throw fail("the literal text \"\(literal)\" cannot be part of a series key: \(problem)")
                }
                parts.append(.literal(literal))
                literal = ""
            }
            parts.append(.field(name))
        }
        if !literal.isEmpty {
            if let problem = SeriesKey.problem(with: literal) {
                throw fail("the literal text \"\(literal)\" cannot be part of a series key: \(problem)")
            }
            parts.append(.literal(literal))
        }
        guard parts.contains(where: { if case .field = $0 { true } else { false } }) else {
            throw fail("\"\(text)\" names no component; write e.g. \"{FREQ}.{REF_AREA}.{INDICATOR}\"")
        }
        self.parts = parts
    }

    /// The key for one record; `value` gives a field's text (every field is known to exist).
    func expand(_ value: (String) -> String) -> String {
        var key = ""
        for part in parts {
            switch part {
            case let .literal(text): key += text
            case let .field(name): key += value(name)
            }
        }
        return key
    }
}
