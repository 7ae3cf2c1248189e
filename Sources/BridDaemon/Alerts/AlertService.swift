import BridCore
import BridInfo
import BridStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Evaluates `stale` and `fetch_failing` on a timer, and drains the outbox: each pending
/// notification goes to its notifier, in order, with retries (exponential backoff up to an
/// hour) until delivered or `give_up_after` has passed. Alertmanager notifiers also get the
/// firing alerts re-posted every `resend`. Sleeps until the next thing is due, or until a
/// commit wrote a transition.
struct AlertService: Service {
    let daemon: Daemon
    let delivery: AlertDelivery
    let clock: any DaemonClock

    func run() async throws {
        let stopping = Atomic<Bool>(false)
        let wake = delivery.wake
        // The round in flight: on shutdown it is cancelled at once (a command is ended, a
        // POST aborted; each is retried after the restart) so brid stops within seconds.
        let current = Mutex<Task<Date?, Never>?>(nil)
        await withTaskCancellationOrGracefulShutdownHandler {
            var nextEvaluation = clock.now()
            while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                let now = clock.now()
                if now >= nextEvaluation {
                    await daemon.evaluateTimedRules()
                    nextEvaluation = now.addingTimeInterval(AlertDelivery.evaluationInterval)
                }
                let notifiers = await daemon.config.notifiers
                let round = Task { await delivery.round(notifiers, at: now) }
                current.withLock { $0 = round }
                if stopping.load(ordering: .relaxed) { round.cancel() }
                let nextDelivery = await round.value
                current.withLock { $0 = nil }
                await sleep(until: [nextEvaluation, nextDelivery].compactMap { $0 }.min(), on: clock, orUntil: wake)
            }
        } onCancelOrGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
            current.withLock { $0 }?.cancel()
            wake.signal()
        }
    }
}

/// The outbox's delivery: one round over every notifier, each in order.
final class AlertDelivery: Sendable {
    /// How often `stale` and `fetch_failing` are evaluated.
    static let evaluationInterval: TimeInterval = 60
    /// The first retry waits this long; each next one twice as long, up to `maxBackoff`.
    static let firstBackoff: TimeInterval = 2
    static let maxBackoff: TimeInterval = 3_600
    /// Notifications taken per notifier per round.
    static let batch = 100

    let store: Store
    let notifiers: Notifiers
    let logger: Logger
    /// Store writes wait for an ingest in flight: they run on the daemon's blocking-work queue.
    let work: BlockingWork
    let wake: WakeSignal
    /// When each Alertmanager notifier last re-posted its firing alerts.
    private let lastRepost = Mutex<[String: Date]>([:])

    init(daemon: Daemon, notifiers: Notifiers) {
        store = daemon.store
        self.notifiers = notifiers
        logger = daemon.logger
        work = daemon.work
        wake = daemon.alertWake
    }

    /// Delivers what is due to every notifier (concurrently, each in order) and says when
    /// something is due next.
    func round(_ configured: [NotifierConfig], at now: Date) async -> Date? {
        await withTaskGroup(of: Date?.self, returning: Date?.self) { group in
            for notifier in configured {
                group.addTask { await self.deliver(to: notifier, at: now) }
            }
            var next: Date?
            for await due in group {
                if let due, next.map({ due < $0 }) ?? true { next = due }
            }
            return next
        }
    }

    /// The wait before retry number `attempt` (1 for the first retry).
    static func backoff(attempt: Int) -> TimeInterval {
        min(maxBackoff, firstBackoff * pow(2, Double(max(0, attempt - 1))))
    }

    private func deliver(to notifier: NotifierConfig, at now: Date) async -> Date? {
        let pending: [PendingDelivery]
        do {
            pending = try store.pendingDeliveries(notifier: notifier.id, limit: Self.batch)
        } catch {
            logger.error("alerts: cannot read the outbox: \(error)")
            return now.addingTimeInterval(Self.evaluationInterval)
        }
        for item in pending {
            // In order: a notification waits until the one before it is delivered or given up.
            if item.nextAttemptAt > now { return item.nextAttemptAt }
            if let retryAt = await attempt(item, notifier, at: now) { return retryAt }
        }
        if pending.count == Self.batch { return now }
        return await repostIfDue(notifier, at: now)
    }

    /// One attempt; returns when to retry, or nil when delivered or given up.
    private func attempt(_ item: PendingDelivery, _ notifier: NotifierConfig, at now: Date) async -> Date? {
        let metadata: Logger.Metadata = ["notifier": "\(notifier.id)", "alert.id": "\(item.notification.alert.id)",
                                         "alert.event": "\(item.notification.event.rawValue)"]
        do {
            try await notifiers.deliver(item.notification, to: notifier, at: now)
            try await work.run { [store] in try store.recordDelivered(outboxID: item.outboxID, notifier: notifier.id, at: now) }
            if item.attempts > 0 {
                logger.notice("alerts: delivered \(item.notification.id) to \(notifier.id) after \(item.attempts + 1) attempts", metadata: metadata)
            }
            return nil
        } catch let error as DeliveryError {
            let attempts = item.attempts + 1
            let deadline = item.createdAt.addingTimeInterval(notifier.giveUpAfter.seconds)
            let retryAt = min(now.addingTimeInterval(Self.backoff(attempt: attempts)), deadline)
            let givingUp = now >= deadline
            do {
                try await work.run { [store] in
                    try store.recordDeliveryFailure(outboxID: item.outboxID, notifier: notifier.id, error: error.description,
                                                    retryAt: givingUp ? nil : retryAt, at: now)
                }
            } catch {
                logger.error("alerts: cannot record a failed delivery: \(error)", metadata: metadata)
            }
            if givingUp {
                logger.error("alerts: gave up delivering \(item.notification.id) to \(notifier.id) after \(attempts) attempts: \(error)",
                             metadata: metadata)
                return nil
            }
            logger.warning("alerts: delivering \(item.notification.id) to \(notifier.id) failed (attempt \(attempts)), retry at \(WireTime.format(retryAt)): \(error)",
                           metadata: metadata)
            return retryAt
        } catch {
            logger.error("alerts: cannot record a delivery: \(error)", metadata: metadata)
            return now.addingTimeInterval(Self.firstBackoff)
        }
    }

    private func repostIfDue(_ notifier: NotifierConfig, at now: Date) async -> Date? {
        guard case .alertmanager = notifier.kind else { return nil }
        let interval = notifier.resend.seconds
        if let last = lastRepost.withLock({ $0[notifier.id] }), now < last.addingTimeInterval(interval) {
            return last.addingTimeInterval(interval)
        }
        lastRepost.withLock { $0[notifier.id] = now }
        do {
            let firing = try store.firingAlerts(for: notifier).map(\.notificationBody)
            try await notifiers.repost(firing, to: notifier, at: now)
        } catch {
            logger.warning("alerts: re-posting firing alerts to \(notifier.id) failed: \(error)", metadata: ["notifier": "\(notifier.id)"])
        }
        return now.addingTimeInterval(interval)
    }
}

