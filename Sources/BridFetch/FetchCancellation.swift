import Synchronization

/// Set when the task awaiting a fetch is cancelled; curl's progress callback polls it on the
/// transfer thread and aborts the transfer.
final class FetchCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() { flag.store(true, ordering: .relaxed) }

    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
