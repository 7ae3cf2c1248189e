import Foundation
import Synchronization

/// Set when the task awaiting blocking work is cancelled; the work polls it on its thread.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// Blocking work that must not run on Swift concurrency's cooperative pool (a few threads,
/// one per core): a libcurl transfer, a child process supervised to its end.
public enum OwnThread {
    /// Runs `work` on a new thread named `name` and awaits its result. Cancelling the
    /// awaiting task sets the flag `work` is given; `work` decides how to stop.
    public static func run<T: Sendable>(named name: String, _ work: @escaping @Sendable (CancellationFlag) -> T) async -> T {
        let cancellation = CancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
                PosixThread.start(named: name) { continuation.resume(returning: work(cancellation)) }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}
