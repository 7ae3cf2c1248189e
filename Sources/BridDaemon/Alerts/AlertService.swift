import BridCore
import BridHTTP
import BridInfo
import BridStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Evaluates `stale` and `fetch_failing` on a timer, and drains the outbox: each notifier
/// has a loop of its own, so a slow or dead one never holds up another. A loop delivers its
/// notifier's notifications in order, with retries (exponential backoff up to an hour)
/// until delivered or `give_up_after` has passed; an Alertmanager loop also re-posts the
/// firing alerts every `resend`, whatever its backlog. Loops sleep until something is due
/// or a commit wrote a transition; a reload starts and stops them.
struct AlertService: Service {
    let daemon: Daemon
    let delivery: AlertDelivery
    let clock: any DaemonClock

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await timer() }
                group.addTask { await supervise(delivery.wake) }
            }
        }
    }

    /// `stale` and `fetch_failing` every minute, apart from the deliveries.
    private func timer() async {
        while !Task.isCancelled {
            await daemon.evaluateTimedRules()
            await daemon.pruneNotifications()
            try? await clock.sleep(until: clock.now().addingTimeInterval(AlertDelivery.evaluationInterval))
        }
    }

    /// One loop per configured notifier; a changed notifier gets a new loop. On shutdown
    /// the loops are cancelled: a command in flight is ended, a POST aborted, and the
    /// notification stays pending for the restart.
    private func supervise(_ wake: WakeSignal) async {
        var loops: [String: (notifier: NotifierConfig, wake: WakeSignal, task: Task<Void, Never>)] = [:]
        while !Task.isCancelled {
            let configured = await daemon.config.notifiers
            for (id, loop) in loops where !configured.contains(loop.notifier) {
                loop.task.cancel()
                loops[id] = nil
            }
            for notifier in configured where loops[notifier.id] == nil {
                let notifierWake = WakeSignal()
                let task = Task { [delivery, clock] in
                    await delivery.loop(notifier, clock: clock, wake: notifierWake)
                }
                loops[notifier.id] = (notifier, notifierWake, task)
            }
            await wake.wait()
            for loop in loops.values { loop.wake.signal() }
        }
        for loop in loops.values { loop.task.cancel() }
        for loop in loops.values { await loop.task.value }
    }
}

/// The outbox's delivery to one notifier at a time: its loop (the daemon), or one round over all (`--once`).
final class AlertDelivery: Sendable {
    /// How often `stale` and `fetch_failing` are evaluated.
    static let evaluationInterval: TimeInterval = 60
    /// The first retry waits this long; each next one twice as long, up to `maxBackoff`.
    static let firstBackoff: TimeInterval = 2
    static let maxBackoff: TimeInterval = 3_600
    /// Notifications taken from the outbox at a time, per notifier.
    static let batch = 100

    let store: any VintageStore
    let notifiers: Notifiers
    let logger: Logger
    /// Store writes wait for an ingest in flight: they run on the daemon's blocking-work queue.
    let work: BlockingWork
    let wake: WakeSignal
    /// While the store is unavailable nothing is delivered: woken when it answers again.
    let health: StoreHealth
    /// In a cluster, the longest a notifier's loop sleeps (a third of the lease): the
    /// outbox is shared, and what another instance wrote and left — it died before sending,
    /// its claim ran out — wakes nothing here. Nil for a store of one instance.
    let sharedOutboxPoll: TimeInterval?
    let metrics: BridMetrics

    init(daemon: Daemon, notifiers: Notifiers) {
        store = daemon.store
        metrics = daemon.metrics
        health = daemon.storeHealth
        sharedOutboxPoll = daemon.cluster.isShared ? daemon.cluster.lease.seconds / 3 : nil
        self.notifiers = notifiers
        logger = daemon.logger
        work = daemon.work
        wake = daemon.alertWake
    }

    /// One notifier's loop, until cancelled.
    func loop(_ notifier: NotifierConfig, clock: any DaemonClock, wake: WakeSignal) async {
        var nextRepost: Date? = notifier.reposts ? clock.now() : nil
        while !Task.isCancelled {
            guard health.isAvailable else {
                await sleep(until: nil, on: clock, orUntil: wake)
                continue
            }
            let now = clock.now()
            var wakeAt = await deliverDue(to: notifier, at: now)
            if let due = nextRepost {
                if now >= due {
                    await repost(notifier, at: now)
                    nextRepost = now.addingTimeInterval(notifier.resend.seconds)
                }
                wakeAt = [wakeAt, nextRepost].compactMap { $0 }.min()
            }
            if let poll = sharedOutboxPoll {
                wakeAt = min(wakeAt ?? .distantFuture, now.addingTimeInterval(poll))
            }
            await sleep(until: wakeAt, on: clock, orUntil: wake)
        }
    }

