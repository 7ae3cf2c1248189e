import CLibPQ

extension PGConnection {
    /// Runs `COPY table (columns) FROM STDIN` (text format) and sends what `body` writes,
    /// in 64 KiB messages. Returns the rows the server took. When `body` throws, the COPY is
    /// aborted (nothing of it stays) and its error is rethrown.
    @discardableResult
    public func copy(_ sql: String, rows body: (inout PGCopyWriter) throws -> Void) throws -> Int {
        let conn = try usable()
        let wasInTransaction = inTransaction
        do {
            return try copy(conn, sql, rows: body)
        } catch let error as PGError where error.kind == .connectionLost && wasInTransaction {
            throw brokeInTransaction(error, .other)
        }
    }

    private func copy(_ conn: OpaquePointer, _ sql: String, rows body: (inout PGCopyWriter) throws -> Void) throws -> Int {
        let start = PQexec(conn, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            try take(start, conn)  // the server's error, or a statement that was no COPY … FROM STDIN
            throw PGError(kind: .usage, message: "not a COPY … FROM STDIN statement: \(sql)")
        }
        PQclear(start)
        var writer = PGCopyWriter(conn: conn, connection: self)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            _ = PQputCopyEnd(conn, "aborted by brid")
            drainResults(conn)
            throw error
        }
        guard PQputCopyEnd(conn, nil) == 1 else {
            drainResults(conn)
            throw connectionError(conn)
        }
        // The COPY's own result, then nil.
        guard let end = PQgetResult(conn) else { throw connectionError(conn) }
        defer { drainResults(conn) }
        return try take(end, conn).affected ?? writer.rows
    }

    private func drainResults(_ conn: OpaquePointer) {
        while let result = PQgetResult(conn) { PQclear(result) }
    }
}

/// Writes the rows of one `COPY … FROM STDIN` in PostgreSQL's text format (tab between
/// fields, `\N` for NULL, backslash escapes), buffered.
public struct PGCopyWriter: ~Copyable {
    private let conn: OpaquePointer
    private let connection: PGConnection
    private var buffer: [UInt8] = []
    /// Rows written so far.
    public private(set) var rows = 0
    /// Fields written of the row being written with `field`.
    private var fieldCount = 0
    private static let flushAt = 64 << 10

    init(conn: OpaquePointer, connection: PGConnection) {
        self.conn = conn
        self.connection = connection
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    /// One row: its fields in the COPY's column order, nil for NULL.
    public mutating func append(_ fields: [String?]) throws(PGError) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            try appendEscaped(field, column: index)
        }
        buffer.append(UInt8(ascii: "\n"))
        rows += 1
        if buffer.count >= Self.flushAt { try flush() }
    }

    /// One row field by field, without an array per row: `field` for each column in the
    /// COPY's order, then `endRow()`.
    public mutating func field(_ text: String?) throws(PGError) {
        if fieldCount > 0 { buffer.append(UInt8(ascii: "\t")) }
        if let text {
            try appendEscaped(text, column: fieldCount)
        } else {
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
        }
        fieldCount += 1
    }

    /// An integer field.
    public mutating func field(_ number: Int64) {
        if fieldCount > 0 { buffer.append(UInt8(ascii: "\t")) }
        buffer.append(contentsOf: String(number).utf8)
        fieldCount += 1
    }

    /// Ends the row begun with `field`.
    public mutating func endRow() throws(PGError) {
        buffer.append(UInt8(ascii: "\n"))
        fieldCount = 0
        rows += 1
        if buffer.count >= Self.flushAt { try flush() }
    }

    private mutating func appendEscaped(_ field: String, column: Int) throws(PGError) {
        do {
            for byte in field.utf8 {
                switch byte {
                case 0:
                    throw PGError(kind: .usage, message: "COPY row \(rows + 1), field \(column + 1) contains a NUL character, which PostgreSQL text cannot hold")
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
                default: buffer.append(byte)
                }
            }
        }
    }

    /// Sends what is buffered (blocking: libpq waits until the socket takes it).
    mutating func flush() throws(PGError) {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else { throw connection.connectionError(conn) }
        buffer.removeAll(keepingCapacity: true)
    }
}
