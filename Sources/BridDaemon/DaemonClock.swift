import Foundation
import Synchronization

/// Wall-clock time and sleeping, injected so the scheduler runs on a test clock in tests.
/// (Schedules are wall-clock: cron is UTC, next-due times are stored as dates.)
public protocol DaemonClock: Sendable {
    func now() -> Date
    /// Returns at or after `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The real clock. Sleeps on the monotonic clock for the time left until the deadline as
/// it stands now; callers re-check the wall clock when they wake (a stepped clock then
/// moves a wake-up once, and never stops one).
public struct SystemClock: DaemonClock {
    static let longestSleep: TimeInterval = 86_400

    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        var remaining = deadline.timeIntervalSinceNow
        // `.distantFuture` (until woken or cancelled) is more nanoseconds than Task.sleep
        // takes: a day at a time then.
        while remaining > Self.longestSleep {
            try await Task.sleep(for: .seconds(Self.longestSleep))
            remaining = deadline.timeIntervalSinceNow
        }
        if remaining > 0 {
            try await Task.sleep(for: .milliseconds(Int64((remaining * 1000).rounded(.up))))
        }
    }
}

/// A clock that moves only when told to, for tests (and the idle benchmark).
public final class ManualClock: DaemonClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(now: Date) {
        state = Mutex(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are asleep on this clock (every idle loop of the daemon is).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The deadlines the sleepers sleep until, earliest first.
    public var deadlines: [Date] { state.withLock { $0.sleepers.map(\.deadline).sorted() } }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by seconds: TimeInterval) {
        advance(to: now().addingTimeInterval(seconds))
    }

    public func advance(to date: Date) {
        let woken: [Sleeper] = state.withLock { state in
            state.now = max(state.now, date)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id: UInt64 = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let cancelled: Sleeper? = state.withLock { state in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }
}