    /// `brid --once`: what is due to every notifier, once, and the firing alerts to Alertmanagers.
    func round(_ configured: [NotifierConfig], at now: Date) async {
        await withDiscardingTaskGroup { group in
            for notifier in configured {
                group.addTask {
                    _ = await self.deliverDue(to: notifier, at: now)
                    if notifier.reposts { await self.repost(notifier, at: now) }
                }
            }
        }
    }

    /// The wait before retry number `attempt` (1 for the first retry).
    static func backoff(attempt: Int) -> TimeInterval {
        min(maxBackoff, firstBackoff * pow(2, Double(max(0, attempt - 1))))
    }

    /// Delivers the notifier's due notifications in order; says when the next is due.
    private func deliverDue(to notifier: NotifierConfig, at now: Date) async -> Date? {
        let pending: [PendingDelivery]
        do {
            pending = try await BlockingWork.read { [store] in try store.pendingDeliveries(notifier: notifier.id, limit: Self.batch) }
        } catch {
            if health.isUnavailable(error) { return nil }  // woken when the store answers again
            logger.error("alerts: cannot read the outbox: \(error)")
            return now.addingTimeInterval(Self.evaluationInterval)
        }
        for item in pending {
            if Task.isCancelled || !health.isAvailable { return nil }
            // In order: a notification waits until the one before it is delivered or given up.
            if item.nextAttemptAt > now { return item.nextAttemptAt }
            // Only a time to look again (another instance holds it): never sent from here,
            // even when this machine's clock runs ahead of the database's.
            if !item.mayBeSent { return max(item.nextAttemptAt, now.addingTimeInterval(1)) }
            // In a cluster a claim may have run out while the ones before it were sent (a
            // slow notifier, a long batch): renewed now, or left to the instance that took it.
            if sharedOutboxPoll != nil {
                do {
                    let mine = try await BlockingWork.read { [store] in
                        try store.renewDeliveryClaim(outboxID: item.outboxID, notifier: notifier.id)
                    }
                    if !mine { return now.addingTimeInterval(1) }
                } catch {
                    if health.isUnavailable(error) { return nil }
                    logger.error("alerts: cannot renew the claim of a delivery: \(error)")
                    return now.addingTimeInterval(Self.evaluationInterval)
                }
            }
            if let retryAt = await attempt(item, notifier, at: now) { return retryAt }
        }
        return pending.count == Self.batch ? now : nil
    }

    /// One attempt; returns when to retry, or nil when delivered or given up.
    private func attempt(_ item: PendingDelivery, _ notifier: NotifierConfig, at now: Date) async -> Date? {
        let metadata: Logger.Metadata = ["notifier": "\(notifier.id)", "alert.id": "\(item.notification.alert.id)",
                                         "alert.event": "\(item.notification.event.rawValue)"]
        do {
            try await notifiers.deliver(item.notification, to: notifier, at: now)
            metrics.delivery(notifier: notifier.id, succeeded: true)
            try await work.run { [store] in try store.recordDelivered(outboxID: item.outboxID, notifier: notifier.id, at: now) }
            if item.attempts > 0 {
                logger.notice("alerts: delivered \(item.notification.id) to \(notifier.id) after \(item.attempts + 1) attempts", metadata: metadata)
            }
            return nil
        } catch let error as DeliveryError {
            metrics.delivery(notifier: notifier.id, succeeded: false)
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
                if !health.isUnavailable(error) { logger.error("alerts: cannot record a failed delivery: \(error)", metadata: metadata) }
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
            // Delivered, but the store could not say so: it stays pending and is delivered
            // again once the store answers (at least once, never lost).
            if health.isUnavailable(error) { return nil }
            logger.error("alerts: cannot record a delivery: \(error)", metadata: metadata)
            return now.addingTimeInterval(Self.firstBackoff)
        }
    }

    private func repost(_ notifier: NotifierConfig, at now: Date) async {
        do {
            let firing = try await BlockingWork.read { [store] in try store.firingAlerts(for: notifier).map(\.notificationBody) }
            try await notifiers.repost(firing, to: notifier, at: now)
        } catch {
            if Task.isCancelled || health.isUnavailable(error) { return }
            logger.warning("alerts: re-posting firing alerts to \(notifier.id) failed: \(error)", metadata: ["notifier": "\(notifier.id)"])
        }
    }
}


extension NotifierConfig {
    /// Alertmanager notifiers re-post their firing alerts every `resend`.
    var reposts: Bool {
        if case .alertmanager = kind { true } else { false }
    }
}
