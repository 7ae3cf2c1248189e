import BridCore
import BridStore
import Foundation
import Logging

/// Alert rules and notifiers: the policy the store evaluates, the timer, acknowledgements.
extension Daemon {
    /// Hands the configuration's rules and notifiers to the store (resolving alerts of
    /// removed rules), gives up deliveries to removed notifiers, and wakes the alert
    /// service whenever a commit writes a transition. At start-up and in `--once`.
    nonisolated static func prepareAlerts(store: any VintageStore, config: BridConfig, now: Date, wake: WakeSignal, logger: Logger) throws {
        store.observeAlerts { _ in wake.signal() }
        try applyAlertPolicy(store: store, config: config, now: now, logger: logger)
    }

    nonisolated static func applyAlertPolicy(store: any VintageStore, config: BridConfig, now: Date, logger: Logger) throws {
        let resolved = try store.setAlertPolicy(AlertPolicy(config: config), at: now)
        for transition in resolved {
            logger.notice("alert \(transition.alert.id) resolved: \(transition.alert.resolveReason ?? "")")
        }
        let abandoned = try store.abandonDeliveries(keeping: Set(config.notifiers.map(\.id)), at: now)
        if abandoned > 0 {
            logger.warning("alerts: \(abandoned) undelivered notifications dropped: their notifier is no longer configured")
        }
    }

    /// `stale` and `fetch_failing` for every target; run by the alert service's timer.
    func evaluateTimedRules() async {
        guard storeHealth.isAvailable else { return }  // judged at the next minute after it answers
        do {
            _ = try await work.run { [store, now = clock.now()] in try store.evaluateTimedRules(at: now) }
        } catch {
            if storeHealth.isUnavailable(error) { return }
            logger.error("alerts: evaluating stale and fetch_failing rules failed: \(error)")
        }
    }

    /// Acknowledges a firing alert (an `acked` transition goes to the notifiers that want it).
    func ack(alert id: Int64, comment: String?) async throws -> (alert: StoredAlert, changed: Bool)? {
        let result = try await work.run { [store, now = clock.now()] in try store.ack(alert: id, comment: comment, at: now) }
        if let result, result.changed { changed() }
        return result
    }
}
