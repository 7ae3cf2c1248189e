import BridCore
import BridFetch
import BridRuntime
import BridStore
import Foundation
import Logging

/// Checking a URL source: the check itself (`SourceCheck`) runs off the actor; the actor
/// takes its outcome into the schedule.
extension Daemon {
    /// Fetches a URL source once (conditionally), ingests what came, records the outcome
    /// and schedules the next check.
    public func check(_ id: String) async -> PayloadOutcome {
        defer {
            urlSchedule.finish(id)
            changed()
            // The last check of a round: give back what the transfers and parsing used.
            if urlSchedule.checking.isEmpty { MemoryTrim.releaseFreedMemory() }
            schedulerWake.signal()
        }
        guard let source = config.source(id: id), case let .url(url) = source.location, let sourceSchedule = source.schedule else {
            return .failed("no URL source \(id) in the configuration")
        }
        var log = logger
        log[metadataKey: "source.id"] = "\(id)"
        let started = clock.now()
        let outcome = await sourceCheck.run(source, url: url, logger: log)
        // brid is stopping, or the store is unavailable: still due, checked again after the
        // restart or once the store answers (nothing recorded, not a failure).
        if case .cancelled = outcome { return outcome }
        metrics.checked(source: id, outcome: outcome)
        let succeeded = outcome.succeeded
        let failures = succeeded ? 0 : await sourceCheck.consecutiveFailures(id)
        let now = clock.now()
        // A reload while the check ran may have changed or removed the source: schedule it
        // by the configuration in force now.
        let current = config.source(id: id)?.schedule ?? sourceSchedule
        let next = URLSchedule.nextDue(succeeded: succeeded, started: started, now: now, failures: failures,
                                       schedule: current, sourceID: id)
        urlSchedule.reschedule(id, at: next)  // a no-op for a source a reload removed
        await sourceCheck.recordNextDue(id, at: next, now: now, logger: log)
        let wait = Self.describe(next.timeIntervalSince(now))
        switch outcome {
        case let .released(release):
            log.info("fetched: release \(release.id), \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged; next check in \(wait)")
        case .unchangedPayload, .unchangedValues, .notModified:
            log.info("fetched: unchanged (\(outcome.unchangedReason ?? "")); next check in \(wait)")
        case let .rejected(error):
            log.error("rejected: \(error.description); retry in \(wait)")
        case let .failed(reason), let .cancelled(reason):
            log.error("fetch failed: \(reason); retry in \(wait)")
        }
        if case .released = outcome { await maintainStore(store, work: work, logger: logger) }
        updateStatus()
        return outcome
    }
}
