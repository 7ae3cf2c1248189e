import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PGConnection {
    /// Runs one statement with `$1…` text parameters and hands its rows to `body` one at a
    /// time, read in place from libpq's result (no `String` is made unless `body` asks for
    /// one): for large results read once. Returns the number of rows.
    @discardableResult
    public func forEachRow(_ sql: String, _ parameters: [String?] = [], _ body: (PGRow) throws -> Void) throws -> Int {
        try withResult(sql, parameters) { rows in
            for index in 0..<rows.count { try body(rows[index]) }
            return rows.count
        }
    }

    /// Runs one statement with `$1…` text parameters and hands its whole result to `body`,
    /// read in place from libpq's memory (valid only inside the call): for a large result
    /// whose rows are visited more than once or out of order, such as the stored versions
    /// an ingest groups by series and compares as bytes. Sent as every statement is
    /// (`run`: a broken connection reset first, a NUL in a parameter refused). With
    /// `binary`, the columns come in their binary forms (the server formats no numbers):
    /// `int` reads `bigint`, `integer` and `smallint` columns, `bytes` a `text`'s bytes
    /// (the same as in text), `text` only `text` columns.
    public func withResult<T>(_ sql: String, _ parameters: [String?] = [], binary: Bool = false,
                              _ body: (PGResultRows) throws -> T) throws -> T {
        let result = try run(sql) { (conn) throws(PGError) -> OpaquePointer? in
            let result = try withParameters(parameters) { count, values in
                PQexecParams(conn, sql, count, nil, values, nil, nil, binary ? 1 : 0)
            }
            guard let result, PQresultStatus(result) == PGRES_TUPLES_OK else {
                try take(result, conn)  // throws the server's error (or returns for a statement without rows)
                return nil
            }
            return result
        }
        guard let result else { return try body(PGResultRows(result: nil, count: 0, binary: binary)) }
        defer { PQclear(result) }
        return try body(PGResultRows(result: result, count: Int(PQntuples(result)), binary: binary))
    }
}

/// A whole result's rows, valid only inside the `withResult` call that handed them out.
public struct PGResultRows {
    let result: OpaquePointer?
    /// How many rows.
    public let count: Int
    /// Whether the columns are in their binary forms.
    let binary: Bool

    init(result: OpaquePointer?, count: Int, binary: Bool = false) {
        self.result = result
        self.count = count
        self.binary = binary
    }

    /// Row `index` (0 ..< count).
    public subscript(index: Int) -> PGRow { PGRow(result: result!, row: Int32(index), binary: binary) }
}

/// One row of a result, valid only inside the `forEachRow` or `withResult` call that handed it out.
public struct PGRow {
    let result: OpaquePointer
    let row: Int32
    var binary = false

    /// Whether column `column` is NULL.
    public func isNull(_ column: Int32) -> Bool { PQgetisnull(result, row, column) == 1 }

    /// The column's text, nil for NULL.
    public func text(_ column: Int32) -> String? {
        isNull(column) ? nil : String(cString: PQgetvalue(result, row, column))
    }

    /// The column's bytes in place (valid while the row is), nil for NULL.
    public func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard !isNull(column), let value = PQgetvalue(result, row, column) else { return nil }
        return UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self),
                                   count: Int(PQgetlength(result, row, column)))
    }

    /// The column as an integer (0 for NULL or not a number), parsed without a `String`.
    public func int(_ column: Int32) -> Int64 {
        guard let bytes = bytes(column) else { return 0 }
        if binary {
            // Big-endian, of the column's width (8, 4 or 2 bytes): sign-extended.
            var value: UInt64 = 0
            for byte in bytes { value = value << 8 | UInt64(byte) }
            let unused = 64 - 8 * min(bytes.count, 8)
            return unused == 64 ? 0 : Int64(bitPattern: value << UInt64(unused)) >> Int64(unused)
        }
        var value: Int64 = 0
        var negative = false
        for byte in bytes {
            if byte == UInt8(ascii: "-") { negative = true; continue }
            value = value &* 10 &+ Int64(byte &- UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}
