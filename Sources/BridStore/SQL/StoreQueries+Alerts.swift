import BridCore
import Foundation

// Alerts, the outbox, deliveries and their retention, as both backends answer them. Reads
// run in the store's read snapshot; the writes here run on the store's write connection
// (SQLite: its one writer; PostgreSQL: a pooled connection), each in its own statement or
// in the transaction it opens.
extension StoreQueries {
    /// Firing alerts (acked ones included), or with `includeResolved` all; newest first.
    func alerts(includeResolved: Bool, rule: String?, series: Glob?, limit: Int) throws -> [StoredAlert] {
        var conditions: [String] = []
        if !includeResolved { conditions.append("state = 'firing'") }
        if rule != nil { conditions.append("rule = ?1") }
        var sql = AlertSQL.columns + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY id DESC"
        // Without a series filter the first `limit` rows are the answer: the database stops
        // there (PostgreSQL's adapter reads a result whole, so it must not be all alerts).
        let limitIndex: Int32 = rule == nil ? 1 : 2
        if series == nil { sql += " LIMIT ?\(limitIndex)" }
        let statement = try db.prepare(sql)
        statement.bind()
        if let rule { statement.bind(.text(rule), at: 1) }
        if series == nil { statement.bind(.integer(Int64(max(limit, 0))), at: limitIndex) }
        defer { statement.reset() }
        var result: [StoredAlert] = []
        while try statement.step() {
            let alert = AlertSQL.row(statement)
            if let series, !(alert.series.map(series.matches) ?? false) { continue }
            result.append(alert)
            if result.count >= limit { break }
        }
        return result
    }

    func alert(id: Int64) throws -> StoredAlert? {
        try AlertWriter.alert(id: id, in: StatementCache(db))
    }

    /// Firing counts by severity, acked count, the delivery backlog (in all and per notifier) and the last give-up.
    func alertStatistics() throws -> AlertStatistics {
        var statistics = AlertStatistics()
        let counts = try db.prepare("SELECT severity, count(*), count(acked_at) FROM alerts WHERE state = 'firing' GROUP BY severity")
            .rows { ($0.text(0) ?? "", Int($0.int(1)), Int($0.int(2))) }
        for (severity, count, acked) in counts {
            if let severity = Severity(rawValue: severity) { statistics.firing[severity] = count }
            statistics.acked += acked
        }
        let backlog = try db.prepare("SELECT notifier, count(*) FROM deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL GROUP BY notifier")
            .rows { ($0.text(0) ?? "", Int($0.int(1))) }
        statistics.backlogByNotifier = Dictionary(backlog) { $0 + $1 }
        statistics.backlog = backlog.reduce(0) { $0 + $1.1 }
        statistics.lastGiveUp = try db.prepare("""
            SELECT notifier, gave_up_at, last_error FROM deliveries WHERE gave_up_at IS NOT NULL ORDER BY gave_up_at DESC LIMIT 1
            """).firstRow { ($0.text(0) ?? "", Date(milliseconds: $0.int(1)), $0.text(2) ?? "") }
        return statistics
    }

