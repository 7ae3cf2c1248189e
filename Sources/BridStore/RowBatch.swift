import CSQLite

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

/// A release's added and revised versions (a value or none, a status or none), several to a
/// statement as `RowBatch` does, their texts copied into one buffer and bound from it
/// without a copy by SQLite (a version's columns are a few dozen bytes).
final class VersionBatch {
    private let single: Statement
    private let multiple: Statement
    private var series: [Int64] = []
    private var bytes: [UInt8] = []
    /// Per row: where its period, value and status are in `bytes` (count -1 for none).
    private var spans: [(period: Int, periodCount: Int, value: Int, valueCount: Int, status: Int, statusCount: Int)] = []

    init(_ db: Connection, release: Int64) throws(StoreError) {
        let insert = "INSERT INTO observation_versions (series_id, period, release_id, value, removed, status) VALUES"
        let row = "(?, ?, \(release), ?, 0, ?)"
        single = try db.prepare(insert + " " + row)
        multiple = try db.prepare(insert + " " + repeatElement(row, count: RowBatch.rowsPerStatement).joined(separator: ", "))
        series.reserveCapacity(RowBatch.rowsPerStatement)
        spans.reserveCapacity(RowBatch.rowsPerStatement)
        bytes.reserveCapacity(RowBatch.rowsPerStatement * 32)
    }

    func add(series id: Int64, period: String, value: String?, status: String? = nil) throws(StoreError) {
        let periodStart = bytes.count
        bytes.append(contentsOf: period.utf8)
        let valueStart = bytes.count
        if let value { bytes.append(contentsOf: value.utf8) }
        let statusStart = bytes.count
        if let status { bytes.append(contentsOf: status.utf8) }
        series.append(id)
        spans.append((periodStart, valueStart - periodStart, valueStart, value == nil ? -1 : statusStart - valueStart,
                      statusStart, status == nil ? -1 : bytes.count - statusStart))
        if series.count == RowBatch.rowsPerStatement {
            try run(multiple, rows: 0..<series.count)
            clear()
        }
    }

    /// Writes the rows gathered so far, one statement each.
    func flush() throws(StoreError) {
        for row in series.indices { try run(single, rows: row..<row + 1) }
        clear()
    }

    private func clear() {
        series.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Binds rows `rows` (their texts straight from `bytes`, which does not change until
    /// the step is done) and steps once.
    private func run(_ statement: Statement, rows: Range<Int>) throws(StoreError) {
        let handle = statement.handle
        let rc: Int32 = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                let base = chars.baseAddress!  // never empty: a period has at least one byte
                for (i, row) in rows.enumerated() {
                    let column = Int32(i * 4)
                    let span = spans[row]
                    sqlite3_bind_int64(handle, column + 1, series[row])
                    sqlite3_bind_text(handle, column + 2, base + span.period, Int32(span.periodCount), nil)
                    if span.valueCount < 0 {
                        sqlite3_bind_null(handle, column + 3)
                    } else {
                        sqlite3_bind_text(handle, column + 3, base + span.value, Int32(span.valueCount), nil)
                    }
                    if span.statusCount < 0 {
                        sqlite3_bind_null(handle, column + 4)
                    } else {
                        sqlite3_bind_text(handle, column + 4, base + span.status, Int32(span.statusCount), nil)
                    }
                }
                return sqlite3_step(handle)
            }
        }
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE else {
            throw StoreError("SQL step failed: \(statement.connection.lastError) in \(String(cString: sqlite3_sql(handle)))")
        }
    }
}
