import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

// Why libpq and not postgres-nio (issue 11 allows either): libpq is a system library like
// SQLite and libcurl (no package to build, nothing more in Package.resolved), it gives
// COPY … FROM STDIN and prepared statements directly, and its blocking calls fit a daemon
// whose store work already runs on threads of its own (BlockingWork), where postgres-nio
// would bring a NIO event loop of its own into a process that has none.

/// One connection to a PostgreSQL server, through libpq's blocking API.
///
/// Not for concurrent use: one thread at a time (libpq's rule for a `PGconn`). The password
/// is given apart from the connection string, is never kept after connecting (libpq keeps
/// its copy for `reset()`), and is removed from every error message before it is thrown.
public final class PGConnection {
    /// The server's name as errors and `--check-store` show it: `host:port` or the socket
    /// folder and port, the database and the role.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public let host: String
        public let port: String
        public let database: String
        public let user: String

        public init(host: String, port: String, database: String, user: String) {
            self.host = host
            self.port = port
            self.database = database
            self.user = user
        }

        public var description: String { "\(host):\(port) database \(database) as \(user)" }
    }

    private var handle: OpaquePointer?
    /// Removed from every message libpq returns (it never should contain it; belt and braces).
    private let secrets: [String]
    /// Bumped by every reconnect (`reset()`, or the one a statement on a broken connection
    /// makes first): statements prepared on an earlier session are gone on the server.
    public private(set) var session = 0
    private var statementCount = 0
    /// Names of the statements prepared on the current session.
    private var prepared: Set<String> = []
    /// The connection broke while a transaction was open on it, which the server then
    /// rolled back. Until the caller says ROLLBACK (or resets), every statement is refused:
    /// the rest of that transaction must not run on a new session, outside any transaction.
    var lostTransaction = false

    /// Seconds of silence before TCP keepalive probes start (then every 5 s, 3 of them).
    public static let keepaliveIdleSeconds = 10
    /// How long sent data may stay unacknowledged before the connection is given up.
    public static let tcpUserTimeoutMilliseconds = 30_000

    /// Connects, or throws `PGError` of kind `.connect` with libpq's reason on one line.
    ///
    /// - Parameters:
    ///   - conninfo: a libpq URI (`postgresql://brid@db/brid?sslmode=verify-full`) or a
    ///     key=value string (`host=/run/postgresql dbname=brid`).
    ///   - password: given apart so it is never part of a string that is logged; it overrides
    ///     any password in `conninfo`. Nil: libpq's own (`PGPASSWORD`, `~/.pgpass`).
    ///   - connectTimeout: seconds; libpq's default is to wait for ever. `conninfo` may override it.
    public init(conninfo: String, password: String? = nil, applicationName: String = "brid",
                connectTimeout: Int = 10) throws(PGError) {
        secrets = password.map { [$0] } ?? []
        // Later entries override earlier ones, and `dbname` is expanded into the parameters
        // of the connection string where it stands: defaults before it, the password after.
        // TCP keepalives and a user timeout: a server cut off (packets dropped, not refused)
        // is found within about 30 s instead of the system's defaults (15 minutes for a
        // statement in flight, two hours for an idle wait) — then it is "unavailable".
        // Ignored on a Unix socket; `conninfo` may override each.
        var keywords = ["fallback_application_name", "connect_timeout", "client_encoding",
                        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname"]
        var values: [String] = [applicationName, String(connectTimeout), "UTF8",
                                "1", String(Self.keepaliveIdleSeconds), "5", "3", String(Self.tcpUserTimeoutMilliseconds), conninfo]
        if let password {
            keywords.append("password")
            values.append(password)
        }
        let conn = Self.withCStrings(keywords) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        handle = conn
        guard let conn else { throw PGError(kind: .connect, message: "out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let error = PGError(kind: .connect, message: scrub(PGError.oneLine(String(cString: PQerrorMessage(conn)))),
                                server: endpoint)
            PQfinish(conn)
            handle = nil
            throw error
        }
        // Notices (a table that already exists, …) would go to stderr: brid logs what it means to.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { close() }

    /// Closes the connection (again is fine).
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: State

    /// Whether the connection is usable as far as libpq knows (it learns of a broken one on
    /// the next statement).
    public var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether a transaction is open (or failed and not yet rolled back).
    public var inTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Connects again with the same parameters (password included). Statements prepared
    /// before are gone and must be prepared again.
    public func reset() throws(PGError) {
        let conn = try open()
        PQreset(conn)
        newSession()
        guard PQstatus(conn) == CONNECTION_OK else {
            throw PGError(kind: .connect, message: scrub(PGError.oneLine(String(cString: PQerrorMessage(conn)))))
        }
    }

    /// Checks that the server answers (`SELECT 1`). A connection found broken is reset and
    /// asked once more — safe, as the question changes nothing. Throws `.connectionLost`
    /// (`isUnavailable`) while the server cannot be reached.
    public func ping() throws(PGError) {
        do {
            try query("SELECT 1")
        } catch where error.kind == .connectionLost && !lostTransaction {
            try query("SELECT 1")
        }
    }

    /// The value libpq uses for one connection parameter (`keepalives_idle`), or nil for
    /// one not set; never the password (nil for it).
    public func option(_ keyword: String) -> String? {
        guard keyword != "password", let handle, let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var entry = options
        while let name = entry.pointee.keyword {
            if String(cString: name) == keyword { return entry.pointee.val.map { String(cString: $0) } }
            entry += 1
        }
        return nil
    }

    /// The server's version as a number (`150018` for 15.18).
    public var serverVersion: Int {
        handle.map { Int(PQserverVersion($0)) } ?? 0
    }

    /// Where this connection goes; a Unix socket shows as its folder.
    public var endpoint: Endpoint {
        func text(_ f: (OpaquePointer?) -> UnsafeMutablePointer<CChar>?) -> String {
            f(handle).map { String(cString: $0) } ?? ""
        }
        return Endpoint(host: text(PQhost), port: text(PQport), database: text(PQdb), user: text(PQuser))
    }

    // MARK: Statements

    /// Runs SQL without parameters: one statement or several separated by `;` (a migration).
    @discardableResult
    public func execute(_ sql: String) throws(PGError) -> PGRows {
        if let done = rolledBackAlready(sql) { return done }
        return try run(sql) { conn throws(PGError) in try take(PQexec(conn, sql), conn) }
    }

    /// Runs one statement with `$1…` parameters sent as text (nil is NULL); the server
    /// converts them to the column types.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PGError) -> PGRows {
        if let done = rolledBackAlready(sql) { return done }
        return try run(sql) { conn throws(PGError) in
            try withParameters(parameters) { (count, values) throws(PGError) in
                try take(PQexecParams(conn, sql, count, nil, values, nil, nil, 0), conn)
            }
        }
    }

    /// Prepares a statement on the server once, to run many times with `execute(_:_:)`.
    public func prepare(_ sql: String) throws(PGError) -> PGStatement {
        statementCount += 1
        let name = "brid_\(statementCount)"
        return try run(sql) { conn throws(PGError) in
            try take(PQprepare(conn, name, sql, 0, nil), conn)
            prepared.insert(name)
            return PGStatement(name: name, sql: sql, session: session)
        }
    }

    /// Runs a prepared statement with its parameters as text. A statement prepared before
    /// the connection was reset is prepared again on the new session first.
    @discardableResult
    public func execute(_ statement: PGStatement, _ parameters: [String?] = []) throws(PGError) -> PGRows {
        guard statement.name.hasPrefix("brid_"), Int(statement.name.dropFirst(5)).map({ $0 <= statementCount }) == true else {
            throw PGError(kind: .usage, message: "statement \(statement.name) \(PGError.notPreparedReason)")
        }
        return try run(statement.sql) { conn throws(PGError) in
            if !prepared.contains(statement.name) {
                try take(PQprepare(conn, statement.name, statement.sql, 0, nil), conn)
                prepared.insert(statement.name)
            }
            return try withParameters(parameters) { (count, values) throws(PGError) in
                try take(PQexecPrepared(conn, statement.name, count, values, nil, nil, 0), conn)
            }
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws
    /// (the error it threw is rethrown, not a failing rollback's).
    @discardableResult
    public func transaction<T>(_ body: (PGConnection) throws -> T) throws -> T {
        guard !inTransaction, !lostTransaction else { throw PGError(kind: .usage, message: "a transaction is already open on this connection") }
        try execute("BEGIN")
        let value: T
        do {
            value = try body(self)
        } catch {
            // A connection that broke inside: the server rolled back; nothing to send.
            if lostTransaction || isOpen { _ = try? execute("ROLLBACK") }
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            if lostTransaction { _ = try? execute("ROLLBACK") }
            throw error
        }
        return value
    }

    // MARK: Internals

    func open() throws(PGError) -> OpaquePointer {
        guard let handle else { throw PGError(kind: .usage, message: "the connection is closed") }
        return handle
    }

    /// The connection to send a statement on. One known to be broken (an earlier statement
    /// found it so) is reset first, once per statement; when that fails the statement is
    /// not sent and the error is `.connectionLost` (`isUnavailable`). A statement whose
    /// connection breaks while it runs is never sent again: it may have been carried out.
    func usable() throws(PGError) -> OpaquePointer {
        let conn = try open()
        if lostTransaction {
            throw PGError(kind: .connectionLost,
                          message: "the connection broke inside a transaction, which the server rolled back; end it with ROLLBACK")
        }
        guard PQstatus(conn) != CONNECTION_OK else { return conn }
        PQreset(conn)
        newSession()
        guard PQstatus(conn) == CONNECTION_OK else {
            let reason = scrub(PGError.oneLine(String(cString: PQerrorMessage(conn))))
            throw PGError(kind: .connectionLost, message: "the connection broke and connecting again failed: \(reason)")
        }
        return conn
    }

    private func newSession() {
        session += 1
        prepared.removeAll()
    }

    /// Sends one statement (`sql` is what it says, to recognise COMMIT and ROLLBACK) on a
    /// usable connection and says what a broken connection meant for it: inside a
    /// transaction, the transaction is gone (rolled back by the server); for a COMMIT,
    /// whether it was committed is unknown.
    func run<T>(_ sql: String, _ send: (OpaquePointer) throws(PGError) -> T) throws(PGError) -> T {
        let word = Self.transactionWord(sql)
        let conn = try usable()
        let wasInTransaction = inTransaction
        do {
            return try send(conn)
        } catch where error.kind == .connectionLost && wasInTransaction {
            throw brokeInTransaction(error, word)
        }
    }

    /// What a connection that broke inside a transaction means for the statement that found it so.
    func brokeInTransaction(_ error: PGError, _ word: TransactionWord) -> PGError {
        if word == .commit {
            return PGError(kind: .connectionLost, sqlState: error.sqlState,
                           message: "the connection broke while committing, so whether the transaction was committed is unknown: \(error.message)",
                           outcomeUnknown: true)
        }
        lostTransaction = word != .rollback
        return PGError(kind: .connectionLost, sqlState: error.sqlState,
                       message: "\(error.message) (the transaction open on the connection was rolled back by the server)")
    }

    /// A ROLLBACK of a transaction the server rolled back when the connection broke: done,
    /// nothing to send (and no reconnecting for it).
    private func rolledBackAlready(_ sql: String) -> PGRows? {
        guard lostTransaction, Self.transactionWord(sql) == .rollback else { return nil }
        lostTransaction = false
        return PGRows(columns: [], rows: [], command: "ROLLBACK", affected: nil)
    }

    enum TransactionWord { case commit, rollback, other }

    static func transactionWord(_ sql: String) -> TransactionWord {
        var text = sql.trimmingSpaces().uppercased()
        while text.hasSuffix(";") || text.hasSuffix(" ") || text.hasSuffix("\n") { text.removeLast() }
        switch text {
        case "COMMIT", "END", "COMMIT WORK", "COMMIT TRANSACTION", "END WORK", "END TRANSACTION": return .commit
        case "ROLLBACK", "ABORT", "ROLLBACK WORK", "ROLLBACK TRANSACTION", "ABORT WORK", "ABORT TRANSACTION": return .rollback
        default: return .other
        }
    }

    /// Turns a result into rows or an error, and frees it.
    @discardableResult
    func take(_ result: OpaquePointer?, _ conn: OpaquePointer) throws(PGError) -> PGRows {
        defer { PQclear(result) }
        guard let result else { throw connectionError(conn) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PGRows(columns: [], rows: [], command: String(cString: PQcmdStatus(result)),
                          affected: Int(String(cString: PQcmdTuples(result))))
        case PGRES_TUPLES_OK:
            return PGRows(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // End the COPY the server started, or every later statement on this connection
            // fails with "another command is already in progress".
            if PQresultStatus(result) == PGRES_COPY_IN {
                _ = PQputCopyEnd(conn, "COPY goes through copy(_:rows:)")
            }
            while let pending = PQgetResult(conn) { PQclear(pending) }
            throw PGError(kind: .usage, message: "COPY goes through copy(_:rows:)")
        default:
            throw error(from: result, conn)
        }
    }

    func error(from result: OpaquePointer, _ conn: OpaquePointer) -> PGError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { scrub(String(cString: $0)) }
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            return PGError(kind: .connectionLost, sqlState: field(clibpq_diag_sqlstate()),
                           message: scrub(PGError.oneLine(String(cString: PQerrorMessage(conn)))))
        }
        let message = field(clibpq_diag_message_primary()) ?? scrub(PGError.oneLine(String(cString: PQresultErrorMessage(result))))
        return PGError(kind: .statement, sqlState: field(clibpq_diag_sqlstate()), message: message,
                       detail: field(clibpq_diag_message_detail()), hint: field(clibpq_diag_message_hint()))
    }

    func connectionError(_ conn: OpaquePointer) -> PGError {
        let message = scrub(PGError.oneLine(String(cString: PQerrorMessage(conn))))
        return PGError(kind: PQstatus(conn) == CONNECTION_OK ? .statement : .connectionLost,
                       message: message.isEmpty ? "no result from the server" : message)
    }

    func scrub(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "<password>") }
    }

    /// The parameters as C strings for the duration of `body`; a NUL inside one is refused
    /// (PostgreSQL's text cannot hold it, and C would cut the value short there).
    func withParameters<T>(_ parameters: [String?],
                                   _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) throws(PGError) -> T) throws(PGError) -> T {
        if let index = parameters.firstIndex(where: { $0?.utf8.contains(0) == true }) {
            throw PGError(kind: .usage, message: "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot hold")
        }
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0)! } }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return try pointers.withUnsafeBufferPointer { (buffer) throws(PGError) -> T in
            try body(Int32(parameters.count), buffer.baseAddress)
        }
    }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
