/// Rows for one table, inserted several to a statement (a multi-row `VALUES`): each
/// execution of an INSERT costs its own start and end in SQLite (the statement's journal,
/// its cursors opened and closed), a microsecond or more — as much as the row itself for a
/// series, its summary or its release contents. Rows are written when a statement's worth
/// is gathered and at `flush()`, which the writer calls before anything reads them.
final class RowBatch {
    private let single: Statement
    private let multiple: Statement
    private let columns: Int
    private var values: [SQLValue] = []
    /// Rows per multi-row statement.
    static let rowsPerStatement = 64

    /// - Parameter insert: the statement up to `VALUES` (`INSERT INTO t (a, b) VALUES`).
    init(_ db: Connection, insert: String, columns: Int) throws(StoreError) {
        self.columns = columns
        let row = "(" + repeatElement("?", count: columns).joined(separator: ", ") + ")"
        single = try db.prepare(insert + " " + row)
        multiple = try db.prepare(insert + " " + repeatElement(row, count: Self.rowsPerStatement).joined(separator: ", "))
        values.reserveCapacity(columns * Self.rowsPerStatement)
    }

    /// Adds one row (`columns` values); writes a statement's worth when gathered.
    func add(_ row: SQLValue...) throws(StoreError) {
        values.append(contentsOf: row)
        if values.count == columns * Self.rowsPerStatement {
            try run(multiple, from: 0, count: values.count)
            values.removeAll(keepingCapacity: true)
        }
    }

    /// Writes the rows gathered so far, one statement each.
    func flush() throws(StoreError) {
        var start = 0
        while start < values.count {
            try run(single, from: start, count: columns)
            start += columns
        }
        values.removeAll(keepingCapacity: true)
    }

    private func run(_ statement: Statement, from start: Int, count: Int) throws(StoreError) {
        for i in 0..<count { statement.bind(values[start + i], at: Int32(i + 1)) }
        try statement.run()
    }
}
