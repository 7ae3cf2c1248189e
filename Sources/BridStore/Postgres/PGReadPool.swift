import BridCore
import BridPostgres

/// A small pool of read connections to the PostgreSQL store, as `ReadPool` is for SQLite:
/// connections open on first need, up to `capacity`; a read that finds all of them busy
/// waits for one. Each read runs in one read-only REPEATABLE READ transaction, so every
/// query of it sees the same snapshot. A connection found broken is dropped, not pooled.
final class PGReadPool: Sendable {
    let capacity: Int
    private let connect: @Sendable () throws -> PGConnection
    private let state: PGLocked<State>
    private let available: ThreadCondition

    private struct State {
        /// Each connection with the statements prepared on it (`PGDatabase`).
        var idle: [PGDatabase] = []
        var opened = 0
        var closed = false
        /// Pooled connections held by cursors (streamed replies, which may last long).
        var cursors = 0
    }

    init(capacity: Int, connect: @escaping @Sendable () throws -> PGConnection) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.connect = connect
        state = PGLocked(State())
        available = ThreadCondition()
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
    func close() {
        available.lock()
        let idle = state.value.idle
        state.value.idle = []
        state.value.closed = true
        available.broadcast()
        available.unlock()
        for database in idle { database.connection.close() }
    }

    /// Closes the idle connections (found likely dead); the next reads open new ones.
    func discardIdle() {
        available.lock()
        let idle = state.value.idle
        state.value.idle = []
        state.value.opened -= idle.count
        available.broadcast()
        available.unlock()
        for database in idle { database.connection.close() }
    }

    /// A pooled connection outside any transaction, the caller's until `checkIn` (a cursor's).
    func checkOut() throws -> PGDatabase {
        available.lock()
        while true {
            if state.value.closed {
                available.unlock()
                throw StoreError.closed
            }
            if let database = state.value.idle.popLast() {
                available.unlock()
                return database
            }
            if state.value.opened < capacity {
                state.value.opened += 1
                available.unlock()
                do {
                    return PGDatabase(try connect())
                } catch {
                    available.lock()
                    state.value.opened -= 1
                    available.signal()
                    available.unlock()
                    throw error
                }
            }
            available.wait()
        }
    }

    /// A connection for a cursor: a pooled one while cursors hold fewer than all but one
    /// of them, else one opened for it alone (`pooled` false: closed when it ends) — so
    /// slow streamed replies (`export` to a slow reader) never leave the store's plain
    /// reads, which checks and `status` make, waiting for a connection.
    func checkOutForCursor() throws -> (database: PGDatabase, pooled: Bool) {
        available.lock()
        let pooled = state.value.cursors < capacity - 1
        if pooled { state.value.cursors += 1 }
        available.unlock()
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
        available.lock()
        state.value.cursors -= 1
        available.unlock()
    }

    /// Hands a connection back; one that broke or is left in a transaction is closed.
    func checkIn(_ database: PGDatabase) {
        let connection = database.connection
        available.lock()
        if state.value.closed || !connection.isOpen || connection.inTransaction {
            state.value.opened -= 1
            available.signal()
            available.unlock()
            connection.close()
            return
        }
        state.value.idle.append(database)
        available.signal()
        available.unlock()
    }
}

/// A value guarded by an outside lock (the pool's condition): only touched while it is held.
final class PGLocked<Value>: @unchecked Sendable {
    // Every access happens between `available.lock()` and `unlock()` in PGReadPool.
    var value: Value
    init(_ value: Value) { self.value = value }
}
