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
        guard let (source, folder) = dropFolders.first(where: { $0.folder.path == path }) else { return [] }
        if scanning.contains(path) {
            rescanRequested.insert(path)
            return []
        }
        var outcomes: [DropFolder.Outcome] = []
        scanning.insert(path)
        defer { scanning.remove(path) }
        var log = logger
        log[metadataKey: "source.id"] = "\(source.id)"
        repeat {
            rescanRequested.remove(path)
            if paused.contains(source.id) { return outcomes }
            do {
                let spec = try Ingestor.SourceSpec(source)
                let complete = announced[path] ?? []
                let settledBefore = settle ? Date().addingTimeInterval(-Self.settleTime) : nil
                let (files, unsettled) = try await work.run {
                    try folder.prepare()
                    return try folder.scan(settledBefore: settledBefore, complete: complete)
                }
                announced[path] = (announced[path] ?? []).subtracting(complete)
                if unsettled > 0 { scheduleSettledScan(path) }
                for name in files {
                    let outcome = try await work.run { [ingestor, now = clock.now(), maxBytes = source.maxBytes] in
                        try folder.process(name, source: spec, maxBytes: maxBytes, ingestor: ingestor, at: now)
                    }
                    Self.log(outcome, logger: log)
                    outcomes.append(outcome)
                    if case .accepted(.released) = outcome.result { await checkpointIfLarge() }
                }
            } catch {
                log.error("cannot scan \(path): \(error)")
                scanFailures += 1
            }
        } while rescanRequested.contains(path)
        if !outcomes.isEmpty { MemoryTrim.releaseFreedMemory() }
        changed()
        updateStatus()
        return outcomes
    }

    /// How long a file must be left alone before a scan takes it without an inotify event.
    static let settleTime: TimeInterval = 2

    /// Notes a file that inotify saw completed, then scans its folder.
    public func arrived(_ arrival: DropWatcher.Arrival) async {
        if let name = arrival.name { announced[arrival.folder, default: []].insert(name) }
        await scanDrop(arrival.folder)
    }

    /// A scan once the files left for settling have settled (file times are real time).
    private func scheduleSettledScan(_ path: String) {
        guard settleScans.insert(path).inserted else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(Self.settleTime * 1000) + 100))
            self.settleScans.remove(path)
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

    /// Whether a source is paused (kept in the store across restarts).
    public func isPaused(_ id: String) -> Bool { paused.contains(id) }

    /// Marks a source as being checked now (for `--once` and manual fetches), or returns
    /// false when a check of it is already in flight.
    public func beginCheck(_ id: String) -> Bool {
        let inserted = checking.insert(id).inserted
        if inserted { changed() }
        return inserted
    }

    /// Pauses or resumes a source: it is not checked while paused (kept across restarts).
    /// Returns whether anything changed.
    public func setPaused(_ id: String, _ pause: Bool) async throws -> Bool {
        guard (paused.contains(id)) != pause else { return false }
        try await work.run { [store, now = clock.now()] in try store.setPaused(source: id, pause, now: now) }
        if pause { paused.insert(id) } else { paused.remove(id) }
        changed()
        schedulerWake.signal()
        updateStatus()
        return true
    }

    /// Makes a URL source due now (a fetch without waiting for its outcome).
    public func requestCheck(_ id: String) {
        guard due[id] != nil else { return }
        due[id] = clock.now()
        changed()
        schedulerWake.signal()
    }

    /// When each URL source is due next.
    public var schedule: [String: Date] { due }

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
            if let problem = outcome.noteProblem { log.error("rejected without its .error note: \(problem)") }
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
