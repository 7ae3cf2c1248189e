import BridCore
import Foundation

/// A small pool of read-only connections, so queries run side by side (WAL lets readers
/// proceed concurrently with each other and with the writer) instead of queueing behind
/// one connection. Connections open on first need, up to `capacity`; a read that finds
/// all of them busy waits for one. Each read runs in one read transaction, so every query
/// of it sees the same snapshot of the database.
final class ReadPool: Sendable {
    /// How many reads may run at once.
    let capacity: Int
    private let path: String
    private let cacheKiB: Int
    private let state: Locked<State>
    private let available: ThreadCondition

    private struct State {
        var idle: [Connection] = []
        var opened = 0
        var closed = false
    }

    init(path: String, capacity: Int, cacheKiB: Int) {
        precondition(capacity > 0)
        self.path = path
        self.capacity = capacity
        self.cacheKiB = cacheKiB
        state = Locked(State())
        available = ThreadCondition()
    }

    /// Runs `body` on a pooled connection in one read snapshot.
    func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try connection.snapshot { try body(connection) }
    }

    /// Closes every connection: idle ones now, busy ones as they come back. Later reads throw.
    func close() {
        available.lock()
        let idle = state.value.idle
        state.value.idle = []
        state.value.closed = true
        available.broadcast()
        available.unlock()
        for connection in idle { connection.close() }
    }

    private func checkOut() throws -> Connection {
        available.lock()
        while true {
            if state.value.closed {
                available.unlock()
                throw StoreError.closed
            }
            if let connection = state.value.idle.popLast() {
                available.unlock()
                return connection
            }
            if state.value.opened < capacity {
                state.value.opened += 1
                available.unlock()
                do {
                    return try open()
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

    private func checkIn(_ connection: Connection) {
        available.lock()
        if state.value.closed {
            available.unlock()
            connection.close()
            return
        }
        state.value.idle.append(connection)
        available.signal()
        available.unlock()
    }

    private func open() throws -> Connection {
        try Connection.reader(path: path, cacheKiB: cacheKiB)
    }
}

/// A value guarded by an outside lock (the pool's condition): only touched while it is held.
private final class Locked<Value>: @unchecked Sendable {
    // Every access happens between `available.lock()` and `unlock()` in ReadPool.
    var value: Value
    init(_ value: Value) { self.value = value }
}
