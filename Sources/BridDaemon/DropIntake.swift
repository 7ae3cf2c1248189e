import BridCore
import BridRuntime
import BridStore
import Foundation
import Logging
import Synchronization

/// The drop folders: their inotify watches, their scans (one at a time per folder, a scan
/// asked for during one done right after it), the settle wait of files written in place,
/// and the retries of folders whose scans fail — all timed on the daemon's clock. It owns
/// this state; it asks the daemon only whether a source is paused, and tells it when what
/// `status` shows changed.
public actor DropIntake {
    /// How long a file must be left alone before a scan takes it without an inotify event.
    public static let settleTime: TimeInterval = 2

    let store: any VintageStore
    let ingestor: Ingestor
    let work: BlockingWork
    let clock: any DaemonClock
    let logger: Logger
    /// How often the drop folders are rescanned anyway: the longest wait of a failing folder's retries.
    let rescanInterval: TimeInterval
    /// While the store is unavailable no scan runs; the daemon scans every folder when it answers again.
    let health: StoreHealth
    /// The daemon, set once it exists (weak: it owns the intake).
    nonisolated let owner = OwnerLink()

    /// The drop sources of the configuration in force, and their folders.
    private(set) var folders: [(source: SourceConfig, folder: DropFolder)]
    /// Drop folders being scanned.
    private var scanning: Set<String> = []
    /// Folders to scan again when their scan in flight ends.
    private var rescanRequested: Set<String> = []
    /// Callers waiting for the scan in flight of a folder (and the rescan they asked for).
    private var waiting: [String: [CheckedContinuation<DropScan, Never>]] = [:]
    /// Names inotify reported complete, per folder, not yet taken by a scan.
    private var announced: [String: Set<String>] = [:]
    /// When the next scan of a folder is due (files left to settle, a failed scan's retry).
    private(set) var scheduledScans: [String: Date] = [:]
    /// Scans that failed (a folder that cannot be read, a file that cannot be moved).
    public private(set) var scanFailures = 0
    /// Drop sources whose scans fail for a reason other than a file's content, by source id.
    private(set) var failures: [String: DropScanFailure] = [:]
    private var watcher: DropWatcher?

    init(config: BridConfig, store: any VintageStore, ingestor: Ingestor, work: BlockingWork, clock: any DaemonClock, logger: Logger,
         rescanInterval: TimeInterval, health: StoreHealth) {
        self.health = health
        self.folders = Self.folders(of: config)
        self.store = store
        self.ingestor = ingestor
        self.work = work
        self.clock = clock
        self.logger = logger
        self.rescanInterval = rescanInterval
    }

    static func folders(of config: BridConfig) -> [(source: SourceConfig, folder: DropFolder)] {
        config.sources.compactMap { source in
            if case let .drop(path) = source.location { return (source, DropFolder(path: path)) }
            return nil
        }
    }

    /// Takes the drop sources of a new configuration: watches follow, scans use them.
    func configure(_ config: BridConfig) {
        folders = Self.folders(of: config)
        syncWatches()
    }

    // MARK: - Scans

    /// Ingests every complete file waiting in a drop folder. A scan asked for while one
    /// runs is done right after it, so no arrival is missed.
    ///
    /// The daemon takes a file only when it is known complete (inotify saw it closed after
    /// writing or renamed in) or untouched for `settleTime`: a file still being written in
    /// place is left for a scan after it settles. `--once` (`settle: false`) takes every file.
    @discardableResult
    public func scanDrop(_ path: String, settle: Bool = true) async -> [DropFolder.Taken] {
        await scan(path, settle: settle).outcomes
    }

    /// A scan of a drop folder, as `scanDrop`, saying also whether it failed.
    ///
    /// A scan that fails for a reason other than a file's content (a folder that cannot be
    /// read, a file that cannot be read or moved, a store that cannot be written) is a
    /// source error, as a failed fetch is: recorded in the store when it can be (so
    /// `fetch_failing` sees it), shown by `status` when it cannot, and retried with backoff.
    ///
    /// While a scan of the folder runs, another is done right after it; `waitForRunning`
    /// (`brictl fetch`) waits for that one and answers with what the whole scan did, rather
    /// than with an empty answer that would read as "no new files".
    func scan(_ path: String, settle: Bool = true, waitForRunning: Bool = false) async -> DropScan {
        guard let (source, folder) = folders.first(where: { $0.folder.path == path }) else { return DropScan() }
        if scanning.contains(path) {
            rescanRequested.insert(path)
            guard waitForRunning else { return DropScan() }
            return await withCheckedContinuation { waiting[path, default: []].append($0) }
        }
        var result = DropScan()
        scanning.insert(path)
        defer {
            scanning.remove(path)
            for waiter in waiting.removeValue(forKey: path) ?? [] { waiter.resume(returning: result) }
        }
        var log = logger
        log[metadataKey: "source.id"] = "\(source.id)"
        var storeUnavailable = false
        repeat {
            rescanRequested.remove(path)
            if await owner.daemon?.isPaused(source.id) == true { return result }
            // Files wait in the folder; every folder is scanned once the store answers.
            if !health.isAvailable { return result }
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
                    let (outcome, took) = try await work.run { [ingestor, now = clock.now()] in
                        let started = ContinuousClock.now
                        return (try folder.process(name, source: spec, ingestor: ingestor, at: now), ContinuousClock.now - started)
                    }
                    if let metrics = owner.daemon?.metrics {
                        metrics.ingested(source: source.id, duration: took)
                        metrics.received(source: source.id, outcome: outcome.outcome)
                    }
                    announced[path]?.remove(name)
                    Self.log(outcome, logger: log)
                    result.outcomes.append(outcome)
                    if case .released = outcome.outcome { await maintainStore(store, work: work, logger: logger) }
                }
                result.failure = nil
            } catch {
                // The file being ingested stays in the folder (its transaction rolled back):
                // taken by the scan made when the store answers again. Not the source's failure.
                if health.isUnavailable(error) {
                    storeUnavailable = true
                    break
                }
                result.failure = "cannot scan \(path): \(error)"
            }
        } while rescanRequested.contains(path)
        if storeUnavailable {
            result.failure = nil
        } else if let failure = result.failure {
            await scanFailed(source.id, path: path, message: failure, logger: log)
        } else if failures[source.id] != nil {
            await scanRecovered(source.id, rejected: result.outcomes.contains { if case .rejected = $0.outcome { true } else { false } },
                                logger: log)
        }
        if !result.outcomes.isEmpty { MemoryTrim.releaseFreedMemory() }
        await owner.daemon?.dropsChanged(unrecorded: failures.filter { $0.value.unrecorded > 0 })
        return result
    }

    /// The wait before scanning a failing folder again: one minute, doubling, at most the
    /// rescan interval (which scans it anyway).
    func retryDelay(failures: Int) -> TimeInterval {
        SchedulePolicy.retryDelay(failures: failures, cap: rescanInterval)
    }

    /// Records a failed scan (in the store when it can be written), and schedules its retry.
    private func scanFailed(_ id: String, path: String, message: String, logger: Logger) async {
        let now = clock.now()
        var failure = failures[id] ?? DropScanFailure(at: now)
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
            if !health.isUnavailable(error) { logger.critical("cannot record the failed scan: \(error)") }
        }
        failures[id] = failure
        scanFailures += 1
        let delay = retryDelay(failures: failure.failures)
        scheduleScan(path, at: now.addingTimeInterval(delay))
        logger.error("\(message); retry in \(Daemon.describe(delay))")
    }

    /// The folder scans again after failed scans: the source is no longer failing (unless a
    /// file of this scan was rejected, itself a failure).
    private func scanRecovered(_ id: String, rejected: Bool, logger: Logger) async {
        if !rejected {
            do {
                try await work.run { [store, now = clock.now()] in try store.recordSuccessWithoutPayload(source: id, at: now) }
            } catch {
                if !health.isUnavailable(error) { logger.critical("cannot record the successful scan: \(error)") }
                return  // still failing as far as the store knows: tried again with the next scan
            }
        }
        failures[id] = nil
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
    public func scanAllDrops(settle: Bool = true) async -> [DropFolder.Taken] {
        var outcomes: [DropFolder.Taken] = []
        for (_, folder) in folders { outcomes += await scanDrop(folder.path, settle: settle) }
        return outcomes
    }

    // MARK: - Watches

    /// Starts watching the drop folders of the current config with `watcher`.
    func watch(with watcher: DropWatcher) {
        self.watcher = watcher
        syncWatches()
    }

    private func syncWatches() {
        guard let watcher else { return }
        let wanted = Set(folders.map(\.folder.path))
        for folder in watcher.watchedFolders where !wanted.contains(folder) { watcher.unwatch(folder) }
        for (source, folder) in folders where !watcher.watchedFolders.contains(folder.path) {
            do {
                try folder.prepare()
                try watcher.watch(folder.path)
            } catch {
                logger.error("cannot watch the drop folder of \(source.id): \(error)")
            }
        }
    }

    static func log(_ outcome: DropFolder.Taken, logger: Logger) {
        var log = logger
        log[metadataKey: "file"] = "\(outcome.file)"
        switch outcome.outcome {
        case let .released(release):
            log.info("accepted: release \(release.id), \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged")
        case .unchangedPayload:
            log.info("unchanged: identical to the last payload (SHA-256)")
        case let .unchangedValues(count):
            log.info("unchanged: all \(count) values equal the stored ones")
        case .notModified:
            log.info("unchanged")
        case let .rejected(error):
            log.error("rejected: \(error.description) — moved to \(outcome.movedTo)")
            if let problem = outcome.noteProblem { log.error("rejected without its .error note: \(problem)") }
        case let .failed(reason), let .cancelled(reason):
            log.error("failed: \(reason)")
        }
    }

    /// The daemon that owns the intake, held weakly.
    final class OwnerLink: Sendable {
        private struct Weak: @unchecked Sendable { weak var daemon: Daemon? }
        private let link = Mutex(Weak())
        var daemon: Daemon? { link.withLock { $0.daemon } }
        func set(_ daemon: Daemon) { link.withLock { $0.daemon = daemon } }
    }
}

/// What one scan of a drop folder did.
struct DropScan: Sendable {
    var outcomes: [DropFolder.Taken] = []
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
