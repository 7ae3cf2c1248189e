import BridCore
import Dispatch
import Foundation
import Synchronization

extension SQLiteStore {
    /// The SHA-256 of the last payload the source delivered that was accepted (stored or
    /// found unchanged), so a byte-identical payload is recognised without parsing it.
    public func lastPayloadDigest(source: String) throws -> String? {
        try reads.read { db in
            try db.prepare("SELECT last_payload_sha256 FROM sources WHERE id = ?").bind(.text(source)).firstRow { $0.text(0) } ?? nil
        }
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

    /// Records a failed check (a rejected payload, a fetch error, a drop folder that cannot
    /// be scanned) for status reporting; `count` is more than 1 when earlier failures could
    /// not be recorded (the store could not be written then).
    public func recordFailure(source: String, message: String, at now: Date, count: Int) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try db.prepare("""
                UPDATE sources SET last_check_at = ?1, last_error = ?2, last_error_at = ?1,
                    consecutive_failures = consecutive_failures + ?4 WHERE id = ?3
                """).bind(.integer(now.millisecondsSince1970), .text(message), .text(source), .integer(Int64(max(count, 1)))).run()
            try alerts.evaluateSource(source)
        }
    }

    /// Ingests a parsed payload in one transaction: a release with exactly the added,
    /// revised (and, when `recordRemovals`, removed) observations — or no release at all
    /// when the payload is byte-identical to the last one or changes no value.
    ///
    /// The payload is read one batch of series at a time (`Payload.forEachBatch`): each
    /// batch is compared with what is stored and its versions written before the next is
    /// read, so memory depends on the batch, not on the payload. The release row, whose
    /// counts are known only at the end, is written last under the id its versions were
    /// written with (see `ReleaseWriter` on foreign keys).
    ///
    /// Throws `InputError` when the payload conflicts with what is stored (a series fed
    /// by another source, a frequency that differs) or repeats an observation; nothing is
    /// written then.
    public func ingest(_ payload: some SeriesBatches, source: String, recordRemovals: Bool, sha256: String, at now: Date) throws -> PayloadOutcome {
        try alertingTransaction(at: now, bulk: true) { db, alerts in
            try ensureSource(source, at: now, in: db)
            let lastDigest = try db.prepare("SELECT last_payload_sha256 FROM sources WHERE id = ?").bind(.text(source)).firstRow { $0.text(0) } ?? nil
            if lastDigest == sha256 {
                try markAccepted(source: source, sha256: sha256, at: now, in: db)
                try alerts.evaluateSource(source)
                return .unchangedPayload
            }
            var release = try ReleaseWriter(db: db, path: path, source: source, at: now, collectTouched: alerts.policy.hasSeriesRules)
            defer { release.close() }
            return try ingestReleasing(payload, into: &release, alerts: &alerts, source: source, recordRemovals: recordRemovals,
                                       sha256: sha256, at: now) { try markAccepted(source: source, sha256: sha256, at: $0, in: db) }
        }
    }

    func ensureSource(_ source: String, at now: Date, in db: Connection) throws {
        try db.prepare("INSERT OR IGNORE INTO sources (id, created_at) VALUES (?, ?)")
            .bind(.text(source), .integer(now.millisecondsSince1970)).run()
    }

    func markAccepted(source: String, sha256: String, at now: Date, in db: Connection) throws {
        try db.prepare("""
            UPDATE sources SET last_payload_sha256 = ?1, last_check_at = ?2, last_success_at = ?2,
                consecutive_failures = 0 WHERE id = ?3
            """).bind(.text(sha256), .integer(now.millisecondsSince1970), .text(source)).run()
    }
}
