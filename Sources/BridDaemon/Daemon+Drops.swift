import BridCore
import BridFetch
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Logging

/// Drop folders: scans, serialised per folder, and the inotify watches of the current config.
extension Daemon {
    /// The drop sources and their folders.
    var dropFolders: [(source: SourceConfig, folder: DropFolder)] {
        config.sources.compactMap { source in
            if case let .drop(path) = source.location { return (source, DropFolder(path: path)) }
            return nil
        }
    }

    /// Ingests every complete file waiting in a drop folder. A scan asked for while one
    /// runs is done right after it, so no arrival is missed.
    ///
    /// The daemon takes a file only when it is known complete (inotify saw it closed after
    /// writing or renamed in) or untouched for `settleTime`: a file still being written in
    /// place is left for a scan after it settles. `--once` (`settle: false`) takes every file.
    @discardableResult
    public func scanDrop(_ path: String, settle: Bool = true) async -> [DropFolder.Outcome] {
        await scan(path, settle: settle).outcomes
    }

    /// A scan of a drop folder, as `scanDrop`, saying also whether it failed.
    ///
    /// A scan that fails for a reason other than a file's content (a folder that cannot be
    /// read, a file that cannot be read or moved, a store that cannot be written) is a
    /// source error, as a failed fetch is: recorded in the store when it can be (so
    /// `fetch_failing` sees it), shown by `status` when it cannot, and retried with backoff.
    func scan(_ path: String, settle: Bool = true) async -> DropScan {
        guard let (source, folder) = dropFolders.first(where: { $0.folder.path == path }) else { return DropScan() }
        if scanning.contains(path) {
            rescanRequested.insert(path)
            return DropScan()
        }
        var result = DropScan()
        scanning.insert(path)
        defer { scanning.remove(path) }
        var log = logger
        log[metadataKey: "source.id"] = "\(source.id)"
        repeat {
            rescanRequested.remove(path)
            if urlSchedule.paused.contains(source.id) { return result }
            do {
                let spec = try Ingestor.SourceSpec(source)
                let complete = announced[path] ?? []
                let now = clock.now()
                let settledBefore = settle ? now.addingTimeInterval(-Self.settleTime) : nil
                let (files, unsettled) = try await work.run {
                    try folder.prepare()
                    return try folder.scan(settledBefore: settledBefore, complete: complete)
                }
                // Names announced complete stay so until their file is taken: a file that
                // failed (the store could not be written) is still complete on the retry.
                announced[path] = (announced[path] ?? []).subtracting(complete.subtracting(files))
                // A little after the settle time, so the files' times are past it.
                if unsettled > 0 { scheduleScan(path, at: now.addingTimeInterval(Self.settleTime + 0.1)) }
                for name in files {
                    let outcome = try await work.run { [ingestor, now = clock.now(), maxBytes = source.maxBytes] in
                        try folder.process(name, source: spec, maxBytes: maxBytes, ingestor: ingestor, at: now)
                    }
                    announced[path]?.remove(name)
                    Self.log(outcome, logger: log)
                    result.outcomes.append(outcome)
                    if case .accepted(.released) = outcome.result { await checkpointIfLarge() }
                }
                result.failure = nil
            } catch {
                result.failure = "cannot scan \(path): \(error)"
            }
        } while rescanRequested.contains(path)
        if let failure = result.failure {
            await scanFailed(source.id, path: path, message: failure, logger: log)
        } else if dropFailures[source.id] != nil {
            await scanRecovered(source.id, rejected: result.outcomes.contains { if case .rejected = $0.result { true } else { false } },
                                logger: log)
        }
        if !result.outcomes.isEmpty { MemoryTrim.releaseFreedMemory() }
        changed()
        updateStatus()
        return result
    }

    /// How long a file must be left alone before a scan takes it without an inotify event.
    static let settleTime: TimeInterval = 2

    /// The wait before scanning a failing folder again: one minute, doubling, at most the
    /// rescan interval (which scans it anyway).
    func dropRetryDelay(failures: Int) -> TimeInterval {
        SchedulePolicy.retryDelay(failures: failures, cap: dropRescanInterval)
    }

    /// Records a failed scan (in the store when it can be written), and schedules its retry.
    private func scanFailed(_ id: String, path: String, message: String, logger: Logger) async {
        let now = clock.now()
        var failure = dropFailures[id] ?? DropScanFailure(at: now)
        failure.failures += 1
        failure.lastError = message
        failure.at = now
        do {
            try await work.run { [store, count = failure.unrecorded + 1] in
                try store.recordFailure(source: id, message: message, at: now, count: count)
            }
            failure.unrecorded = 0
        } catch {
            failure.unrecorded += 1
            logger.critical("cannot record the failed scan: \(error)")
        }
        dropFailures[id] = failure
        scanFailures += 1
        let delay = dropRetryDelay(failures: failure.failures)
        scheduleScan(path, at: now.addingTimeInterval(delay))
        logger.error("\(message); retry in \(Self.describe(delay))")
    }

