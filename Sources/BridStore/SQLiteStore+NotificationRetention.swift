import Foundation

extension SQLiteStore {
    /// Deletes one batch of finished notifications: outbox rows created before `cutoff`
    /// whose every delivery was delivered or given up before `cutoff` (or that no notifier
    /// wanted), with those deliveries. A notification with a delivery still pending, or
    /// finished since `cutoff`, is kept whole; alerts, releases and observation versions
    /// are never touched. One short write transaction; returns how many outbox rows went
    /// (fewer than `limit`: nothing more to prune now).
    public func pruneNotifications(before cutoff: Date, limit: Int) throws -> Int {
        try writer.withLock { db in
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

    /// Prunes in batches of `batch` until nothing older than `cutoff` is left; the write
    /// lock is released between batches, so an ingest waits for one batch at most.
    @discardableResult
    public func pruneAllNotifications(before cutoff: Date, batch: Int) throws -> Int {
        var total = 0
        while true {
            let pruned = try pruneNotifications(before: cutoff, limit: batch)
            total += pruned
            if pruned < batch { return total }
        }
    }
}
