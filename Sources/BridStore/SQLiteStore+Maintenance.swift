import CSQLite
import Foundation

/// Keeping the database file healthy while brid runs and when it stops: WAL checkpoints,
/// closing, consistent copies.
extension SQLiteStore {
    /// The WAL is truncated back to at most this size after a checkpoint
    /// (`PRAGMA journal_size_limit`), so one big release does not leave a big file behind.
    public static let journalSizeLimit: Int64 = 64 << 20
    /// `checkpointIfLarge()` checkpoints once the WAL has grown past this (unless the
    /// store's `walCheckpointThreshold` says otherwise).
    public static let defaultWALCheckpointThreshold: Int64 = 64 << 20

    /// The sizes of the database file and of its WAL.
    public func storageSizes() -> StorageSizes {
        func size(_ path: String) -> Int64 {
            var info = stat()
            return stat(path, &info) == 0 ? Int64(info.st_size) : 0
        }
        return StorageSizes(databaseBytes: size(path), walBytes: size(path + "-wal"))
    }

    /// After a write: a WAL grown past `walCheckpointThreshold` (a large release) is
    /// checkpointed and truncated (`checkpointIfLarge()`).
    @discardableResult
    public func maintain() throws -> String? {
        let before = storageSizes().walBytes
        guard try checkpointIfLarge() else { return nil }
        return "WAL of \(before / 1_048_576) MiB checkpointed into \(path)"
    }

    /// Copies every committed page of the WAL into the database file and truncates the WAL
    /// to zero bytes. Waits up to `patience` for readers still using older pages; returns
    /// false when some could not be copied because a reader kept them (the WAL is then
    /// left as it is, and the next checkpoint takes them).
    @discardableResult
    public func checkpoint(patience: Duration = .seconds(5)) throws -> Bool {
        try writer.withLock { db in
            guard db.isOpen else { throw StoreError.closed }
            let milliseconds = Int32(patience.components.seconds * 1_000 + patience.components.attoseconds / 1_000_000_000_000_000)
            sqlite3_busy_timeout(db.handle, milliseconds)
            defer { sqlite3_busy_timeout(db.handle, Connection.busyTimeoutMilliseconds) }
            switch sqlite3_wal_checkpoint_v2(db.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil) {
            case SQLITE_OK: return true
            case SQLITE_BUSY: return false
            default: throw StoreError("checkpoint failed: \(db.lastError)")
            }
        }
    }

    /// Checkpoints (and truncates) the WAL when it has grown past `threshold`: called after
    /// an ingest, so a large release is folded into the database file at once rather than
    /// left in the WAL. It holds the write lock, so it waits at most 0.2 s for readers of
    /// older pages (a long query, a backup); they are left for the next one. Returns whether
    /// it checkpointed.
    @discardableResult
    public func checkpointIfLarge(threshold: Int64? = nil) throws -> Bool {
        guard storageSizes().walBytes > threshold ?? walCheckpointThreshold.load(ordering: .relaxed) else { return false }
        return try checkpoint(patience: .milliseconds(200))
    }

    /// Closes the database: the read connections first, then — after a TRUNCATE checkpoint —
    /// the write connection, which as the last connection of the file removes
    /// `brid.sqlite-wal` and `brid.sqlite-shm`. (A read-only connection cannot checkpoint:
    /// closed last, it leaves both files behind.) Every use of the store afterwards
    /// throws. Safe to call more than once.
    public func close() {
        reads.close()
        writer.withLock { db in
            guard db.isOpen else { return }
            _ = sqlite3_wal_checkpoint_v2(db.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
            db.close()
        }
    }

    /// Whether `close()` ran.
    public var isClosed: Bool { writer.withLock { !$0.isOpen } }
}
