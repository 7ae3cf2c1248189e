/// Where in a payload something was found: a line of a text file, a record of a JSON
/// array, a JSON pointer or an XML element.
public enum InputPlace: Sendable, Equatable, CustomStringConvertible {
    case line(Int)
    case record(Int)
    case pointer(String)
    case element(String)
    /// A row of a spreadsheet's sheet (a duplicate found after the row was read).
    case row(Int)
    /// A spreadsheet cell (`'тыс.тенге'!M9`), or a field of a text table (`sheet` nil:
    /// `line 9, column M`).
    case cell(sheet: String?, column: Int, row: Int)

    public var description: String {
        switch self {
        case let .line(n): "line \(n)"
        case let .record(n): "record \(n)"
        case let .row(n): "row \(n)"
        case let .pointer(p): "at \(Excerpt(p))"
        case let .element(e): "in <\(Excerpt(e))>"
        case let .cell(sheet?, column, row): "'\(Excerpt(sheet).description.replacing("'", with: "''"))'!\(ColumnName.letters(column))\(row)"
        case let .cell(nil, column, row): "line \(row), column \(ColumnName.letters(column))"
        }
    }
}

/// A payload that cannot be accepted, naming the input, the place and the reason.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name or URL the payload came from.
    public var origin: String
    public var place: InputPlace?
    public var reason: String

    public init(origin: String, place: InputPlace?, reason: String) {
        self.origin = origin
        self.place = place
        self.reason = reason
    }

    public var description: String {
        if let place { return "\(origin) \(place): \(reason)" }
        return "\(origin): \(reason)"
    }
}
