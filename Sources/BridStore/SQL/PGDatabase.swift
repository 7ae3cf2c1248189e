import BridPostgres

/// A PostgreSQL connection as the shared store code sees it (`SQLDatabase`): the same SQL
/// as SQLite's, its placeholders translated (`?N` → `$N`, a bare `?` → the next `$k`),
/// values bound as text parameters whose types the server infers from where they stand.
///
/// Each SQL text is prepared on the server once per connection (a named statement) and
/// kept; `prepare` hands out a new `PGSQLStatement` over it, with bindings and rows of its
/// own, so two statements of one text can be used side by side. A statement reads its
/// whole result at its first step: for point queries and small lists; a reply of any
/// size streams through a server-side cursor instead (`PGCursorRows`).
///
/// Errors are the `PGError`s of the connection, unchanged: their SQLSTATE and kind (a
/// refused statement, a lost connection) say what happened.
final class PGDatabase: SQLDatabase {
    let connection: PGConnection
    private var prepared: [String: (statement: PGStatement, parameters: Int)] = [:]

    init(_ connection: PGConnection) {
        self.connection = connection
    }

    func prepare(_ sql: String) throws -> PGSQLStatement {
        PGSQLStatement(database: self, sql: sql, parameters: try serverStatement(for: sql).parameters)
    }

    func execute(_ sql: String) throws {
        try connection.execute(sql)
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction { _ in try body() }
    }

    /// How many SQL texts are prepared on the server (tests).
    var preparedCount: Int { prepared.count }

    private func serverStatement(for sql: String) throws -> (statement: PGStatement, parameters: Int) {
        if let known = prepared[sql] { return known }
        let translated = Self.translate(sql)
        let statement = (try connection.prepare(translated.sql), translated.parameters)
        prepared[sql] = statement
        return statement
    }

    /// Runs a prepared text with `parameters`; its rows read whole.
    fileprivate func run(_ sql: String, _ parameters: [String?]) throws -> [[String?]] {
        // A statement of an earlier session (before a reset) is prepared again by the
        // connection itself.
        try connection.execute(try serverStatement(for: sql).statement, parameters).rows
    }

    // MARK: Placeholders

    /// SQLite's placeholders as PostgreSQL's: `?N` becomes `$N`; a bare `?` becomes `$k`,
    /// one more than the largest number so far (SQLite's rule). Nothing inside a string
    /// literal, a quoted identifier or a comment is touched. Returns the SQL and how many
    /// parameters it takes (the largest number).
    static func translate(_ sql: String) -> (sql: String, parameters: Int) {
        translate(sql, inlining: nil)
    }

    /// SQLite's placeholders replaced by `values` as string literals (`E'…'`, a quote or
    /// backslash escaped; NULL for nil or a placeholder past the values): for a statement
    /// sent in one simple-query string with others (`PGCursorRows`). An untyped literal
    /// takes its type from where it stands, as an untyped text parameter does.
    static func inline(_ sql: String, _ values: [SQLValue]) -> String {
        translate(sql, inlining: values.map(parameter)).sql
    }

    /// A text as a string literal whatever `standard_conforming_strings` says.
    static func literal(_ text: String?) -> String {
        guard let text else { return "NULL" }
        var out = "E'"
        for scalar in text.unicodeScalars {
            if scalar == "'" || scalar == "\\" { out.unicodeScalars.append(scalar) }
            out.unicodeScalars.append(scalar)
        }
        return out + "'"
    }