    /// Firing alerts per rule.
    func firingCounts() throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try db.prepare("SELECT rule, count(*) FROM alerts WHERE state = 'firing' GROUP BY rule")
            .rows { ($0.text(0) ?? "", Int($0.int(1))) })
    }

    /// The firing alerts a notifier re-posts (Alertmanager): its filters applied, acked
    /// ones left out when it does not want them; oldest first.
    func firingAlerts(for notifier: NotifierConfig, policy: AlertPolicy) throws -> [StoredAlert] {
        try alerts(includeResolved: false, rule: nil, series: nil, limit: Int.max).filter { alert in
            policy.wants(notifier, rule: alert.rule, severity: alert.severity, event: .firing)
                && (notifier.notifyAcked || alert.ackedAt == nil)
        }.reversed()
    }

    // MARK: - Deliveries

    /// The notifier's undelivered notifications, oldest first.
    func pendingDeliveries(notifier: String, limit: Int) throws -> [PendingDelivery] {
        try db.prepare("""
            SELECT d.outbox_id, o.payload, d.attempts, o.created_at, d.next_attempt_at
            FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
            WHERE d.notifier = ? AND d.delivered_at IS NULL AND d.gave_up_at IS NULL
            ORDER BY d.outbox_id LIMIT ?
            """).bind(.text(notifier), .integer(Int64(limit))).rows { row -> PendingDelivery? in
                guard let notification = try? AlertNotification.decode(Array((row.text(1) ?? "").utf8)) else { return nil }
                return PendingDelivery(outboxID: row.int(0), notifier: notifier, notification: notification, attempts: Int(row.int(2)),
                                       createdAt: Date(milliseconds: row.int(3)), nextAttemptAt: Date(milliseconds: row.int(4)))
            }.compactMap { $0 }
    }

    func recordDelivered(outboxID: Int64, notifier: String, at now: Date) throws {
        try db.prepare("UPDATE deliveries SET delivered_at = ?, attempts = attempts + 1 WHERE outbox_id = ? AND notifier = ?")
            .bind(.integer(now.millisecondsSince1970), .integer(outboxID), .text(notifier)).run()
    }

    /// A failed attempt: retried at `retryAt`, or given up on when that is nil.
    func recordDeliveryFailure(outboxID: Int64, notifier: String, error: String, retryAt: Date?, at now: Date) throws {
        try db.prepare("""
            UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at), gave_up_at = ?
            WHERE outbox_id = ? AND notifier = ?
            """).bind(.text(error), .optional(retryAt?.millisecondsSince1970),
                      .optional(retryAt == nil ? now.millisecondsSince1970 : nil), .integer(outboxID), .text(notifier)).run()
    }

    /// Gives up the pending deliveries of notifiers no longer configured; how many.
    func abandonDeliveries(keeping notifiers: Set<String>, at now: Date) throws -> Int {
        let pending = try db.prepare("SELECT DISTINCT notifier FROM deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL")
            .rows { $0.text(0) ?? "" }
        var count = 0
        for notifier in pending where !notifiers.contains(notifier) {
            count += try db.prepare("""
                UPDATE deliveries SET gave_up_at = ?, last_error = 'notifier removed from the configuration'
                WHERE notifier = ? AND delivered_at IS NULL AND gave_up_at IS NULL RETURNING outbox_id
                """).bind(.integer(now.millisecondsSince1970), .text(notifier)).rows { _ in () }.count
        }
        return count
    }

    // MARK: - Retention

    /// Deletes one batch of finished notifications, in a transaction of its own: outbox rows
    /// created before `cutoff` whose every delivery was delivered or given up before
    /// `cutoff` (or that no notifier wanted), with those deliveries. A notification with a
    /// delivery still pending, or finished since `cutoff`, is kept whole; alerts, releases
    /// and observation versions are never touched. Returns how many outbox rows went
    /// (fewer than `limit`: nothing more to prune now).
    func pruneNotifications(before cutoff: Date, limit: Int) throws -> Int {
        try db.transaction {
            let ids = try db.prepare("""
                SELECT o.id FROM outbox o
                WHERE o.created_at < ?1 AND NOT EXISTS (
                    SELECT 1 FROM deliveries d WHERE d.outbox_id = o.id
                      AND coalesce(d.delivered_at, d.gave_up_at, ?1) >= ?1)
                ORDER BY o.created_at LIMIT ?2
                """).bind(.integer(cutoff.millisecondsSince1970), .integer(Int64(limit))).rows { $0.int(0) }
            let deleteDeliveries = try db.prepare("DELETE FROM deliveries WHERE outbox_id = ?")
            let deleteOutbox = try db.prepare("DELETE FROM outbox WHERE id = ?")
            for id in ids {
                try deleteDeliveries.bind(.integer(id)).run()
                try deleteOutbox.bind(.integer(id)).run()
            }
            return ids.count
        }
    }
}

/// Prunes in batches of `batch` (each its own call of `prune`, so the write is released
/// between batches) until nothing older than the cutoff is left; how many went.
func pruneInBatches(_ batch: Int, _ prune: (Int) throws -> Int) throws -> Int {
    var total = 0
    while true {
        let pruned = try prune(batch)
        total += pruned
        if pruned < batch { return total }
    }
}
