import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// How the rows of a `COPY … FROM STDIN` are sent: PostgreSQL's text format, or its binary
/// one (`WITH (FORMAT binary)` in the statement), which the server reads without parsing
/// numbers or escapes — each field then in its column's binary form: `field(_: Int64)` for
/// `bigint`, `field(int32:)` for `integer`, `field(_: String?)` for `text`.
public enum PGCopyFormat: Sendable {
    case text, binary
}

extension PGConnection {
    /// Runs `COPY table (columns) FROM STDIN` and sends what `body` writes, in 64 KiB
    /// messages, in `format` (which must be the statement's). Returns the rows the server
    /// took. When `body` throws, the COPY is aborted (nothing of it stays) and its error is
    /// rethrown.
    @discardableResult
    public func copy(_ sql: String, format: PGCopyFormat = .text, rows body: (inout PGCopyWriter) throws -> Void) throws -> Int {
        let conn = try usable()
        let wasInTransaction = inTransaction
        do {
            return try copy(conn, sql, format: format, rows: body)
        } catch let error as PGError where error.kind == .connectionLost && wasInTransaction {
            throw brokeInTransaction(error, .other)
        }
    }

    private func copy(_ conn: OpaquePointer, _ sql: String, format: PGCopyFormat, rows body: (inout PGCopyWriter) throws -> Void) throws -> Int {
        let start = PQexec(conn, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            try take(start, conn)  // the server's error, or a statement that was no COPY … FROM STDIN
            throw PGError(kind: .usage, message: "not a COPY … FROM STDIN statement: \(sql)")
        }
        let binary = PQbinaryTuples(start) == 1
        PQclear(start)
        guard binary == (format == .binary) else {
            _ = PQputCopyEnd(conn, "brid: COPY format mismatch")
            drainResults(conn)
            throw PGError(kind: .usage, message: "the COPY statement's format is not the one written (\(format)): \(sql)")
        }
        var writer = PGCopyWriter(conn: conn, connection: self, format: format)
        do {
            try body(&writer)
            try writer.finish()
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

/// Writes the rows of one `COPY … FROM STDIN`, buffered: in PostgreSQL's text format (tab
/// between fields, `\N` for NULL, backslash escapes) or its binary one (a header, then per
/// row a field count and each field's length and bytes, -1 for NULL; a trailer).
public struct PGCopyWriter: ~Copyable {
    private let conn: OpaquePointer
    private let connection: PGConnection
    private let binary: Bool
    private var buffer: [UInt8] = []
    /// Rows written so far.
    public private(set) var rows = 0
    /// Fields written of the row being written with `field`.
    private var fieldCount = 0
    /// Binary format: where the row being written begins (its field count, set by `endRow`).
    private var rowStart = 0
    private static let flushAt = 64 << 10

    init(conn: OpaquePointer, connection: PGConnection, format: PGCopyFormat) {
        self.conn = conn
        self.connection = connection
        binary = format == .binary
        buffer.reserveCapacity(Self.flushAt + 4096)
        if binary {
            // The signature, flags (no OIDs) and the header extension's length (none).
            buffer.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
            buffer.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    /// One row: its fields (texts) in the COPY's column order, nil for NULL.
    public mutating func append(_ fields: [String?]) throws(PGError) {
        for field in fields { try self.field(field) }
        try endRow()
    }

    /// One row field by field, without an array per row: `field` for each column in the
    /// COPY's order, then `endRow()`. A text field (nil for NULL).
    public mutating func field(_ text: String?) throws(PGError) {
        beginField()
        if let text {
            if binary {
                let lengthAt = buffer.count
                appendBigEndian(UInt32(0))
                try appendChecked(text, column: fieldCount)
                setLength(at: lengthAt)
            } else {
                try appendEscaped(text, column: fieldCount)
            }
        } else if binary {
            appendBigEndian(UInt32(bitPattern: -1))
        } else {
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
        }
        fieldCount += 1
    }

    /// A text field given as its UTF-8 bytes, without a `String` for it (binary format only;
    /// bytes holding NUL, which PostgreSQL's text cannot hold, are refused).
    public mutating func field(utf8 bytes: [UInt8]) throws(PGError) {
        precondition(binary, "field(utf8:) is for binary COPY")
        if let error = bytes.withUnsafeBufferPointer({ nulError($0, column: fieldCount) }) { throw error }
        beginField()
        appendBigEndian(UInt32(bytes.count))
        buffer.append(contentsOf: bytes)
        fieldCount += 1
    }

    /// A `bigint` field.
    public mutating func field(_ number: Int64) {
        beginField()
        if binary {
            appendBigEndian(UInt32(8))
            appendBigEndian(UInt64(bitPattern: number))
        } else {
            appendDecimal(number)
        }
        fieldCount += 1
    }

    /// An `integer` field.
    public mutating func field(int32 number: Int32) {
        beginField()
        if binary {
            appendBigEndian(UInt32(4))
            appendBigEndian(UInt32(bitPattern: number))
        } else {
            appendDecimal(Int64(number))
        }
        fieldCount += 1
    }

    /// Ends the row begun with `field`.
    public mutating func endRow() throws(PGError) {
        if binary {
            if fieldCount == 0 { beginField() }
            buffer[rowStart] = UInt8(truncatingIfNeeded: fieldCount >> 8)
            buffer[rowStart + 1] = UInt8(truncatingIfNeeded: fieldCount)
        } else {
            buffer.append(UInt8(ascii: "\n"))
        }
        fieldCount = 0
        rows += 1
        if buffer.count >= Self.flushAt { try flush() }
    }

    /// Before a field: the separator (text), or the row's field count to come (binary).
    @inline(__always)
    private mutating func beginField() {
        if binary {
            if fieldCount == 0 {
                rowStart = buffer.count
                buffer.append(0)
                buffer.append(0)
            }
        } else if fieldCount > 0 {
            buffer.append(UInt8(ascii: "\t"))
        }
    }

    @inline(__always)
    private mutating func appendBigEndian(_ value: UInt32) {
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    private mutating func appendBigEndian(_ value: UInt64) {
        appendBigEndian(UInt32(truncatingIfNeeded: value >> 32))
        appendBigEndian(UInt32(truncatingIfNeeded: value))
    }

    /// The length of the field whose 4-byte length is at `lengthAt` and whose bytes follow to the end.
    private mutating func setLength(at lengthAt: Int) {
        let length = UInt32(buffer.count - lengthAt - 4)
        buffer[lengthAt] = UInt8(truncatingIfNeeded: length >> 24)
        buffer[lengthAt + 1] = UInt8(truncatingIfNeeded: length >> 16)
        buffer[lengthAt + 2] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[lengthAt + 3] = UInt8(truncatingIfNeeded: length)
    }

    /// A number in decimal digits (text format), without a `String` for it.
    private mutating func appendDecimal(_ number: Int64) {
        if number < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { bytes in
            var n = 0
            repeat {
                bytes[19 - n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude > 0
            return n
        }
        withUnsafeBytes(of: &digits) { buffer.append(contentsOf: $0[(20 - count)...]) }
    }

    /// A text as it is (binary format): PostgreSQL's text cannot hold NUL.
    private mutating func appendChecked(_ field: String, column: Int) throws(PGError) {
        var field = field
        if let error = field.withUTF8({ nulError($0, column: column) }) { throw error }
        field.withUTF8 { buffer.append(contentsOf: $0) }
    }

    /// The error for a text field holding NUL, which PostgreSQL's text cannot hold; nil
    /// when it holds none.
    private func nulError(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) -> PGError? {
        guard bytes.count > 0, memchr(bytes.baseAddress!, 0, bytes.count) != nil else { return nil }
        return PGError(kind: .usage, message: "COPY row \(rows + 1), field \(column + 1) contains a NUL character, which PostgreSQL text cannot hold")
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

    /// After the last row: the trailer (binary format), and everything sent.
    mutating func finish() throws(PGError) {
        if binary {
            buffer.append(0xFF)
            buffer.append(0xFF)
        }
        try flush()
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
