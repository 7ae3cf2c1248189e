import BridCore
import Foundation

extension SQLiteStore {
    // MARK: - Policy and evaluation

    /// The rules and notifiers in force; set at start and on every reload. Firing alerts
    /// whose rule is gone (or no longer watches them) are resolved, with the reason.
    @discardableResult
    public func setAlertPolicy(_ policy: AlertPolicy, at now: Date) throws -> [AlertTransition] {
        self.policy.withLock { $0 = policy }
        return try alertingTransaction(at: now) { _, alerts in
            try alerts.resolveOrphans()
            return alerts.transitions
        }
    }

    public var alertPolicy: AlertPolicy { policy.withLock { $0 } }

    /// Called after every commit that changed an alert, with the transitions.
    public func observeAlerts(_ observer: @escaping @Sendable ([AlertTransition]) -> Void) {
        alertObserver.withLock { $0 = observer }
    }

    /// Evaluates `stale` and `fetch_failing` for every target: the timer's work.
    @discardableResult
    public func evaluateTimedRules(at now: Date) throws -> [AlertTransition] {
        guard alertPolicy.rules.contains(where: \.isTimed) else { return [] }
        return try alertingTransaction(at: now) { _, alerts in
            try alerts.evaluateTimed()
            return alerts.transitions
        }
    }

    /// When each rule was last evaluated (since this store was opened).
    public func lastRuleEvaluations() -> [String: Date] {
        ruleEvaluations.withLock { $0 }
    }

    /// One write transaction with an `AlertWriter` for it; the transitions it made are
    /// reported once committed.
    /// - Parameter bulk: the release writer's transaction, whose versions reference a series
    ///   and a release it wrote or read itself: foreign keys are not checked row by row
    ///   (SQLite would look both parents up for every version, and scan the versions for
    ///   the release row written last); every other write checks them.
    func alertingTransaction<T: Sendable>(at now: Date, bulk: Bool = false, _ body: @Sendable (Connection, inout AlertWriter) throws -> T) throws -> T {
        let (result, transitions, evaluated) = try writer.withLock { db in
            // Read under the write lock: a policy swapped by a reload applies to whole transactions.
            let policy = self.policy.withLock { $0 }
            // Only outside a transaction does this pragma take effect.
            if bulk { try db.execute("PRAGMA foreign_keys = OFF") }
            defer { if bulk { try? db.execute("PRAGMA foreign_keys = ON") } }
            return try db.transaction {
                var alerts = AlertWriter(db: db, policy: policy, now: now)
                let result = try body(db, &alerts)
                return (result, alerts.transitions, alerts.evaluatedRules)
            }
        }
        if !evaluated.isEmpty {
            ruleEvaluations.withLock { times in
                for rule in evaluated { times[rule] = now }
            }
        }
        if !transitions.isEmpty, let observer = alertObserver.withLock({ $0 }) { observer(transitions) }
        return result
    }

    // MARK: - Alerts

    /// Firing alerts (acked ones included), or with `includeResolved` all; newest first.
    public func alerts(includeResolved: Bool, rule: String?, series: Glob?, limit: Int) throws -> [StoredAlert] {
        try reads.read { db in
            var sql = AlertWriter.columns + " WHERE 1"
            if !includeResolved { sql += " AND state = 'firing'" }
            if rule != nil { sql += " AND rule = ?1" }
            sql += " ORDER BY id DESC"
            let statement = try db.prepare(sql)
            if let rule { statement.bind(.text(rule), at: 1) }
            var result: [StoredAlert] = []
            while try statement.step() {
                let alert = AlertWriter.row(statement)
                if let series, !(alert.series.map(series.matches) ?? false) { continue }
                result.append(alert)
                if result.count >= limit { break }
            }
            statement.reset()
            return result
        }
    }

    public func alert(id: Int64) throws -> StoredAlert? {
        try reads.read { db in try AlertWriter.alert(id: id, in: StatementCache(db)) }
    }

    /// Acknowledges a firing alert: nil when there is no such alert; `changed` is false when
    /// it was acked already. Throws when the alert is resolved.
    public func ack(alert id: Int64, comment: String?, at now: Date) throws -> (alert: StoredAlert, changed: Bool)? {
        try alertingTransaction(at: now) { _, alerts in
            guard let alert = try AlertWriter.alert(id: id, in: alerts.db) else { return nil }
            guard alert.state == .firing else {
                throw AlertStateError("alert \(id) is resolved (\(alert.resolveReason ?? "condition gone")); only firing alerts are acked")
            }
            let changed = try alerts.ack(alert, comment: comment)
            return (try AlertWriter.alert(id: id, in: alerts.db) ?? alert, changed)
        }
    }

