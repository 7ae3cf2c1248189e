import Synchronization

/// How many cursors are open in this process (tests check that a reply stream that ends,
/// fails or loses its client closes its cursor).
public enum StoreCursors {
    static let count = Atomic<Int>(0)
    public static var open: Int { count.load(ordering: .relaxed) }
}

/// The rows of one query, read in batches on a read-only connection of its own inside one
/// read transaction (one snapshot), so a reply can stream a result of any size without
/// holding it, and without holding the store's shared read connection between batches.
///
/// Not thread-safe: one user at a time (the control server asks for one batch at a time).
/// `close()` (or deinit) ends the read transaction and closes the connection.
public final class StoreCursor<Row> {
    /// Turns the current SQL row into zero or more rows; returns false to stop early.
    typealias Produce = (Statement, inout [Row]) throws -> Bool

    private var connection: Connection?
    private var statement: Statement?
    private let produce: Produce
    private let finish: ((inout [Row]) -> Void)?
    public private(set) var isFinished = false

    convenience init(path: String, sql: String, binds: [SQLValue], produce: @escaping Produce, finish: ((inout [Row]) -> Void)? = nil) throws {
        try self.init(path: path, sql: sql, binds: binds, making: { _ in produce }, finish: finish)
    }

    /// A cursor whose rows need more statements on its connection: `making` prepares them.
    init(path: String, sql: String, binds: [SQLValue], making: (Connection) throws -> Produce, finish: ((inout [Row]) -> Void)? = nil) throws {
        let connection = try Connection.reader(path: path, cacheKiB: 8_192)
        try connection.execute("BEGIN DEFERRED")
        let statement = try connection.prepare(sql)
        sqlite3ResetAndBind(statement, binds)
        self.connection = connection
        self.statement = statement
        self.produce = try making(connection)
        self.finish = finish
        StoreCursors.count.add(1, ordering: .relaxed)
    }

    /// A cursor over rows already known (a query answered without SQL).
    init(rows: [Row]) {
        produce = { _, _ in false }
        var pending = rows
        finish = { $0 += pending; pending = [] }
        StoreCursors.count.add(1, ordering: .relaxed)
    }

    deinit { close() }

    /// Up to about `maxRows` rows; an empty array once the query is exhausted.
    public func next(_ maxRows: Int) throws -> [Row] {
        var rows: [Row] = []
        guard !isFinished else { return rows }
        guard let statement else {
            finishUp(&rows)
            return rows
        }
        do {
            while rows.count < maxRows {
                guard try statement.step(), try produce(statement, &rows) else {
                    finishUp(&rows)
                    break
                }
            }
        } catch {
            close()
            throw error
        }
        return rows
    }

    private func finishUp(_ rows: inout [Row]) {
        finish?(&rows)
        close()
    }

    /// Ends the read transaction and frees the connection; later `next` calls return nothing.
    public func close() {
        guard !isFinished else { return }
        isFinished = true
        statement = nil
        connection = nil
        StoreCursors.count.subtract(1, ordering: .relaxed)
    }
}

/// Binds an array of values (Statement.bind takes a variadic list).
func sqlite3ResetAndBind(_ statement: Statement, _ values: [SQLValue]) {
    statement.bind()
    for (i, value) in values.enumerated() { statement.bind(value, at: Int32(i + 1)) }
}