    private static func translate(_ sql: String, inlining values: [String?]?) -> (sql: String, parameters: Int) {
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var largest = 0
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // To the closing quote; a doubled quote inside is two quotes and goes on.
                var j = i + 1
                while j < bytes.count, bytes[j] != b { j += 1 }
                let end = min(j + 1, bytes.count)
                out += bytes[i..<end]
                i = end
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                var j = i
                while j < bytes.count, bytes[j] != UInt8(ascii: "\n") { j += 1 }
                out += bytes[i..<j]
                i = j
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                var j = i + 2
                while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) { j += 1 }
                let end = min(j + 2, bytes.count)
                out += bytes[i..<end]
                i = end
            case UInt8(ascii: "?"):
                var j = i + 1
                while j < bytes.count, isDigit(bytes[j]) { j += 1 }
                let number: Int
                if j > i + 1, let n = Int(String(decoding: bytes[(i + 1)..<j], as: UTF8.self)) {
                    number = n
                } else {
                    number = largest + 1
                }
                largest = max(largest, number)
                if let values {
                    out += literal(number <= values.count ? values[number - 1] : nil).utf8
                } else {
                    out.append(UInt8(ascii: "$"))
                    out += String(number).utf8
                }
                i = j
            default:
                out.append(b)
                i += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), largest)
    }

    /// A bound value as a text parameter (nil is NULL).
    static func parameter(_ value: SQLValue) -> String? {
        switch value {
        case .null: nil
        case let .integer(n): String(n)
        case let .real(x): x.isFinite ? String(x) : (x.isNaN ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"))
        case let .text(s): s
        }
    }
}

extension SQLDatabase {
    /// Whether this is PostgreSQL, for the few queries that take another shape there
    /// (where a round trip per row would cost what a step costs in SQLite's process).
    static var isPostgreSQL: Bool { Self.self == PGDatabase.self }
}

/// One use of a statement prepared on a PostgreSQL connection (see `PGDatabase`), or the
/// rows of a server-side cursor's fetch (`PGCursorRows`): columns read from the text the
/// server sent.
final class PGSQLStatement: SQLStatement {
    private let database: PGDatabase?
    private let sql: String
    private var parameters: [String?]
    /// The rows of the last run; nil before the first step (the next step runs it).
    private var result: [[String?]]?
    private var position = -1

    fileprivate init(database: PGDatabase, sql: String, parameters count: Int) {
        self.database = database
        self.sql = sql
        parameters = Array(repeating: nil, count: count)
    }

    /// A holder of rows fetched elsewhere (a cursor's batch): `load` gives it rows.
    init() {
        database = nil
        sql = ""
        parameters = []
    }

    /// The rows to step through next (a holder's).
    func load(_ rows: [[String?]]) {
        result = rows
        position = -1
    }

    @discardableResult
    func bind(_ values: SQLValue...) -> PGSQLStatement {
        reset()
        for i in parameters.indices { parameters[i] = nil }
        for (i, value) in values.enumerated() { bind(value, at: Int32(i + 1)) }
        return self
    }

    func bind(_ value: SQLValue, at index: Int32) {
        let i = Int(index) - 1
        guard i >= 0 else { return }
        // A value past the statement's last placeholder: PostgreSQL then refuses the count,
        // as SQLite refuses the index.
        while parameters.count <= i { parameters.append(nil) }
        parameters[i] = PGDatabase.parameter(value)
    }

    func step() throws -> Bool {
        if result == nil {
            guard let database else { return false }
            result = try database.run(sql, parameters)
            position = -1
        }
        position += 1
        if position < result!.count { return true }
        // Stepping on after the end runs the statement again, as SQLite does.
        if database != nil { result = nil }
        return false
    }

    func reset() {
        if database != nil { result = nil }
        position = -1
    }

    private func value(_ column: Int32) -> String? {
        guard let result, position >= 0, position < result.count else { return nil }
        let row = result[position]
        let c = Int(column)
        return c >= 0 && c < row.count ? row[c] : nil
    }

    func int(_ column: Int32) -> Int64 {
        guard let text = value(column) else { return 0 }
        if let n = Int64(text) { return n }
        switch text {
        case "t": return 1
        case "f": return 0
        default: return Double(text).map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 } ?? 0
        }
    }

    func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }

    func text(_ column: Int32) -> String? { value(column) }

    func isNull(_ column: Int32) -> Bool { value(column) == nil }
}
