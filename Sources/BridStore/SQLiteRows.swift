/// A cursor's rows read from SQLite: one statement stepped on a read-only connection of
/// its own, inside one read transaction (one snapshot).
final class SQLiteRows<Row>: StoreRowSource {
    private var connection: Connection?
    private var statement: Statement?
    private let produce: RowStream<Connection, Row>.Produce?
    private let finish: ((inout [Row]) -> Void)?

    init(path: String, stream: RowStream<Connection, Row>) throws {
        let connection = try Connection.reader(path: path, cacheKiB: 8_192)
        try connection.execute("BEGIN DEFERRED")
        self.connection = connection
        self.finish = stream.finish
        if let (binds, produce) = try stream.start(connection) {
            let statement = try connection.prepare(stream.sql)
            statement.bind(all: binds)
            self.statement = statement
            self.produce = produce
        } else {
            self.produce = nil
        }
    }

    func next(_ maxRows: Int, into rows: inout [Row]) throws -> Bool {
        guard let statement, let produce else { return false }
        while rows.count < maxRows {
            guard try statement.step(), try produce(statement, &rows) else {
                finish?(&rows)
                self.statement = nil
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
    /// A cursor over a stream on the SQLite database at `path`.
    convenience init(path: String, stream: RowStream<Connection, Row>) throws {
        self.init(try SQLiteRows(path: path, stream: stream))
    }
}
