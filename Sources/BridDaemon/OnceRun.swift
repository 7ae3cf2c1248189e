import BridCore
import BridFetch
import BridRuntime
import BridStore
import Foundation
import Logging

/// `brid --once`: every source once — URL sources fetched (at most
/// `max_concurrent_fetches` at once), drop folders scanned — then exit: 0, or 1 when a
/// payload was rejected, a fetch failed, the config is invalid, or another brid (a
/// daemon) holds the state folder. The checks are the
/// daemon's own, so the schedule they record is resumed by the next daemon start.
///
/// On PostgreSQL `--once` is an instance of the cluster for the length of the run: it
/// joins, leases the URL sources no live instance holds (its fair share of them, as a
/// daemon would: all of them when it is alone), checks those, names those skipped as
/// another instance's, and gives its leases up at the end. Drop folders are scanned as
/// always (they are not leased).
public func runOnce(configPath: String, logger: Logger, environment: DaemonEnvironment? = nil) async -> Int32 {
    let config: BridConfig
    switch ConfigLoader.load(path: configPath) {
    case let .success(loaded): config = loaded
    case let .failure(failure):
        for error in failure.errors { logger.error("\(error)") }
        return 1
    }
    do {
        var environment = environment ?? DaemonEnvironment(logger: logger)
        environment.notifier = SystemdNotifier(environment: [:])  // a run, not a service: nothing to tell systemd
        // Refused beside a running daemon: both would take the same drop files and write
        // the same database.
        let lock = try Launcher.lockStateFolder(config, holderHint: Launcher.onceHolderHint)
        defer { withExtendedLifetime(lock) {} }
        let daemon = try buildDaemon(config: config, environment: environment, serving: false).daemon
        let store = daemon.store
        defer { store.close() }  // checkpointed and closed: no brid.sqlite-wal or -shm left behind
        let cluster = daemon.cluster
        // Joined by buildDaemon: a clean stop at the end, whatever happens (leases given up).
        defer {
            if cluster.isShared {
                do {
                    try cluster.release(now: environment.clock.now())
                } catch {
                    logger.warning("cluster: cannot give up the leases (they end by themselves within \(ConfigDuration.format(cluster.lease))): \(error)")
                }
            }
        }
        try await daemon.loadSchedule()
        var failed = 0, released = 0, unchanged = 0
        var urlSources = config.sources.filter { if case .url = $0.location { true } else { false } }
        if cluster.isShared {
            let held = try cluster.claim(sources: urlSources.map(\.id), busy: [], now: environment.clock.now())
            let holders = Dictionary((try? cluster.leases(now: environment.clock.now()))?.filter { !$0.expired }.map { ($0.source, $0.instance) } ?? [],
                                     uniquingKeysWith: { a, _ in a })
            for source in urlSources where !held.contains(source.id) {
                logger.notice("skipped: held by another instance of the cluster (\(holders[source.id] ?? "unknown")), which checks it",
                              metadata: ["source.id": "\(source.id)"])
            }
            urlSources = urlSources.filter { held.contains($0.id) }
        }
        let outcomes = await withTaskGroup(of: PayloadOutcome?.self, returning: [PayloadOutcome].self) { group in
            var results: [PayloadOutcome] = []
            var running = 0
            for source in urlSources {
                if await daemon.isPaused(source.id) {
                    logger.notice("paused: not fetched", metadata: ["source.id": "\(source.id)"])
                    continue
                }
                if running == config.daemon.maxConcurrentFetches, let result = await group.next() {
                    if let result { results.append(result) }
                    running -= 1
                }
                group.addTask {
                    guard await daemon.beginCheck(source.id) else { return nil }
                    return await daemon.check(source.id)
                }
                running += 1
            }
            for await result in group { if let result { results.append(result) } }
            return results
        }
        func count(_ outcome: PayloadOutcome) {
            if case .released = outcome { released += 1 } else if outcome.succeeded { unchanged += 1 } else { failed += 1 }
        }
        outcomes.forEach(count)
        let scanFailuresBefore = await daemon.drops.scanFailures
        for (source, folder) in await daemon.drops.folders {
            let outcomes = await daemon.drops.scanDrop(folder.path, settle: false)
            if outcomes.isEmpty { logger.info("no new files in \(folder.path)", metadata: ["source.id": "\(source.id)"]) }
            for taken in outcomes { count(taken.outcome) }
        }
        failed += await daemon.drops.scanFailures - scanFailuresBefore
        // Alerts: the timed rules once, then one delivery attempt each; what is left waits
        // in the outbox for the daemon.
        await daemon.evaluateTimedRules()
        await AlertDelivery(daemon: daemon, notifiers: environment.notifiers(for: daemon))
            .round(config.notifiers, at: environment.clock.now())
        await daemon.pruneNotifications()
        let backlog = try store.alertStatistics().backlog
        if backlog > 0 { logger.warning("alerts: \(backlog) notifications not delivered yet; the daemon retries them") }
        logger.info("done: \(released) new releases, \(unchanged) unchanged, \(failed) rejected or failed")
        return failed == 0 ? 0 : 1
    } catch {
        logger.critical("\(error)")
        return 1
    }
}
