import BridCore

/// The `series` template of a table with periods as columns: literal text and fields
/// `{A}` (a label column by its letter), `{Country Code}` (a column by its header-row
/// name) and `{frequency}` (the period column's frequency letter).
struct TableKeyTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal(String)
        case column(Int)
        case header(String)
        case frequency
    }

    let parts: [Part]

    init(_ text: String) throws(FormatSettingsError) {
        func fail(_ message: String) -> FormatSettingsError { FormatSettingsError(key: "series", message: message) }
        var parts: [Part] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard let open = rest.firstIndex(of: "{") else {
                parts.append(.literal(String(rest)))
                break
            }
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else { throw fail("a `{` is not closed") }
            let name = String(rest[rest.index(after: open)..<close])
            if name.isEmpty { throw fail("`{}` names no column") }
            if name.contains("{" as Character) { throw fail("`{` inside a field") }
            if name == "frequency" {
                parts.append(.frequency)
            } else if (1...3).contains(name.count), name.allSatisfy({ $0 >= "A" && $0 <= "Z" }), let column = ColumnName.index(name) {
                parts.append(.column(column))
            } else {
                parts.append(.header(name))
            }
            rest = rest[rest.index(after: close)...]
        }
        for case let .literal(literal) in parts {
            if literal.contains("}" as Character) { throw fail("a `}` without its `{`") }
            if let problem = SeriesKey.problem(with: literal) { throw fail("its text \(problem.replacing("series key ", with: ""))") }
        }
        guard parts.contains(where: { if case .literal = $0 { false } else { true } }) else {
            throw fail("names no column: use {A} (a column letter) or {Header Name}, e.g. \"kz.grp.{A}\"")
        }
        self.parts = parts
    }

    var usesFrequency: Bool { parts.contains(.frequency) }
}