    /// The folder scans again after failed scans: the source is no longer failing (unless a
    /// file of this scan was rejected, itself a failure).
    private func scanRecovered(_ id: String, rejected: Bool, logger: Logger) async {
        if !rejected {
            do {
                try await work.run { [store, now = clock.now()] in try store.recordSuccessWithoutPayload(source: id, at: now) }
            } catch {
                logger.critical("cannot record the successful scan: \(error)")
                return  // still failing as far as the store knows: tried again with the next scan
            }
        }
        dropFailures[id] = nil
        logger.notice("the drop folder scans again")
    }

    /// Notes a file that inotify saw completed, then scans its folder.
    public func arrived(_ arrival: DropWatcher.Arrival) async {
        if let name = arrival.name { announced[arrival.folder, default: []].insert(name) }
        await scanDrop(arrival.folder)
    }

    /// A scan of the folder at `date` on the daemon's clock; the earliest one asked for wins.
    func scheduleScan(_ path: String, at date: Date) {
        if let pending = scheduledScans[path], pending <= date { return }
        scheduledScans[path] = date
        Task { [clock] in
            do { try await clock.sleep(until: date) } catch { return }
            // Superseded by an earlier scan, which scheduled what it still needed.
            guard self.scheduledScans[path] == date else { return }
            self.scheduledScans[path] = nil
            await self.scanDrop(path)
        }
    }

    /// Scans every drop folder (at start-up and as the periodic safety net).
    @discardableResult
    public func scanAllDrops() async -> [DropFolder.Outcome] {
        var outcomes: [DropFolder.Outcome] = []
        for (_, folder) in dropFolders { outcomes += await scanDrop(folder.path) }
        return outcomes
    }

    /// Ingests a payload handed over the control socket, like a dropped file.
    public func ingest(_ bytes: [UInt8], origin: String, source: Ingestor.SourceSpec) async throws -> Ingestor.Result {
        let result = try await work.run { [ingestor, now = clock.now()] in
            try ingestor.ingest(bytes, origin: origin, source: source, at: now)
        }
        var log = logger
        log[metadataKey: "source.id"] = "\(source.id)"
        Self.log(DropFolder.Outcome(file: origin, result: result, movedTo: "(control socket)"), logger: log)
        if case .accepted(.released) = result { await checkpointIfLarge() }
        changed()
        updateStatus()
        return result
    }

    static func log(_ outcome: DropFolder.Outcome, logger: Logger) {
        var log = logger
        log[metadataKey: "file"] = "\(outcome.file)"
        switch outcome.result {
        case let .accepted(.released(release)):
            log.info("accepted: release \(release.id), \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged")
        case .accepted(.unchangedPayload):
            log.info("unchanged: identical to the last payload (SHA-256)")
        case let .accepted(.unchangedValues(count)):
            log.info("unchanged: all \(count) values equal the stored ones")
        case let .rejected(error):
            log.error("rejected: \(error.description) — moved to \(outcome.movedTo)")
        }
    }

    /// Starts watching the drop folders of the current config with `watcher`.
    func watchDrops(with watcher: DropWatcher) {
        dropWatcher = watcher
        syncWatches()
    }

    func syncWatches() {
        guard let watcher = dropWatcher else { return }
        let wanted = Set(dropFolders.map(\.folder.path))
        for folder in watcher.watchedFolders where !wanted.contains(folder) { watcher.unwatch(folder) }
        for (source, folder) in dropFolders where !watcher.watchedFolders.contains(folder.path) {
            do {
                try folder.prepare()
                try watcher.watch(folder.path)
            } catch {
                logger.error("cannot watch the drop folder of \(source.id): \(error)")
            }
        }
    }
}

/// What one scan of a drop folder did.
struct DropScan: Sendable {
    var outcomes: [DropFolder.Outcome] = []
    /// Why the scan failed, when it failed for a reason other than a file's content.
    var failure: String?
}

/// A drop source whose scans fail for a reason other than a file's content.
struct DropScanFailure: Sendable, Equatable {
    /// Failed scans in a row, for the backoff.
    var failures = 0
    var lastError = ""
    var at: Date
    /// Failures the store could not record (it failed too): `status` shows them on top of
    /// the stored state, and the next failure the store takes adds them.
    var unrecorded = 0

    init(at: Date) {
        self.at = at
    }
}
