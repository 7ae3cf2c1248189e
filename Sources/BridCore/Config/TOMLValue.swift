/// A value read from a TOML document, with the 1-based line where it starts.
public struct TOMLValue: Sendable, Equatable {
    /// The kinds of value brid's TOML reader produces (dates and times are rejected).
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public let kind: Kind
    /// 1-based line where the value starts; for a table from `[header]` or `[[header]]`, the header's line.
    public let line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// How the kind is named in error messages ("a string", "an integer", …).
    public var kindDescription: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }

    public var string: String? {
        if case .string(let s) = kind { s } else { nil }
    }

    public var table: TOMLTable? {
        if case .table(let t) = kind { t } else { nil }
    }

    public var array: [TOMLValue]? {
        if case .array(let a) = kind { a } else { nil }
    }
}

/// One `key = value` of a table, in document order, with the line of its key.
public struct TOMLEntry: Sendable, Equatable {
    public let key: String
    /// 1-based line where the key first appears.
    public let line: Int
    public let value: TOMLValue

    public init(key: String, line: Int, value: TOMLValue) {
        self.key = key
        self.line = line
        self.value = value
    }
}

/// A TOML table: its entries keep document order so errors come out in reading order.
public struct TOMLTable: Sendable, Equatable {
    public let entries: [TOMLEntry]

    public init(entries: [TOMLEntry]) {
        self.entries = entries
    }

    public subscript(key: String) -> TOMLValue? {
        entry(key)?.value
    }

    public func entry(_ key: String) -> TOMLEntry? {
        entries.first { $0.key == key }
    }

    public var keys: [String] { entries.map(\.key) }
}
