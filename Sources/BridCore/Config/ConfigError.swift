/// One problem in a configuration file, placed as precisely as brid knows.
///
/// Rendered as `file:line[:column]: [context: ][key: ]message`, e.g.
/// `Config/brid.toml:14: [[source]] "wb-kaz-exports": every: invalid duration "6x" — …`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file as it was named to the parser.
    public let file: String
    /// 1-based line, when the problem has one.
    public let line: Int?
    /// 1-based column; only TOML syntax errors have one.
    public let column: Int?
    /// The section the problem is in, e.g. `[[source]] "wb-kaz-exports"` or `[daemon]`.
    public let context: String?
    /// The key the problem is about, e.g. `every` or `headers.Accept`.
    public let key: String?
    public let message: String

    public init(file: String, line: Int?, column: Int? = nil, context: String? = nil, key: String?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.context = context
        self.key = key
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let line, let column, line > 0 { place += ":\(column)" }
        var parts = [place]
        if let context { parts.append(context) }
        if let key { parts.append(key) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
