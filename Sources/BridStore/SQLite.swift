import CSQLite

/// A failure of the database itself (not of the input): disk full, corruption, a bug.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// The database cannot be reached now (see StoreAvailability.swift); set by `unavailable(_:)`.
    public internal(set) var isUnavailable = false
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The store was closed (brid is stopping).
    static let closed = StoreError("the database is closed")
}

/// One SQLite connection. Not thread-safe: the `SQLiteStore` guards each connection with a lock.
final class Connection {
    let handle: OpaquePointer
    /// How long a statement waits for a lock another connection holds.
    static let busyTimeoutMilliseconds: Int32 = 5_000
    /// False once `close()` ran: every later use throws instead of touching a freed handle.
    private(set) var isOpen = true

    /// Set once, before the first connection opens SQLite.
    private static let configured: Bool = {
        _ = csqlite_disable_memory_statistics()
        return true
    }()

    init(path: String, readOnly: Bool = false) throws(StoreError) {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError("cannot open database \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, Self.busyTimeoutMilliseconds)
    }

    deinit { if isOpen { sqlite3_close_v2(handle) } }

    /// A read-only connection for queries (`query_only`), with a page cache of `cacheKiB`.
    static func reader(path: String, cacheKiB: Int) throws(StoreError) -> Connection {
        let connection = try Connection(path: path, readOnly: true)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -\(cacheKiB);")
        return connection
    }

    /// Closes the connection now. Returns false when statements of it are still alive: it is
    /// then closed when the last of them is finalized (`sqlite3_close_v2`).
    @discardableResult
    func close() -> Bool {
        guard isOpen else { return true }
        isOpen = false
        if sqlite3_close(handle) == SQLITE_OK { return true }
        sqlite3_close_v2(handle)
        return false
    }

    func execute(_ sql: String) throws(StoreError) {
        guard isOpen else { throw StoreError.closed }
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw StoreError("SQL failed: \(message)")
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> Statement {
        guard isOpen else { throw StoreError.closed }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
            throw StoreError("cannot prepare SQL (\(lastError)): \(sql)")
        }
        return Statement(handle: statement, connection: self)
    }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` in a read transaction so that all its queries see one snapshot.
    func snapshot<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        defer { try? execute("COMMIT") }
        return try body()
    }
}

/// A prepared statement with typed binds and column reads.
final class Statement {
    let handle: OpaquePointer
    unowned let connection: Connection

    init(handle: OpaquePointer, connection: Connection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    @discardableResult
    func bind(_ values: SQLValue...) -> Statement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() { bind(value, at: Int32(i + 1)) }
        return self
    }

    func bind(_ value: SQLValue, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case let .integer(n): sqlite3_bind_int64(handle, index, n)
        case let .real(x): sqlite3_bind_double(handle, index, x)
        case let .text(s): bindText(s, at: index)
        }
    }

    @inline(__always)
    func bindText(_ s: String, at index: Int32) {
        var s = s
        s.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    _ = sqlite3_bind_text(handle, index, base, Int32(chars.count), csqlite_transient())
                } else {
                    // An empty string still needs a non-null pointer, or SQLite stores NULL.
                    _ = "".withCString { sqlite3_bind_text(handle, index, $0, 0, csqlite_transient()) }
                }
            }
        }
    }

    @inline(__always)
    func bindInt(_ n: Int64, at index: Int32) { sqlite3_bind_int64(handle, index, n) }

    @inline(__always)
    func bindNull(at index: Int32) { sqlite3_bind_null(handle, index) }

    @inline(__always)
    func reset() { sqlite3_reset(handle) }

    /// Steps once: true while there is a row.
    @inline(__always)
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = connection.lastError
            sqlite3_reset(handle)
            throw StoreError("SQL step failed: \(message) in \(String(cString: sqlite3_sql(handle)))")
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        while try step() {}
        sqlite3_reset(handle)
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// A text column's bytes in place (nil for NULL), valid until the next step or reset:
    /// for comparisons that need no `String`.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }
}

extension Connection: SQLDatabase {}

extension Statement: SQLStatement {}
