import BridCore
import Foundation

/// A small pool of read-only connections, so queries run side by side (WAL lets readers
/// proceed concurrently with each other and with the writer) instead of queueing behind
/// one connection. Connections open on first need, up to `capacity`; a read that finds
/// all of them busy waits for one. Each read runs in one read transaction, so every query
/// of it sees the same snapshot of the database.
final class ReadPool: Sendable {
    /// How many reads may run at once.
    var capacity: Int { pool.capacity }
    private let pool: ConnectionPool<Connection>

    init(path: String, capacity: Int, cacheKiB: Int) {
        pool = ConnectionPool(capacity: capacity, open: { try Connection.reader(path: path, cacheKiB: cacheKiB) },
                              close: { $0.close() })
    }

    /// Runs `body` on a pooled connection in one read snapshot.
    func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try pool.checkOut()
        defer { pool.checkIn(connection) }
        return try connection.snapshot { try body(connection) }
    }

    /// Closes every connection: idle ones now, busy ones as they come back. Later reads throw.
    func close() {
        pool.close()
    }
}
