import BridStore
import Foundation
import Logging

/// Keeping the store tidy while brid runs: after an ingest, the store does what it needs
/// (SQLite: a WAL grown past `walCheckpointThreshold` by a large release is checkpointed
/// and truncated), on the write queue, between ingests.
func maintainStore(_ store: any VintageStore, work: BlockingWork, logger: Logger) async {
    do {
        if let done = try await work.run({ [store] in try store.maintain() }) {
            logger.info("database: \(done)")
        }
    } catch {
        logger.warning("database: maintenance failed: \(error)")
    }
}
