/// A database connection as the store code both backends share sees it: statements
/// prepared from SQL that SQLite and PostgreSQL both accept (`?N` and `?` placeholders,
/// `LIMIT ?`, `INSERT … ON CONFLICT DO NOTHING`, `RETURNING`, `CAST(? AS TEXT)` where a
/// placeholder's type cannot be inferred), run in transactions the caller opens.
///
/// Implemented by the SQLite `Connection` and by `PGDatabase` over a `PGConnection`. The
/// shared code is generic over it (`StoreQueries<DB>`, `AlertWriter<DB>`, `SeriesHistory`,
/// `RowStream<DB, Row>`), so each backend gets a specialised copy: a row costs a direct
/// call on SQLite, never a dynamic dispatch.
///
/// Not thread-safe, as the connections are not: one user at a time.
protocol SQLDatabase: AnyObject {
    associatedtype Statement: SQLStatement
    /// A statement to bind and step (SQLite prepares it; PostgreSQL prepares it on the
    /// server once per connection and hands out a fresh cursor over it).
    func prepare(_ sql: String) throws -> Statement
    /// Runs SQL without parameters and without rows (`BEGIN`, a migration).
    func execute(_ sql: String) throws
    /// Runs `body` in a write transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T
}

/// A prepared statement: values bound by position (1-based, as `?N`), rows stepped, columns
/// read by position (0-based).
protocol SQLStatement: AnyObject {
    /// Resets the statement, clears every binding and binds `values` to `?1`, `?2`, ….
    @discardableResult
    func bind(_ values: SQLValue...) -> Self
    /// Binds one value, keeping the others (reset first when the statement was stepped).
    func bind(_ value: SQLValue, at index: Int32)
    /// Steps once: true while there is a row (the statement runs at the first step).
    func step() throws -> Bool
    /// Back to before the first step, the bindings kept.
    func reset()
    /// An integer column; 0 for NULL. PostgreSQL's booleans read as 1 and 0.
    func int(_ column: Int32) -> Int64
    func optionalInt(_ column: Int32) -> Int64?
    /// A text column; nil for NULL.
    func text(_ column: Int32) -> String?
    func isNull(_ column: Int32) -> Bool
}

extension SQLStatement {
    /// Binds an array of values (`bind(_:)` takes a variadic list).
    @discardableResult
    func bind(all values: [SQLValue]) -> Self {
        bind()
        for (i, value) in values.enumerated() { bind(value, at: Int32(i + 1)) }
        return self
    }

    /// Runs a statement that returns no rows (or whose rows are not wanted).
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    /// Every row, mapped.
    func rows<T>(_ map: (Self) throws -> T) throws -> [T] {
        defer { reset() }
        var result: [T] = []
        while try step() { result.append(try map(self)) }
        return result
    }

    /// The first row, mapped; nil when there is none.
    func firstRow<T>(_ map: (Self) throws -> T) throws -> T? {
        defer { reset() }
        return try step() ? map(self) : nil
    }
}

/// A value bound to a statement.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    static func optional(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
    static func optional(_ n: Int64?) -> SQLValue { n.map { .integer($0) } ?? .null }
}

/// Prepared statements kept for the length of one piece of work (an alert evaluation
/// prepares the same few statements for every series and period it looks at).
final class StatementCache<DB: SQLDatabase>: SQLDatabase {
    let db: DB
    private var statements: [String: DB.Statement] = [:]

    init(_ db: DB) { self.db = db }

    func prepare(_ sql: String) throws -> DB.Statement {
        if let statement = statements[sql] { return statement }
        let statement = try db.prepare(sql)
        statements[sql] = statement
        return statement
    }

    func execute(_ sql: String) throws { try db.execute(sql) }

    func transaction<T>(_ body: () throws -> T) throws -> T { try db.transaction(body) }
}
