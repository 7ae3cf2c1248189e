import BridCore
import Foundation

/// What the store knows of a source between runs: its checks, failures, schedule and
/// HTTP validators. Kept in the `sources` table so a restart resumes where it was.
public struct SourceState: Sendable, Equatable, Codable {
    public let id: String
    public let lastCheckAt: Date?
    public let lastSuccessAt: Date?
    public let lastError: String?
    public let lastErrorAt: Date?
    public let consecutiveFailures: Int
    public let nextDueAt: Date?
    public let etag: String?
    public let lastModified: String?
    public let paused: Bool
}

extension SQLiteStore {
    /// The state of every source the store has seen.
    public func sourceStates() throws -> [SourceState] {
        try reads.read { db in
            try db.prepare("\(SQLiteStore.sourceColumns) ORDER BY id").rows(SQLiteStore.sourceRow)
        }
    }

    /// The state of one source, or nil if it never ran.
    public func sourceState(_ id: String) throws -> SourceState? {
        try reads.read { db in
            try db.prepare("\(SQLiteStore.sourceColumns) WHERE id = ?").bind(.text(id)).firstRow(SQLiteStore.sourceRow)
        }
    }

    /// Records when the source is due next.
    public func recordNextDue(source: String, at due: Date, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET next_due_at = ? WHERE id = ?", .integer(due.millisecondsSince1970))
    }

    /// Records the validators of the payload just accepted, for conditional requests.
    public func recordValidators(source: String, etag: String?, lastModified: String?, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET etag = ?, last_modified = ? WHERE id = ?", .optional(etag), .optional(lastModified))
    }

    /// Forgets the validators and SHA-256 of the source's last payload (its settings changed).
    public func forgetLastPayload(source: String, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET etag = NULL, last_modified = NULL, last_payload_sha256 = NULL WHERE id = ?")
    }

    /// Records a check answered "not modified" (HTTP 304): a success without a payload.
    public func recordNotModified(source: String, at now: Date) throws {
        try recordSuccessWithoutPayload(source: source, at: now)
    }

    /// Records a successful check that brought no payload (an HTTP 304, a drop folder that
    /// scans again after failing): the source's failures end.
    public func recordSuccessWithoutPayload(source: String, at now: Date) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try db.prepare("UPDATE sources SET last_check_at = ?1, last_success_at = ?1, consecutive_failures = 0 WHERE id = ?2")
                .bind(.integer(now.millisecondsSince1970), .text(source)).run()
            try alerts.evaluateSource(source)  // a success resolves fetch_failing
        }
    }

    /// Pauses or resumes a source (kept across restarts).
    public func setPaused(source: String, _ paused: Bool, now: Date) throws {
        try updateSource(source, now: now, sql: "UPDATE sources SET paused = ? WHERE id = ?", .integer(paused ? 1 : 0))
    }

    private func updateSource(_ source: String, now: Date, sql: String, _ values: SQLValue...) throws {
        try writer.withLock { db in
            try db.transaction {
                try ensureSource(source, at: now, in: db)
                let statement = try db.prepare(sql)
                statement.reset()
                for (i, value) in (values + [.text(source)]).enumerated() { statement.bind(value, at: Int32(i + 1)) }
                try statement.run()
            }
        }
    }

    static let sourceColumns = """
        SELECT id, last_check_at, last_success_at, last_error, last_error_at, consecutive_failures,
               next_due_at, etag, last_modified, paused FROM sources
        """

    static func sourceRow(_ row: Statement) -> SourceState {
        func date(_ column: Int32) -> Date? { row.optionalInt(column).map { Date(milliseconds: $0) } }
        return SourceState(id: row.text(0) ?? "", lastCheckAt: date(1), lastSuccessAt: date(2), lastError: row.text(3),
                           lastErrorAt: date(4), consecutiveFailures: Int(row.int(5)), nextDueAt: date(6),
                           etag: row.text(7), lastModified: row.text(8), paused: row.int(9) != 0)
    }
}

extension SourceState {
    /// The state of a source the store has no row for yet.
    public static func unseen(_ id: String) -> SourceState {
        SourceState(id: id, lastCheckAt: nil, lastSuccessAt: nil, lastError: nil, lastErrorAt: nil, consecutiveFailures: 0,
                    nextDueAt: nil, etag: nil, lastModified: nil, paused: false)
    }

    /// The state with failed checks on top that the store could not record (it could not be written).
    public func adding(failures count: Int, lastError: String, at date: Date) -> SourceState {
        SourceState(id: id, lastCheckAt: max(lastCheckAt ?? date, date), lastSuccessAt: lastSuccessAt, lastError: lastError,
                    lastErrorAt: date, consecutiveFailures: consecutiveFailures + count, nextDueAt: nextDueAt, etag: etag,
                    lastModified: lastModified, paused: paused)
    }
}
