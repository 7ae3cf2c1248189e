import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PGConnection {
    /// Runs one statement with `$1…` text parameters and hands its rows to `body` one at a
    /// time, read in place from libpq's result (no `String` is made unless `body` asks for
    /// one): for large results read once, such as the stored versions an ingest compares.
    /// Returns the number of rows.
    @discardableResult
    public func forEachRow(_ sql: String, _ parameters: [String?] = [], _ body: (PGRow) throws -> Void) throws -> Int {
        let conn = try open()
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0)! } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { buffer in
            PQexecParams(conn, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result, PQresultStatus(result) == PGRES_TUPLES_OK else {
            try take(result, conn)  // throws the server's error (or returns for a statement without rows)
            return 0
        }
        defer { PQclear(result) }
        let count = PQntuples(result)
        for row in 0..<count {
            try body(PGRow(result: result, row: row))
        }
        return Int(count)
    }
}

extension PGConnection {
    /// Runs one statement with `$1…` text parameters and hands its whole result to `body`,
    /// read in place from libpq's memory (valid only inside the call): for a large result
    /// whose rows are visited more than once or out of order, such as the stored versions
    /// an ingest groups by series and compares as bytes.
    public func withResult<T>(_ sql: String, _ parameters: [String?] = [], _ body: (PGResultRows) throws -> T) throws -> T {
        let conn = try open()
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0)! } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { buffer in
            PQexecParams(conn, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result, PQresultStatus(result) == PGRES_TUPLES_OK else {
            try take(result, conn)  // throws the server's error (or returns for a statement without rows)
            return try body(PGResultRows(result: nil, count: 0))
        }
        defer { PQclear(result) }
        return try body(PGResultRows(result: result, count: Int(PQntuples(result))))
    }
}

/// A whole result's rows, valid only inside the `withResult` call that handed them out.
public struct PGResultRows {
    let result: OpaquePointer?
    /// How many rows.
    public let count: Int

    /// Row `index` (0 ..< count).
    public subscript(index: Int) -> PGRow { PGRow(result: result!, row: Int32(index)) }
}

/// One row of a result, valid only inside the `forEachRow` call that handed it out.
public struct PGRow {
    let result: OpaquePointer
    let row: Int32

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
        var value: Int64 = 0
        var negative = false
        for byte in bytes {
            if byte == UInt8(ascii: "-") { negative = true; continue }
            value = value &* 10 &+ Int64(byte &- UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}
