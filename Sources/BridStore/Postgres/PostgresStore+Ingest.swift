import BridCore
import BridPostgres
import Foundation

extension PostgresStore {
    /// Ingests a parsed payload in one transaction: a release with exactly the added,
    /// revised (and, when `recordRemovals`, removed) observations — or no release at all
    /// when the payload is byte-identical to the last one or changes no value. The same
    /// semantics as `SQLiteStore.ingest`; how it is written: `PGReleaseWriter`.
    ///
    /// No payload makes two releases whatever the timing across instances: the source's
    /// row is locked (`FOR UPDATE`) first and its last digest read under that lock, so a
    /// second ingest of the same payload waits for the first, then finds it accepted.
    ///
    /// Throws `InputError` when the payload conflicts with what is stored (a series fed
    /// by another source, a frequency that differs), and `SourceHeldElsewhere` when another
    /// instance holds the source's lease now; nothing is written then.
    public func ingest(_ payload: some SeriesBatches, source: String, recordRemovals: Bool, sha256: String, at now: Date) throws -> PayloadOutcome {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            let lastDigest = try db.query("SELECT last_payload_sha256 FROM sources WHERE id = $1 FOR UPDATE", [source]).scalar
            // A lease this instance lost since it fetched: the holder's payloads win.
            if let holder = try db.query("""
                SELECT instance FROM source_leases WHERE source_id = $1 AND instance <> $2 AND expires_at > \(PGCluster.nowMS)
                """, [source, instance]).scalar {
                throw SourceHeldElsewhere(source: source, holder: holder)
            }
            if lastDigest == sha256 {
                try markAccepted(source: source, sha256: sha256, at: now, in: db)
                try alerts.evaluateSource(source)
                return .unchangedPayload
            }
            var release = try PGReleaseWriter(db: db, source: source, at: now, collectTouched: alerts.policy.hasSeriesRules)
            return try ingestReleasing(payload, into: &release, alerts: &alerts, source: source, recordRemovals: recordRemovals,
                                       sha256: sha256, at: now) { try markAccepted(source: source, sha256: sha256, at: $0, in: db) }
        }
    }
}
