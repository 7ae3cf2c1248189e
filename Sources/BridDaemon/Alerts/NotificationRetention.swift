import BridCore
import BridInfo
import BridStore
import Foundation
import Logging

/// Finished notifications are pruned after `notification_retention`, so the outbox and
/// deliveries tables do not grow forever (alerts and vintages are never pruned).
extension Daemon {
    /// Outbox rows deleted per write transaction when pruning.
    static let pruneBatch = 500

    /// Deletes the notifications (outbox rows and their deliveries) that finished — every
    /// delivery delivered or given up — more than `notification_retention` ago, in batches
    /// of `pruneBatch`, each its own short write transaction on the write queue (an ingest
    /// waits for one batch at most). Returns how many notifications went.
    @discardableResult
    public func pruneNotifications() async -> Int {
        let cutoff = clock.now().addingTimeInterval(-config.daemon.notificationRetention.seconds)
        var total = 0
        guard storeHealth.isAvailable else { return 0 }
        do {
            while !Task.isCancelled {
                let pruned = try await work.run { [store] in try store.pruneNotifications(before: cutoff, limit: Self.pruneBatch) }
                total += pruned
                if pruned < Self.pruneBatch { break }
            }
        } catch {
            if !storeHealth.isUnavailable(error) { logger.error("alerts: cannot prune old notifications: \(error)") }
        }
        if total > 0 {
            logger.info("alerts: pruned \(total) notification\(total == 1 ? "" : "s") finished before \(WireTime.format(cutoff)) (notification_retention \(ConfigDuration.format(config.daemon.notificationRetention)))")
        }
        return total
    }
}
