import BridCore
import BridFetch
import BridFormats
import BridHTTP
import BridRuntime
import BridStore
import Foundation
import Logging

/// Reloading the configuration: validate, then swap atomically or keep the old one.
extension Daemon {
    /// Reads the config file again with the `--check-config` code. On success the new
    /// config replaces the old at once: new sources are scheduled, removed ones dropped,
    /// changed ones rescheduled, unchanged ones keep their state. On failure the old
    /// config keeps running and the errors are kept for `status`.
    @discardableResult
    public func reload() async -> ReloadReport {
        notifier.reloading()
        let report = await reloadConfig()
        changed()
        if notifier.isEnabled { notifier.ready(status: await statusLine()) }
        return report
    }

    private func reloadConfig() async -> ReloadReport {
        // The file and the stored states are read off the actor (its scheduler and watchdog
        // pings go through it); the swap itself is on the actor, at once.
        let (loaded, states) = await Self.readForReload(config.path, store: store)
        switch loaded {
        case let .failure(failure):
            return refuse(failure.errors.map(\.description))
        case let .success(new):
            if new.daemon.stateDir != config.daemon.stateDir || new.daemon.socket != config.daemon.socket {
                return refuse(["\(config.path): [daemon]: state_dir and socket cannot change on reload; restart brid"])
            }
            if new.store != config.store || new.daemon.instance != config.daemon.instance {
                return refuse(["\(config.path): [store] and [daemon] instance cannot change on reload; restart brid"])
            }
            if new.http?.listen != config.http?.listen {
                return refuse(["\(config.path): [http] listen cannot change on reload (nor [http] be added or removed); restart brid"])
            }
            if let http = new.http {
                do {
                    httpTokens.replace(with: try HTTPTokens.resolve(http.tokens, environment: environment, readFile: readFile))
                } catch {
                    return refuse(["\(config.path): [http] tokens: \(error)"])
                }
            }
            return apply(new, states: states)
        }
    }

    /// The config file and the sources' stored states, read on the read queue.
    private static func readForReload(_ path: String, store: any VintageStore) async -> (Result<BridConfig, ConfigErrors>, [SourceState]) {
        await BlockingWork.readValue { (ConfigLoader.load(path: path), (try? store.sourceStates()) ?? []) }
    }

    /// What a reload did.
    public struct ReloadReport: Sendable, Equatable {
        /// Why the new config was refused; empty when it was applied.
        public var errors: [String] = []
        public var added: [String] = []
        public var removed: [String] = []
        public var changed: [String] = []
        public var applied: Bool { errors.isEmpty }
    }

    func refuse(_ errors: [String]) -> ReloadReport {
        lastReloadFailure = ReloadFailure(at: clock.now(), errors: errors)
        for error in errors { logger.error("reload refused: \(error)") }
        logger.error("reload refused: \(errors.count) error\(errors.count == 1 ? "" : "s"); still running the previous configuration")
        return ReloadReport(errors: errors)
    }

    func apply(_ new: BridConfig, states: [SourceState]) -> ReloadReport {
        let old = config
        config = new
        httpCache.clear()
        lastReloadFailure = nil
        let now = clock.now()
        let change = ConfigChange(from: old, to: new)
        let rereads = change.rereads
        urlSchedule.reload(from: old, to: new, change: change, states: states, now: now)
        // Store writes wait for an ingest in flight: queue them on the blocking-work queue,
        // never run them on the actor (the scheduler, and its watchdog pings, go through it).
        // Queued now, they run before any check that the reload makes due reads its state.
        work.enqueue { [store, logger, catalogue = new.catalogue, now, alertWake] in
            do {
                for conflict in try store.applyCatalogue(catalogue) { logger.warning("catalogue: \(conflict)") }
                for id in rereads { try store.forgetLastPayload(source: id, now: now) }
            } catch {
                logger.error("cannot apply the catalogue or reset a changed source: \(error)")
            }
            do {
                try Daemon.applyAlertPolicy(store: store, config: new, now: now, logger: logger)
            } catch {
                logger.error("cannot apply the new alert rules: \(error)")
            }
            alertWake.signal()
        }
        logger.notice("reloaded \(new.path): \(change.added.count) sources added, \(change.removed.count) removed, \(change.changed.count) changed; \(new.summary)")
        schedulerWake.signal()
        let scans = change.dropFoldersToScan
        // The intake takes the new drop folders (its watches follow), then scans the new ones.
        Task { [drops] in
            await drops.configure(new)
            for path in scans { await drops.scanDrop(path) }
        }
        return ReloadReport(added: change.added, removed: change.removed, changed: change.changed)
    }
}
