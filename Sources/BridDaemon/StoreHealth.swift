import BridCore
import BridStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Whether the store can be used now. "Store unavailable" begins with the first store call
/// that finds its database gone (`StoreAvailability`: a PostgreSQL server restarting or cut
/// off) and ends when a probe (`VintageStore.ping`) is answered again. Meanwhile URL checks,
/// drop folders and alert deliveries wait — none of it counted as a source's or a
/// notifier's failure — and `status`, `STATUS=` and the journal say so: one line at error
/// level when it begins, one when it ends, with how long it lasted.
final class StoreHealth: Sendable {
    /// An outage: since when, and the latest reason a store call or probe gave.
    struct Outage: Sendable, Equatable {
        let since: Date
        var reason: String
    }

    /// The first probe waits this long; each next one twice as long, up to `longestProbeWait`.
    static let firstProbeWait: TimeInterval = 1
    static let longestProbeWait: TimeInterval = 30

    private let state = Mutex<Outage?>(nil)
    private let clock: any DaemonClock
    private let logger: Logger
    /// Wakes the probe loop when an outage begins.
    let began = WakeSignal()

    init(clock: any DaemonClock, logger: Logger) {
        self.clock = clock
        self.logger = logger
    }

    /// The outage going on, or nil while the store answers.
    var outage: Outage? { state.withLock { $0 } }

    var isAvailable: Bool { outage == nil }

    /// Whether `error` says the store is unavailable. If it does, it is noted: the first
    /// such error begins the outage (its journal line, the probe woken); later ones update
    /// the reason.
    func isUnavailable(_ error: any Error) -> Bool {
        guard let reason = StoreAvailability.unavailableReason(error) else { return false }
        let now = clock.now()
        let first: Bool = state.withLock { outage in
            guard outage == nil else {
                outage?.reason = reason
                return false
            }
            outage = Outage(since: now, reason: reason)
            return true
        }
        if first {
            logger.error("store unavailable: \(reason); URL checks, drop folders and alert deliveries wait until it answers again (probed from every \(Daemon.describe(Self.firstProbeWait)), doubling, to every \(Daemon.describe(Self.longestProbeWait)))")
            began.signal()
        }
        return true
    }

    /// A probe failed: the reason it gave is the outage's now; false when it did not change.
    func probeFailed(_ error: any Error) -> Bool {
        let reason = StoreAvailability.unavailableReason(error) ?? "\(error)"
        return state.withLock { outage in
            guard outage != nil, outage?.reason != reason else { return false }
            outage?.reason = reason
            return true
        }
    }

    /// The store answered: the outage is over (its journal line); returns it.
    @discardableResult
    func recovered() -> Outage? {
        guard let ended = state.withLock({ outage -> Outage? in
            defer { outage = nil }
            return outage
        }) else { return nil }
        let lasted = max(0, clock.now().timeIntervalSince(ended.since))
        logger.notice("store available again after \(Daemon.describe(lasted)) (unavailable since \(Timestamp.format(ended.since)): \(ended.reason)); checks, drop folders and deliveries resume")
        return ended
    }

    /// The wait before probe number `attempt` (1 for the first).
    static func probeWait(attempt: Int) -> TimeInterval {
        min(longestProbeWait, firstProbeWait * pow(2, Double(max(0, attempt - 1))))
    }
}

/// Probes the store while it is unavailable (`Daemon.watchStore`).
struct StoreWatchService: Service {
    let daemon: Daemon

    func run() async throws {
        await cancelWhenGracefulShutdown { await daemon.watchStore() }
    }
}

extension Daemon {
    /// Until cancelled: waits for an outage to begin, probes the store with backoff
    /// (1 s doubling to 30 s) until it answers, then has everything carry on — the scheduler
    /// and the alert loops woken, the drop folders scanned (a file that could not be
    /// ingested is still there).
    nonisolated func watchStore() async {
        while !Task.isCancelled {
            await storeHealth.began.wait()
            guard storeHealth.outage != nil, !Task.isCancelled else { continue }
            await storeAvailabilityChanged()
            var attempt = 1
            while !Task.isCancelled {
                do {
                    try await clock.sleep(until: clock.now().addingTimeInterval(StoreHealth.probeWait(attempt: attempt)))
                } catch {
                    return
                }
                do {
                    try await BlockingWork.read { [store] in try store.ping() }
                    break
                } catch {
                    if storeHealth.probeFailed(error) { await storeAvailabilityChanged() }
                    attempt += 1
                }
            }
            guard !Task.isCancelled, storeHealth.recovered() != nil else { continue }
            await storeAvailabilityChanged()
            schedulerWake.signal()
            alertWake.signal()
            await drops.scanAllDrops()
        }
    }

    /// The store went away, came back or gave a new reason: `status` and `STATUS=` follow.
    func storeAvailabilityChanged() {
        changed()
        updateStatus()
    }
}
