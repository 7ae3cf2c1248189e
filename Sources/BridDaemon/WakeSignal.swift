import Foundation
import Synchronization

/// Wakes a sleeping loop early (a reload, a fetch request, a finished check). A signal
/// sent while nobody waits is kept, so it is never lost between two checks of the loop.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when signalled (at once if a signal is pending) or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}

/// Sleeps until `deadline` on `clock` (with none, until signalled), or until `signal`
/// fires, whichever comes first. Always asleep on the clock, so a test clock sees every
/// idle loop.
func sleep(until deadline: Date?, on clock: any DaemonClock, orUntil signal: WakeSignal) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await signal.wait() }
        group.addTask { try? await clock.sleep(until: deadline ?? .distantFuture) }
        await group.next()
        group.cancelAll()
    }
}
