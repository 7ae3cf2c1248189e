import Foundation

/// Runs a long blocking test body (child processes, big ingests, polling waits) on a
/// thread of its own, so that it does not hold one of Swift concurrency's few cooperative
/// threads for seconds — the timing-sensitive tests running beside it need them.
public func offPool(_ body: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let thread = Thread {
            do {
                try body()
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
