import Dispatch

/// Runs blocking work (SQLite transactions, file moves) on one dedicated serial queue,
/// off Swift concurrency's cooperative threads: a million-row ingest must not stall the
/// scheduler or the control socket. One queue also serialises all writes to the store.
final class BlockingWork: Sendable {
    private let queue = DispatchQueue(label: "brid.ingest", qos: .utility)

    /// Queues work without waiting for it; it runs before anything queued after this call.
    func enqueue(_ work: @escaping @Sendable () -> Void) {
        queue.async(execute: work)
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.run(work, on: queue)
    }

    /// Long reads (`rules test` over the whole history): a concurrent queue of their own,
    /// so they neither hold up writes nor occupy a cooperative thread.
    private static let reads = DispatchQueue(label: "brid.reads", qos: .utility, attributes: .concurrent)

    static func read<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(work, on: reads)
    }

    /// A read that cannot fail, on the read queue.
    static func readValue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            reads.async { continuation.resume(returning: work()) }
        }
    }

    private static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T, on queue: DispatchQueue) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
