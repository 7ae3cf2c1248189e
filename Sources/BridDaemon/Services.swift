import BridCore
import BridRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Fetches URL sources when they are due, at most `max_concurrent_fetches` at once, and
/// pings systemd's watchdog from its own loop, so a wedged scheduler gets restarted.
/// Sleeps until the next due time: no polling.
struct SchedulerService: Service {
    let daemon: Daemon
    let clock: any DaemonClock
    let notifier: SystemdNotifier
    let watchdogInterval: Duration?

    func run() async throws {
        try await daemon.loadSchedule()
        await daemon.updateStatus()
        let stopping = Atomic<Bool>(false)
        let wake = daemon.schedulerWake
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                // Pings are timed on the monotonic clock, so a wall clock stepped back by an
                // hour does not silence them (and get brid killed by the watchdog).
                var nextPing = watchdogInterval.map { _ in ContinuousClock.now }
                while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                    if let interval = watchdogInterval, let due = nextPing, ContinuousClock.now >= due {
                        notifier.watchdog()
                        nextPing = ContinuousClock.now + interval
                    }
                    let plan = await daemon.takeDueSources()
                    for id in plan.start {
                        group.addTask { _ = await daemon.check(id) }
                    }
                    let pingAt = nextPing.map { clock.now().addingTimeInterval((ContinuousClock.now.duration(to: $0)).seconds) }
                    let wakeAt = [plan.nextWake, pingAt].compactMap { $0 }.min()
                    await sleep(until: wakeAt, on: clock, orUntil: wake)
                }
                // Stop taking work: downloads in flight are aborted (the source is checked
                // again after the restart); an ingest in flight still commits or rolls back,
                // since it runs to its end on the blocking-work queue.
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            stopping.store(true, ordering: .relaxed)
            wake.signal()
        }
    }
}

/// Ingests files dropped into drop folders: inotify for arrivals (within a second), a
/// scan at start-up for files that came while brid was down, and a rescan every
/// `rescanInterval` as a safety net.
struct DropService: Service {
    let daemon: Daemon
    let clock: any DaemonClock
    let rescanInterval: TimeInterval

    func run() async throws {
        let watcher = try DropWatcher()
        await daemon.drops.watch(with: watcher)
        watcher.start()
        await daemon.drops.scanAllDrops()
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await arrival in watcher.arrivals { await daemon.drops.arrived(arrival) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await clock.sleep(until: clock.now().addingTimeInterval(rescanInterval))
                        } catch {
                            return
                        }
                        await daemon.drops.scanAllDrops()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            watcher.stop()
        }
    }
}

/// Reloads the configuration on SIGHUP.
struct ReloadService: Service {
    let daemon: Daemon

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                await daemon.reload()
            }
        }
    }
}
