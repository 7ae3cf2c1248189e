/// A cursor's rows read from SQLite: one statement stepped on a read-only connection of
/// its own, inside one read transaction (one snapshot).
final class SQLiteRows<Row>: StoreRowSource {
    /// Turns the current SQL row into zero or more rows; returns false to stop early.
    typealias Produce = (Statement, inout [Row]) throws -> Bool

    private var connection: Connection?
    private var statement: Statement?
    private let produce: Produce
    private let finish: ((inout [Row]) -> Void)?

    /// `making` prepares the statements the rows need on the cursor's connection.
    init(path: String, sql: String, binds: [SQLValue], making: (Connection) throws -> Produce, finish: ((inout [Row]) -> Void)?) throws {
        let connection = try Connection.reader(path: path, cacheKiB: 8_192)
        try connection.execute("BEGIN DEFERRED")
        let statement = try connection.prepare(sql)
        sqlite3ResetAndBind(statement, binds)
        self.connection = connection
        self.statement = statement
        self.produce = try making(connection)
        self.finish = finish
    }

    func next(_ maxRows: Int, into rows: inout [Row]) throws -> Bool {
        guard let statement else { return false }
        while rows.count < maxRows {
            guard try statement.step(), try produce(statement, &rows) else {
                finish?(&rows)
                return false
            }
        }
        return true
    }

    func close() {
        statement = nil
        connection = nil
    }
}

extension StoreCursor {
    /// A cursor over an SQL query on the database at `path`.
    convenience init(path: String, sql: String, binds: [SQLValue], produce: @escaping SQLiteRows<Row>.Produce, finish: ((inout [Row]) -> Void)? = nil) throws {
        try self.init(path: path, sql: sql, binds: binds, making: { _ in produce }, finish: finish)
    }

    /// A cursor whose rows need more statements on its connection: `making` prepares them.
    convenience init(path: String, sql: String, binds: [SQLValue], making: (Connection) throws -> SQLiteRows<Row>.Produce, finish: ((inout [Row]) -> Void)? = nil) throws {
        self.init(try SQLiteRows(path: path, sql: sql, binds: binds, making: making, finish: finish))
    }
}

/// Binds an array of values (Statement.bind takes a variadic list).
func sqlite3ResetAndBind(_ statement: Statement, _ values: [SQLValue]) {
    statement.bind()
    for (i, value) in values.enumerated() { statement.bind(value, at: Int32(i + 1)) }
}