    /// Firing counts by severity, acked count, the delivery backlog and the last give-up.
    public func alertStatistics() throws -> AlertStatistics {
        try reads.read { db in
            var statistics = AlertStatistics()
            let counts = try db.prepare("SELECT severity, count(*), sum(acked_at IS NOT NULL) FROM alerts WHERE state = 'firing' GROUP BY severity")
                .rows { ($0.text(0) ?? "", Int($0.int(1)), Int($0.int(2))) }
            for (severity, count, acked) in counts {
                if let severity = Severity(rawValue: severity) { statistics.firing[severity] = count }
                statistics.acked += acked
            }
            statistics.backlog = Int(try db.prepare("SELECT count(*) FROM deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL")
                .firstRow { $0.int(0) } ?? 0)
            statistics.lastGiveUp = try db.prepare("""
                SELECT notifier, gave_up_at, last_error FROM deliveries WHERE gave_up_at IS NOT NULL ORDER BY gave_up_at DESC LIMIT 1
                """).firstRow { ($0.text(0) ?? "", Date(milliseconds: $0.int(1)), $0.text(2) ?? "") }
            return statistics
        }
    }

    /// Firing alerts per rule.
    public func firingCounts() throws -> [String: Int] {
        try reads.read { db in
            Dictionary(uniqueKeysWithValues: try db.prepare("SELECT rule, count(*) FROM alerts WHERE state = 'firing' GROUP BY rule")
                .rows { ($0.text(0) ?? "", Int($0.int(1))) })
        }
    }

    // MARK: - Deliveries

    /// The notifier's undelivered notifications, oldest first.
    public func pendingDeliveries(notifier: String, limit: Int) throws -> [PendingDelivery] {
        try reads.read { db in
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
    }

    public func recordDelivered(outboxID: Int64, notifier: String, at now: Date) throws {
        try writer.withLock { db in
            try db.prepare("UPDATE deliveries SET delivered_at = ?, attempts = attempts + 1 WHERE outbox_id = ? AND notifier = ?")
                .bind(.integer(now.millisecondsSince1970), .integer(outboxID), .text(notifier)).run()
        }
    }

    /// A failed attempt: retried at `retryAt`, or given up on when that is nil.
    public func recordDeliveryFailure(outboxID: Int64, notifier: String, error: String, retryAt: Date?, at now: Date) throws {
        try writer.withLock { db in
            try db.prepare("""
                UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at), gave_up_at = ?
                WHERE outbox_id = ? AND notifier = ?
                """).bind(.text(error), .optional(retryAt?.millisecondsSince1970),
                          .optional(retryAt == nil ? now.millisecondsSince1970 : nil), .integer(outboxID), .text(notifier)).run()
        }
    }

    /// Gives up the pending deliveries of notifiers no longer configured.
    @discardableResult
    public func abandonDeliveries(keeping notifiers: Set<String>, at now: Date) throws -> Int {
        try writer.withLock { db in
            let pending = try db.prepare("SELECT DISTINCT notifier FROM deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL")
                .rows { $0.text(0) ?? "" }
            var count = 0
            for notifier in pending where !notifiers.contains(notifier) {
                try db.prepare("""
                    UPDATE deliveries SET gave_up_at = ?, last_error = 'notifier removed from the configuration'
                    WHERE notifier = ? AND delivered_at IS NULL AND gave_up_at IS NULL
                    """).bind(.integer(now.millisecondsSince1970), .text(notifier)).run()
                count += db.changes
            }
            return count
        }
    }

    /// The firing alerts a notifier re-posts (Alertmanager): its filters applied, acked
    /// ones left out when it does not want them.
    public func firingAlerts(for notifier: NotifierConfig) throws -> [StoredAlert] {
        let policy = alertPolicy
        return try alerts(limit: Int.max).filter { alert in
            policy.wants(notifier, rule: alert.rule, severity: alert.severity, event: .firing)
                && (notifier.notifyAcked || alert.ackedAt == nil)
        }.reversed()
    }
}

/// An alert that cannot take the change asked for.
public struct AlertStateError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
