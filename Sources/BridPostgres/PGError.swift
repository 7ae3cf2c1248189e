/// A failure of the PostgreSQL client: what the server or libpq said, with the SQLSTATE
/// when the server gave one. Never holds the password: `PGConnection` removes it from every
/// message libpq hands back before one is made.
public struct PGError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made (wrong password, unreachable, no such database).
        case connect
        /// The connection broke (server restarted, backend terminated, network cut).
        case connectionLost
        /// The server refused a statement; `sqlState` says why.
        case statement
        /// Refused on this side before anything was sent (a NUL in a text, a statement
        /// prepared before a reset, a transaction inside a transaction).
        case usage
    }

    public let kind: Kind

    static let notPreparedReason = "was not prepared on this connection"
    /// A statement prepared on an earlier session of the connection (before a reset): the
    /// one `.usage` error that preparing it again mends.
    public var isNotPrepared: Bool { kind == .usage && message.hasSuffix(Self.notPreparedReason) }
    /// The five-character SQLSTATE (`23505` unique violation, `42P01` undefined table…), when
    /// the server sent one.
    public let sqlState: String?
    /// The message, on one line: the server's primary message, or libpq's own.
    public let message: String
    /// The server's DETAIL, if any.
    public let detail: String?
    /// The server's HINT, if any.
    public let hint: String?
    /// The server a connection was to be made to (`.connect`): host or socket folder, port,
    /// database and role, as libpq resolved them.
    public let server: PGConnection.Endpoint?
    /// The connection broke while a COMMIT was on its way: the transaction may or may not
    /// have been committed, and nothing here can tell. Never repeated by `PGConnection`;
    /// the caller learns what happened by reading the data again once the server is back.
    public let outcomeUnknown: Bool

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
                server: PGConnection.Endpoint? = nil, outcomeUnknown: Bool = false) {
        self.kind = kind
        self.server = server
        self.outcomeUnknown = outcomeUnknown
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }

    /// libpq's multi-line messages (`connection to server … failed: FATAL:  …\n\tIs the
    /// server running…`) as one line, the `FATAL:`/`ERROR:` prefixes and doubled spaces gone.
    static func oneLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { line -> String in
            var s = String(line).trimmingSpaces()
            for prefix in ["FATAL:", "ERROR:"] where s.hasPrefix(prefix) { s = String(s.dropFirst(prefix.count)).trimmingSpaces() }
            s = s.replacingOccurrences(of: "FATAL:  ", with: "").replacingOccurrences(of: "ERROR:  ", with: "")
            return s
        }
        return lines.filter { !$0.isEmpty }.joined(separator: "; ")
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }

    /// Every occurrence of `target` replaced (no Foundation here: brid must not link it).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
