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
    func alertingTransaction<T: Sendable>(at now: Date, bulk: Bool = false, _ body: @Sendable (Connection, inout AlertWriter<Connection>) throws -> T) throws -> T {
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

    // MARK: - Alerts (the queries both backends share: `StoreQueries`)

    public func alerts(includeResolved: Bool, rule: String?, series: Glob?, limit: Int) throws -> [StoredAlert] {
        try reads.read { try StoreQueries($0).alerts(includeResolved: includeResolved, rule: rule, series: series, limit: limit) }
    }

    public func alert(id: Int64) throws -> StoredAlert? {
        try reads.read { try StoreQueries($0).alert(id: id) }
    }

    /// Acknowledges a firing alert: nil when there is no such alert; `changed` is false when
    /// it was acked already. Throws when the alert is resolved.
    public func ack(alert id: Int64, comment: String?, at now: Date) throws -> (alert: StoredAlert, changed: Bool)? {
        try alertingTransaction(at: now) { _, alerts in try alerts.ack(alert: id, comment: comment) }
    }

    public func alertStatistics() throws -> AlertStatistics {
        try reads.read { try StoreQueries($0).alertStatistics() }
    }

    public func firingCounts() throws -> [String: Int] {
        try reads.read { try StoreQueries($0).firingCounts() }
    }

    // MARK: - Deliveries

    public func pendingDeliveries(notifier: String, limit: Int) throws -> [PendingDelivery] {
        try reads.read { try StoreQueries($0).pendingDeliveries(notifier: notifier, limit: limit) }
    }

    /// One instance sends every delivery of an SQLite store.
    public func renewDeliveryClaim(outboxID: Int64, notifier: String) throws -> Bool { true }

    public func recordDelivered(outboxID: Int64, notifier: String, at now: Date) throws {
        try writer.withLock { try StoreQueries($0).recordDelivered(outboxID: outboxID, notifier: notifier, at: now) }
    }

    public func recordDeliveryFailure(outboxID: Int64, notifier: String, error: String, retryAt: Date?, at now: Date) throws {
        try writer.withLock {
            try StoreQueries($0).recordDeliveryFailure(outboxID: outboxID, notifier: notifier, error: error, retryAt: retryAt, at: now)
        }
    }

    @discardableResult
    public func abandonDeliveries(keeping notifiers: Set<String>, at now: Date) throws -> Int {
        try writer.withLock { try StoreQueries($0).abandonDeliveries(keeping: notifiers, at: now) }
    }

    public func firingAlerts(for notifier: NotifierConfig) throws -> [StoredAlert] {
        let policy = alertPolicy
        return try reads.read { try StoreQueries($0).firingAlerts(for: notifier, policy: policy) }
    }
}

/// An alert that cannot take the change asked for.
public struct AlertStateError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
