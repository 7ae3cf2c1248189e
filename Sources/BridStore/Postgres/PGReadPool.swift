import BridCore
import BridPostgres
import Synchronization

/// A small pool of read connections to the PostgreSQL store, as `ReadPool` is for SQLite:
/// connections open on first need, up to `capacity`; a read that finds all of them busy
/// waits for one. Each read runs in one read-only REPEATABLE READ transaction, so every
/// query of it sees the same snapshot. A connection found broken is dropped, not pooled.
final class PGReadPool: Sendable {
    var capacity: Int { pool.capacity }
    private let connect: @Sendable () throws -> PGConnection
    /// Each connection with the statements prepared on it (`PGDatabase`).
    private let pool: ConnectionPool<PGDatabase>
    /// Pooled connections held by cursors (streamed replies, which may last long).
    private let cursors = Mutex(0)

    init(capacity: Int, connect: @escaping @Sendable () throws -> PGConnection) {
        self.connect = connect
        pool = ConnectionPool(capacity: capacity, open: { PGDatabase(try connect()) }, close: { $0.connection.close() },
                              reusable: { $0.connection.isOpen && !$0.connection.inTransaction })
    }

    /// Runs `body` on a pooled connection in one read snapshot.
    func read<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try readDatabase { try body($0.connection) }
    }

    /// Runs `body` on a pooled connection, as the shared code sees it, in one read snapshot.
    ///
    /// A connection found lost at the `BEGIN` (nothing ran yet: the server restarted while
    /// it sat idle) is closed with every other idle one, of the same age and likely as
    /// dead, and the read is tried once more on a fresh connection: a restart the store
    /// has recovered from fails no read.
    func readDatabase<T>(_ body: (PGDatabase) throws -> T) throws -> T {
        var database = try checkOut()
        do {
            try database.connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        } catch where error.kind == .connectionLost {
            database.connection.close()
            checkIn(database)
            discardIdle()
            database = try checkOut()
            do {
                try database.connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            } catch {
                checkIn(database)
                throw error
            }
        } catch {
            checkIn(database)
            throw error
        }
        defer { checkIn(database) }
        let connection = database.connection
        do {
            let value = try body(database)
            try connection.execute("COMMIT")
            return value
        } catch {
            if connection.isOpen { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// Closes every connection: idle ones now, busy ones as they come back. Later reads throw.
    func close() { pool.close() }

    /// Closes the idle connections (found likely dead); the next reads open new ones.
    func discardIdle() { pool.discardIdle() }

    /// A pooled connection outside any transaction, the caller's until `checkIn` (a cursor's).
    func checkOut() throws -> PGDatabase { try pool.checkOut() }

    /// Hands a connection back; one that broke or is left in a transaction is closed.
    func checkIn(_ database: PGDatabase) { pool.checkIn(database) }

    /// A connection for a cursor: a pooled one while cursors hold fewer than all but one
    /// of them, else one opened for it alone (`pooled` false: closed when it ends) — so
    /// slow streamed replies (`export` to a slow reader) never leave the store's plain
    /// reads, which checks and `status` make, waiting for a connection.
    func checkOutForCursor() throws -> (database: PGDatabase, pooled: Bool) {
        let pooled = cursors.withLock { held in
            guard held < capacity - 1 else { return false }
            held += 1
            return true
        }
        guard pooled else { return (PGDatabase(try connect()), false) }
        do {
            return (try checkOut(), true)
        } catch {
            cursorEnded()
            throw error
        }
    }

    /// A cursor's connection back: pooled, or closed when it was its own.
    func checkInFromCursor(_ database: PGDatabase, pooled: Bool) {
        guard pooled else {
            database.connection.close()
            return
        }
        cursorEnded()
        checkIn(database)
    }

    private func cursorEnded() {
        cursors.withLock { $0 -= 1 }
    }
}
