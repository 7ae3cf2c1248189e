import BridCore
import BridPostgres
import Foundation

/// Alert deliveries claimed by one instance of a cluster (columns `deliveries.claimed_by`
/// and `claimed_until` of `PGSchema`): a due delivery is sent by the instance that claimed
/// it, once while all instances live; a claim not finished within its lease (the claimer
/// died) is taken by another instance, which sends it again — at least once, never lost.
///
/// Per notifier, notifications go out in order as with one instance (a `resolved` never
/// before its `firing`): an instance claims only the due deliveries before the first one
/// that is not due yet or is claimed by another live instance, and claimers of one notifier
/// take turns (a transaction-scoped advisory lock), so the second sees the first's claims.
public enum PGDeliveryClaims {
    /// What a claim took, and when to look again.
    public struct Claim: Sendable, Equatable {
        /// The deliveries this instance now holds, oldest first (all due).
        public let claimed: [PendingDelivery]
        /// When the first delivery of this notifier after those claimed may become
        /// claimable (it is due, or another instance's claim of it ends); nil when there is
        /// none. At or before the time of the claim when more were due than `limit`.
        public let nextAt: Date?
        /// That first delivery not claimed, to list as when to look again (`mayBeSent`
        /// false, `nextAttemptAt` never before a second from now, so one skipped as busy is
        /// looked at again a moment later, not sent unclaimed); nil when there is none.
        public let waiting: PendingDelivery?
    }

    /// The advisory-lock class of delivery claims (the second key is the notifier's hash):
    /// one past the store's own space (`PostgresStore.lockSpace`), so no notifier's hash
    /// can meet the migrations' or releases' lock.
    static let lockClass = 0x6272_6965

