import Foundation

extension SQLiteStore {
    /// Deletes one batch of finished notifications (see `StoreQueries.pruneNotifications`):
    /// one short write transaction; returns how many outbox rows went (fewer than `limit`:
    /// nothing more to prune now).
    public func pruneNotifications(before cutoff: Date, limit: Int) throws -> Int {
        try writer.withLock { try StoreQueries($0).pruneNotifications(before: cutoff, limit: limit) }
    }

    /// Prunes in batches of `batch` until nothing older than `cutoff` is left; the write
    /// lock is released between batches, so an ingest waits for one batch at most.
    @discardableResult
    public func pruneAllNotifications(before cutoff: Date, batch: Int) throws -> Int {
        try pruneInBatches(batch) { try pruneNotifications(before: cutoff, limit: $0) }
    }
}
