import BridCore
import BridFetch
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Logging

/// What one check of a source did.
public enum CheckOutcome: Sendable, Equatable {
    case released(Release)
    /// Not modified (HTTP 304), byte-identical, or no value changed.
    case unchanged(String)
    /// The payload was refused; nothing stored.
    case rejected(String)
    /// The payload could not be had (HTTP error, timeout, …).
    case failed(String)
}

/// The running daemon's state: the current configuration, the schedule of URL sources,
/// and the checks in flight. Services (scheduler, drop watcher, reload) act through it.
public actor Daemon {
    public private(set) var config: BridConfig
    public nonisolated let store: Store
    let ingestor: Ingestor
    let fetcher: any HTTPFetching
    let clock: any DaemonClock
    let logger: Logger
    let notifier: SystemdNotifier
    let environment: [String: String]
    let readFile: @Sendable (String) throws -> String
    let work = BlockingWork()
    /// Wakes the scheduler when the schedule changed (a check finished, a reload, a request).
    let schedulerWake = WakeSignal()

    /// When each URL source is due next.
    private(set) var due: [String: Date] = [:]
    private var checking: Set<String> = []
    private var paused: Set<String> = []
    /// Drop folders being scanned, and those to scan again when that scan ends.
    private var scanning: Set<String> = []
    private var rescanRequested: Set<String> = []
    var dropWatcher: DropWatcher?
    /// Goes up whenever something `status` shows changes, so a status can be cached.
    public private(set) var generation: UInt64 = 0

    func changed() { generation &+= 1 }

    /// The last reload that was refused, for `status`.
    public private(set) var lastReloadFailure: ReloadFailure?

    public struct ReloadFailure: Sendable, Equatable {
        public let at: Date
        public let errors: [String]
    }

    public init(config: BridConfig, store: Store, fetcher: any HTTPFetching, clock: any DaemonClock, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(environment: [:]), environment: [String: String] = [:],
                readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) {
        self.config = config
        self.store = store
        self.ingestor = Ingestor(store: store)
        self.fetcher = fetcher
        self.clock = clock
        self.logger = logger
        self.notifier = notifier
        self.environment = environment
        self.readFile = readFile
    }

    // MARK: - The schedule

    /// Resumes the schedule stored in the database: a source never checked, or overdue,
    /// is due at once; a source whose schedule got shorter is due by the new one.
    func loadSchedule() throws {
        let states = Dictionary(uniqueKeysWithValues: try store.sourceStates().map { ($0.id, $0) })
        let now = clock.now()
        paused = Set(states.values.filter(\.paused).map(\.id))
        due = [:]
        for source in config.sources {
            guard case .url = source.location, let schedule = source.schedule else { continue }
            due[source.id] = Self.resumedDue(state: states[source.id], schedule: schedule, sourceID: source.id, now: now)
        }
    }

    static func resumedDue(state: SourceState?, schedule: Schedule, sourceID: String, now: Date) -> Date {
        guard let state, let stored = state.nextDueAt, let lastCheck = state.lastCheckAt else { return now }
        let bySchedule = state.consecutiveFailures > 0 ? stored : SchedulePolicy.nextDue(after: lastCheck, schedule: schedule, sourceID: sourceID)
        return max(now, min(stored, bySchedule))
    }

    /// Marks the due sources as being checked (at most `max_concurrent_fetches` at once)
    /// and says when the scheduler should look again.
    func takeDueSources() -> (start: [String], nextWake: Date?) {
        let now = clock.now()
        var start: [String] = []
        let capacity = config.daemon.maxConcurrentFetches - checking.count
        for (id, date) in due.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) })
        where date <= now && !checking.contains(id) && !paused.contains(id) && start.count < capacity {
            start.append(id)
        }
        checking.formUnion(start)
        if !start.isEmpty { changed() }
        let waiting = due.filter { !checking.contains($0.key) && !paused.contains($0.key) }
        // Sources due but over the limit wait for a check to finish, which wakes the scheduler.
        let nextWake = waiting.values.filter { $0 > now }.min()
        return (start, nextWake)
    }

    /// The sources being checked now.
    public var sourcesInFlight: Set<String> { checking }

    // MARK: - Checking a URL source

    /// Fetches a URL source once (conditionally), ingests what came, records the outcome
    /// and schedules the next check.
    public func check(_ id: String) async -> CheckOutcome {
        defer {
            checking.remove(id)
            changed()
            schedulerWake.signal()
        }
        guard let source = config.source(id: id), case let .url(url) = source.location, let schedule = source.schedule else {
            return .failed("no URL source \(id) in the configuration")
        }
        var log = logger
        log[metadataKey: "source.id"] = "\(id)"
        let started = clock.now()
        let outcome = await fetchAndIngest(source, url: url, logger: log)
        if Task.isCancelled, case let .failed(reason) = outcome, reason.hasPrefix("cancelled") {
            return outcome  // brid is stopping: the source is checked again after the restart
        }
        let state = try? store.sourceState(id)
        let now = clock.now()
        let next: Date
        switch outcome {
        case .released, .unchanged:
            next = SchedulePolicy.nextDue(after: started, schedule: schedule, sourceID: id)
        case .rejected, .failed:
            next = SchedulePolicy.retry(after: now, failures: max(state?.consecutiveFailures ?? 1, 1), schedule: schedule)
        }
        if config.source(id: id) != nil, due[id] != nil { due[id] = next }
        do {
            try await work.run { [store] in try store.recordNextDue(source: id, at: next, now: now) }
        } catch {
            log.error("cannot record the schedule: \(error)")
        }
        let wait = Self.describe(next.timeIntervalSince(now))
        switch outcome {
        case let .released(release):
            log.info("fetched: release \(release.id), \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged; next check in \(wait)")
        case let .unchanged(reason):
            log.info("fetched: unchanged (\(reason)); next check in \(wait)")
        case let .rejected(reason):
            log.error("rejected: \(reason); retry in \(wait)")
        case let .failed(reason):
            log.error("fetch failed: \(reason); retry in \(wait)")
        }
        updateStatus()
        return outcome
    }

    private func fetchAndIngest(_ source: SourceConfig, url: String, logger: Logger) async -> CheckOutcome {
        let now = clock.now()
        let state = try? store.sourceState(source.id)
        let spec: Ingestor.SourceSpec
        let headers: [(name: String, value: String)]
        do {
            spec = try Ingestor.SourceSpec(source)
            headers = try HeaderResolver.resolve(source.headers, environment: environment, readFile: readFile)
        } catch {
            return await recordFailure(source.id, "\(error)", at: now)
        }
        let request = FetchRequest(url: url, timeout: source.timeout, connectTimeout: source.connectTimeout, maxBytes: source.maxBytes,
                                   headers: headers, etag: state?.etag, lastModified: state?.lastModified)
        let result: FetchResult
        do {
            result = try await fetcher.fetch(request)
        } catch let error as FetchError {
            if error.kind == .cancelled { return .failed("cancelled: \(error)") }
            return await recordFailure(source.id, error.description, at: clock.now())
        } catch {
            return await recordFailure(source.id, "\(error)", at: clock.now())
        }
        switch result {
        case .notModified:
            do {
                try await work.run { [store, now = clock.now()] in try store.recordNotModified(source: source.id, at: now) }
            } catch {
                return .failed("cannot record the check: \(error)")
            }
            return .unchanged("HTTP 304 not modified")
        case let .body(firstPage, info):
            let body: [UInt8]
            switch await remainingPages(of: firstPage, source: source, request: request) {
            case let .success(bytes): body = bytes
            case let .failure(error): return await recordFailure(source.id, error.description, at: clock.now())
            }
            let publishedAt = info.lastModified.flatMap(Timestamp.parseHTTPDate)
            do {
                let ingested = try await work.run { [ingestor, now = clock.now()] in
                    try ingestor.ingest(body, origin: url, source: spec, publishedAt: publishedAt, at: now)
                }
                switch ingested {
                case let .accepted(outcome):
                    try await work.run { [store, now = clock.now()] in
                        try store.recordValidators(source: source.id, etag: info.etag, lastModified: info.lastModified, now: now)
                    }
                    switch outcome {
                    case let .released(release): return .released(release)
                    case .unchangedPayload: return .unchanged("same SHA-256 as the last payload")
                    case let .unchangedValues(count): return .unchanged("all \(count) values equal the stored ones")
                    }
                case let .rejected(error):
                    return .rejected(error.description)
                }
            } catch {
                logger.critical("store failure: \(error)")
                return .failed("store failure: \(error)")
            }
        }
    }

    /// Multi-page World Bank responses are fetched completely (`page=2…N`, each within the
    /// source's limits) and ingested as one release; any page that fails fails the check,
    /// so a partial download never becomes a release.
    private func remainingPages(of firstPage: [UInt8], source: SourceConfig, request: FetchRequest) async -> Result<[UInt8], FetchError> {
        guard source.format == WorldBankJSON.name, let (page, pages) = WorldBankJSON.pageCount(firstPage), page == 1, pages > 1 else {
            return .success(firstPage)
        }
        var all = [firstPage]
        var total = firstPage.count
        for n in 2...pages {
            var pageRequest = request
            pageRequest.url = Self.url(request.url, settingQuery: "page", to: String(n))
            pageRequest.etag = nil
            pageRequest.lastModified = nil
            pageRequest.maxBytes = request.maxBytes - total
            do {
                guard case let .body(bytes, _) = try await fetcher.fetch(pageRequest) else {
                    return .failure(FetchError(kind: .http(status: 304), url: pageRequest.url, elapsed: .zero, detail: "page \(n) of \(pages) answered 304"))
                }
                total += bytes.count
                all.append(bytes)
            } catch let error as FetchError {
                return .failure(error)
            } catch {
                return .failure(FetchError(kind: .other(curlCode: -1), url: pageRequest.url, elapsed: .zero, detail: "\(error)"))
            }
        }
        return .success(WorldBankJSON.combinePages(all))
    }

    /// The URL with one query parameter set (added or replaced).
    static func url(_ url: String, settingQuery name: String, to value: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var items = components.queryItems ?? []
        items.removeAll { $0.name == name }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.string ?? url
    }

    private func recordFailure(_ id: String, _ message: String, at now: Date) async -> CheckOutcome {
        do {
            try await work.run { [store] in try store.recordFailure(source: id, message: message, at: now) }
        } catch {
            logger.critical("store failure: \(error)")
        }
        return .failed(message)
    }

    // MARK: - Drop folders

    /// The drop sources and their folders.
    var dropFolders: [(source: SourceConfig, folder: DropFolder)] {
        config.sources.compactMap { source in
            if case let .drop(path) = source.location { return (source, DropFolder(path: path)) }
            return nil
        }
    }

    /// Ingests every complete file waiting in a drop folder. A scan asked for while one
    /// runs is done right after it, so no arrival is missed.
    @discardableResult
    public func scanDrop(_ path: String) async -> [DropFolder.Outcome] {
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
                let files = try await work.run { try folder.prepare(); return try folder.pendingFiles() }
                for name in files {
                    let outcome = try await work.run { [ingestor, now = clock.now(), maxBytes = source.maxBytes] in
                        try folder.process(name, source: spec, maxBytes: maxBytes, ingestor: ingestor, at: now)
                    }
                    Self.log(outcome, logger: log)
                    outcomes.append(outcome)
                }
            } catch {
                log.error("cannot scan \(path): \(error)")
            }
        } while rescanRequested.contains(path)
        changed()
        updateStatus()
        return outcomes
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

    private func syncWatches() {
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

    // MARK: - Reload

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

    private func refuse(_ errors: [String]) -> ReloadReport {
        lastReloadFailure = ReloadFailure(at: clock.now(), errors: errors)
        for error in errors { logger.error("reload refused: \(error)") }
        logger.error("reload refused: \(errors.count) error\(errors.count == 1 ? "" : "s"); still running the previous configuration")
        return ReloadReport(errors: errors)
    }

    private func apply(_ new: BridConfig) -> ReloadReport {
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

    // MARK: - Status

    /// The one-line summary for systemd's `STATUS=`:
    /// "12 sources, 3 failing, next fetch wb-kaz-exports in 4m".
    public func statusLine() -> String {
        let states = (try? store.sourceStates()) ?? []
        let ids = Set(config.sources.map(\.id))
        let failing = states.filter { ids.contains($0.id) && $0.consecutiveFailures > 0 }.count
        var line = "\(config.sources.count) source\(config.sources.count == 1 ? "" : "s"), \(failing) failing"
        if !checking.isEmpty { line += ", \(checking.count) fetching" }
        if let next = due.filter({ !paused.contains($0.key) && !checking.contains($0.key) }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            line += ", next fetch \(next.key) in \(Self.describe(max(0, next.value.timeIntervalSince(clock.now()))))"
        }
        if lastReloadFailure != nil { line += ", last reload refused" }
        return line
    }

    func updateStatus() {
        notifier.status(statusLine())
    }

    /// "45s", "4m", "2h", "3d".
    static func describe(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<90: "\(Int(seconds.rounded()))s"
        case ..<(90 * 60): "\(Int((seconds / 60).rounded()))m"
        case ..<(36 * 3600): "\(Int((seconds / 3600).rounded()))h"
        default: "\(Int((seconds / 86_400).rounded()))d"
        }
    }
}