    /// Claims up to `limit` due deliveries of `notifier` for `instance` until `lease` from
    /// now (the database's clock), including any it claimed before and has not finished.
    public static func claim(on connection: PGConnection, notifier: String, instance: String, lease: Duration,
                             limit: Int) throws -> Claim {
        let leaseMS = lease.wholeMilliseconds
        let now = PGCluster.nowMS
        return try connection.transaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock($1::integer, hashtext($2))", [String(lockClass), notifier])
            // A fresh snapshot after the lock: the previous claimer's claims are seen.
            let rows = try connection.query("""
                WITH t AS (SELECT \(now) AS now),
                blocker AS (
                    SELECT min(d.outbox_id) AS id FROM deliveries d, t
                    WHERE d.notifier = $1 AND d.delivered_at IS NULL AND d.gave_up_at IS NULL
                      AND (d.next_attempt_at > t.now OR (d.claimed_by IS DISTINCT FROM $2 AND d.claimed_until >= t.now))
                ),
                picked AS (
                    SELECT d.outbox_id FROM deliveries d, t, blocker
                    WHERE d.notifier = $1 AND d.delivered_at IS NULL AND d.gave_up_at IS NULL
                      AND d.next_attempt_at <= t.now
                      AND (d.claimed_until IS NULL OR d.claimed_until < t.now OR d.claimed_by = $2)
                      AND (blocker.id IS NULL OR d.outbox_id < blocker.id)
                    ORDER BY d.outbox_id LIMIT $4::integer
                    FOR UPDATE OF d SKIP LOCKED
                )
                UPDATE deliveries d SET claimed_by = $2, claimed_until = t.now + $3::bigint
                FROM picked, t, outbox o
                WHERE d.notifier = $1 AND d.outbox_id = picked.outbox_id AND o.id = d.outbox_id
                RETURNING d.outbox_id, o.payload, d.attempts, o.created_at, d.next_attempt_at
                """, [notifier, instance, String(leaseMS), String(limit)])
            // The first delivery after those now ours decides when to look again: the
            // ones behind it wait for it (in order).
            let next = try connection.query("""
                SELECT d.outbox_id, o.payload, d.attempts, o.created_at,
                       CASE WHEN d.claimed_by IS DISTINCT FROM $2 AND d.claimed_until >= t.now
                            THEN greatest(d.next_attempt_at, d.claimed_until + 1) ELSE d.next_attempt_at END,
                       t.now
                FROM deliveries d JOIN outbox o ON o.id = d.outbox_id, (SELECT \(now) AS now) t
                WHERE d.notifier = $1 AND d.delivered_at IS NULL AND d.gave_up_at IS NULL
                  AND NOT (d.claimed_by IS NOT DISTINCT FROM $2 AND d.claimed_until >= t.now)
                ORDER BY d.outbox_id LIMIT 1
                """, [notifier, instance]).rows.first
            let claimed = rows.rows.compactMap { pending($0, notifier: notifier) }.sorted { $0.outboxID < $1.outboxID }
            let nextAt = next.flatMap { Int64($0[4] ?? "") }
            let waiting = next.flatMap { row in
                pending(row, notifier: notifier, lookAgainAfter: Int64(row[5] ?? "").map { $0 + 1_000 })
            }
            return Claim(claimed: claimed, nextAt: nextAt.map(Date.init(milliseconds:)), waiting: waiting)
        }
    }

    /// A delivery from a row (outbox id, payload, attempts, created, next attempt); with
    /// `lookAgainAfter`, one listed only as when to look again, not before that time.
    private static func pending(_ row: [String?], notifier: String, lookAgainAfter: Int64? = nil) -> PendingDelivery? {
        guard let id = Int64(row[0] ?? ""),
              let notification = try? AlertNotification.decode(Array((row[1] ?? "").utf8)) else { return nil }
        let next = Int64(row[4] ?? "") ?? 0
        return PendingDelivery(outboxID: id, notifier: notifier, notification: notification, attempts: Int(row[2] ?? "") ?? 0,
                               createdAt: Date(milliseconds: Int64(row[3] ?? "") ?? 0),
                               nextAttemptAt: Date(milliseconds: lookAgainAfter.map { max(next, $0) } ?? next),
                               mayBeSent: lookAgainAfter == nil)
    }

    /// Extends `instance`'s claim of one delivery by `lease` from now; false when it is not
    /// (or no longer) this instance's to send: claimed by another, delivered, given up.
    public static func renew(on connection: PGConnection, outboxID: Int64, notifier: String, instance: String,
                             lease: Duration) throws -> Bool {
        let leaseMS = lease.wholeMilliseconds
        let now = PGCluster.nowMS
        return try !connection.query("""
            UPDATE deliveries SET claimed_until = \(now) + $4::bigint
            WHERE outbox_id = $1::bigint AND notifier = $2 AND claimed_by = $3
              AND delivered_at IS NULL AND gave_up_at IS NULL
            RETURNING 1
            """, [String(outboxID), notifier, instance, String(leaseMS)]).rows.isEmpty
    }

    /// A claimed delivery sent: recorded, and the claim ended.
    public static func delivered(on connection: PGConnection, outboxID: Int64, notifier: String, at now: Date) throws {
        try connection.query("""
            UPDATE deliveries SET delivered_at = $3::bigint, attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL
            WHERE outbox_id = $1::bigint AND notifier = $2
            """, [String(outboxID), notifier, String(now.millisecondsSince1970)])
    }

    /// A claimed delivery failed: retried at `retryAt` (by whichever instance claims it
    /// then), or given up on when that is nil; the claim ended.
    public static func failed(on connection: PGConnection, outboxID: Int64, notifier: String, error: String, retryAt: Date?,
                              at now: Date) throws {
        try connection.query("""
            UPDATE deliveries SET attempts = attempts + 1, last_error = $3, next_attempt_at = coalesce($4::bigint, next_attempt_at),
                gave_up_at = $5::bigint, claimed_by = NULL, claimed_until = NULL
            WHERE outbox_id = $1::bigint AND notifier = $2
            """, [String(outboxID), notifier, error, retryAt.map { String($0.millisecondsSince1970) },
                  retryAt == nil ? String(now.millisecondsSince1970) : nil])
    }
}
