import BridStore
import Foundation
import Logging

/// Keeping the WAL small while brid runs: after an ingest, a WAL grown past the store's
/// `walCheckpointThreshold` (a large release) is checkpointed and truncated, on the write
/// queue, between ingests.
func checkpointIfLarge(store: SQLiteStore, work: BlockingWork, logger: Logger) async {
    do {
        let before = store.storageSizes().walBytes
        if try await work.run({ [store] in try store.checkpointIfLarge() }) {
            logger.info("database: WAL of \(before / 1_048_576) MiB checkpointed into \(store.path)")
        }
    } catch {
        logger.warning("database: checkpoint failed: \(error)")
    }
}
