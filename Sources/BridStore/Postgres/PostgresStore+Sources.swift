import BridCore
import BridPostgres
import Foundation

extension PostgresStore {
    /// The state of every source the store has seen.
    public func sourceStates() throws -> [SourceState] {
        try reads.read { db in try db.query("\(SQLiteStore.sourceColumns) ORDER BY id").rows.map(Self.sourceRow) }
    }

    /// The state of one source, or nil if it never ran.
    public func sourceState(_ id: String) throws -> SourceState? {
        try reads.read { db in try db.query("\(SQLiteStore.sourceColumns) WHERE id = $1", [id]).rows.first.map(Self.sourceRow) }
    }

    /// Records when the source is due next.
    public func recordNextDue(source: String, at due: Date, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET next_due_at = $1 WHERE id = $2", String(due.millisecondsSince1970))
    }

    /// Records the validators of the payload just accepted, for conditional requests.
    public func recordValidators(source: String, etag: String?, lastModified: String?, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET etag = $1, last_modified = $2 WHERE id = $3", etag, lastModified)
    }

    /// Forgets the validators and SHA-256 of the source's last payload (its settings changed).
    public func forgetLastPayload(source: String, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET etag = NULL, last_modified = NULL, last_payload_sha256 = NULL WHERE id = $1")
    }

    /// Records a check answered "not modified" (HTTP 304): a success without a payload.
    public func recordNotModified(source: String, at now: Date) throws {
        try recordSuccessWithoutPayload(source: source, at: now)
    }

    /// Records a successful check that brought no payload: the source's failures end.
    public func recordSuccessWithoutPayload(source: String, at now: Date) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try db.query("UPDATE sources SET last_check_at = $1, last_success_at = $1, consecutive_failures = 0 WHERE id = $2",
                         [String(now.millisecondsSince1970), source])
            try alerts.evaluateSource(source)  // a success resolves fetch_failing
        }
    }

    /// Pauses or resumes a source (kept across restarts).
    public func setPaused(source: String, _ paused: Bool, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET paused = $1 WHERE id = $2", paused ? "1" : "0")
    }

    /// The SHA-256 of the last payload the source delivered that was accepted.
    public func lastPayloadDigest(source: String) throws -> String? {
        try reads.read { db in try db.query("SELECT last_payload_sha256 FROM sources WHERE id = $1", [source]).scalar }
    }

    /// Records that the source's payload was byte-identical to its last one: no release,
    /// only the check time.
    public func recordUnchangedPayload(source: String, sha256: String, at now: Date) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try markAccepted(source: source, sha256: sha256, at: now, in: db)
            try alerts.evaluateSource(source)
        }
    }

    /// Records `count` failed checks (a rejected payload, a fetch error, …) for status.
    public func recordFailure(source: String, message: String, at now: Date, count: Int) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try db.query("""
                UPDATE sources SET last_check_at = $1, last_error = $2, last_error_at = $1,
                    consecutive_failures = consecutive_failures + $4 WHERE id = $3
                """, [String(now.millisecondsSince1970), message, source, String(max(count, 1))])
            try alerts.evaluateSource(source)
        }
    }

    private func updateSource(_ source: String, now: Date, sql: String, _ values: String?...) throws {
        try write { db in
            try ensureSource(source, at: now, in: db)
            try db.query(sql, values + [source])
        }
    }

    func ensureSource(_ source: String, at now: Date, in db: PGConnection) throws {
        try db.query("INSERT INTO sources (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                     [source, String(now.millisecondsSince1970)])
    }

    func markAccepted(source: String, sha256: String, at now: Date, in db: PGConnection) throws {
        try db.query("""
            UPDATE sources SET last_payload_sha256 = $1, last_check_at = $2, last_success_at = $2,
                consecutive_failures = 0 WHERE id = $3
            """, [sha256, String(now.millisecondsSince1970), source])
    }

    static func sourceRow(_ row: [String?]) -> SourceState {
        func date(_ column: Int) -> Date? { row[column].flatMap { Int64($0) }.map { Date(milliseconds: $0) } }
        return SourceState(id: row[0] ?? "", lastCheckAt: date(1), lastSuccessAt: date(2), lastError: row[3],
                           lastErrorAt: date(4), consecutiveFailures: Int(row[5] ?? "") ?? 0, nextDueAt: date(6),
                           etag: row[7], lastModified: row[8], paused: row[9] == "1")
    }
}
