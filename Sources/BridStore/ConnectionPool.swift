import BridCore

/// The pooling both backends' read pools share: items (connections) open on first need, up
/// to `capacity`; a check-out that finds all of them busy waits for one; an item handed back
/// that can no longer serve (`reusable` false: broken, left in a transaction) is closed and
/// its place freed. Thread-safe; blocking (the store's work runs on threads of its own).
final class ConnectionPool<Item>: @unchecked Sendable {
    // Every access to `state` happens between `available.lock()` and `unlock()`.
    let capacity: Int
    private let open: () throws -> Item
    private let closeItem: (Item) -> Void
    private let reusable: (Item) -> Bool
    private var idle: [Item] = []
    private var opened = 0
    private var closed = false
    private let available = ThreadCondition()

    init(capacity: Int, open: @escaping () throws -> Item, close: @escaping (Item) -> Void,
         reusable: @escaping (Item) -> Bool = { _ in true }) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.open = open
        self.closeItem = close
        self.reusable = reusable
    }

    /// An item, the caller's until `checkIn`; throws `StoreError.closed` once the pool is closed.
    func checkOut() throws -> Item {
        available.lock()
        while true {
            if closed {
                available.unlock()
                throw StoreError.closed
            }
            if let item = idle.popLast() {
                available.unlock()
                return item
            }
            if opened < capacity {
                opened += 1
                available.unlock()
                do {
                    return try open()
                } catch {
                    available.lock()
                    opened -= 1
                    available.signal()
                    available.unlock()
                    throw error
                }
            }
            available.wait()
        }
    }

    /// Hands an item back: pooled again, or closed when the pool is closed or it cannot serve.
    func checkIn(_ item: Item) {
        available.lock()
        if closed || !reusable(item) {
            opened -= 1
            available.signal()
            available.unlock()
            closeItem(item)
            return
        }
        idle.append(item)
        available.signal()
        available.unlock()
    }

    /// Closes the idle items (found likely dead); the next check-outs open new ones.
    func discardIdle() {
        available.lock()
        let items = idle
        idle = []
        opened -= items.count
        available.broadcast()
        available.unlock()
        for item in items { closeItem(item) }
    }

    /// Closes every item: idle ones now, busy ones as they come back. Later check-outs throw.
    func close() {
        available.lock()
        let items = idle
        idle = []
        closed = true
        available.broadcast()
        available.unlock()
        for item in items { closeItem(item) }
    }
}
