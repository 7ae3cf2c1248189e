import Foundation

/// Runs a long blocking test body (child processes, big ingests, polling waits) on a
/// thread of its own, so that it does not hold one of Swift concurrency's few cooperative
/// threads for seconds — the timing-sensitive tests running beside it need them.
@discardableResult
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread {
            do {
                continuation.resume(returning: try body())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A value handed to `offPool` that the test uses from one thread at a time.
public struct Unchecked<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
