import BridCore
import BridFetch
import BridFormats
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
        defer {
            changed()
            notifier.ready(status: statusLine())
        }
        switch ConfigLoader.load(path: config.path) {
        case let .failure(failure):
            return refuse(failure.errors.map(\.description))
        case let .success(new):
            if new.daemon.stateDir != config.daemon.stateDir || new.daemon.socket != config.daemon.socket {
                return refuse(["\(config.path): [daemon]: state_dir and socket cannot change on reload; restart brid"])
            }
            return apply(new)
        }
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

    func apply(_ new: BridConfig) -> ReloadReport {
        let old = config
        config = new
        lastReloadFailure = nil
        let now = clock.now()
        var added: [String] = [], removed: [String] = [], changedIDs: [String] = []
        for source in new.sources {
            guard let previous = old.source(id: source.id) else { added.append(source.id); continue }
            if previous != source { changedIDs.append(source.id) }
        }
        removed = old.sources.map(\.id).filter { new.source(id: $0) == nil }
        for id in removed { due.removeValue(forKey: id) }
        let states = Dictionary(uniqueKeysWithValues: ((try? store.sourceStates()) ?? []).map { ($0.id, $0) })
        for id in added + changedIDs {
            guard let source = new.source(id: id) else { continue }
            guard case .url = source.location, let schedule = source.schedule else {
                due.removeValue(forKey: id)
                continue
            }
            if added.contains(id) || old.source(id: id)?.schedule != schedule || due[id] == nil {
                due[id] = Self.resumedDue(state: states[id], schedule: schedule, sourceID: id, now: now)
            }
        }
        do {
            for conflict in try store.applyCatalogue(new.catalogue) { logger.warning("catalogue: \(conflict)") }
        } catch {
            logger.error("cannot apply the catalogue: \(error)")
        }
        syncWatches()
        logger.notice("reloaded \(new.path): \(added.count) sources added, \(removed.count) removed, \(changedIDs.count) changed; \(new.summary)")
        schedulerWake.signal()
        for id in added + changedIDs {
            if let source = new.source(id: id), case let .drop(path) = source.location {
                Task { await self.scanDrop(path) }
            }
        }
        return ReloadReport(added: added, removed: removed, changed: changedIDs)
    }
}
