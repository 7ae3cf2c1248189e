import BridCore
import BridFormats
import BridProtocol
import BridRuntime
import BridStore
import Foundation
import Logging
import Synchronization

/// The answers to every command of the control protocol, from the daemon and the store.
/// Blocking store work runs on the daemon's blocking-work queue for writes; reads run on
/// the read queue (`BlockingWork.read`), on the store's pool of read connections (WAL:
/// they never wait for an ingest), never on the actor or the cooperative pool.
final class ControlAPI: Sendable {
    let daemon: Daemon
    let startedAt: Date
    let logger: Logger
    /// The last status, reused while nothing it shows has changed; while the store is
    /// unavailable, the figures `status` shows (saying how old they are).
    private let statusCache = Mutex<(generation: UInt64, at: Date, response: StatusResponse)?>(nil)

    init(daemon: Daemon, startedAt: Date, logger: Logger) {
        self.daemon = daemon
        self.startedAt = startedAt
        self.logger = logger
    }

    var store: any VintageStore { daemon.store }

    func handlers() -> ControlHandlers<ControlConnection> {
        var h = ControlHandlers<ControlConnection>()
        let api = self
        let store = self.store
        let daemon = self.daemon
        h.on(StatusRequest.self) { _, _ in try await api.status() }
        h.on(SourcesRequest.self) { _, _ in SourcesResponse(sources: try await api.status().sources) }
        h.on(BridProtocol.FetchRequest.self) { request, connection in
            api.audit("fetch \(request.all ? "--all" : request.sources.joined(separator: " "))", connection)
            return try await api.fetch(request)
        }
        h.on(IngestChunkRequest.self) { request, connection in
            try connection.stage(request)
        }
        h.on(IngestRequest.self) { request, connection in
            let bytes = try connection.finish(request)
            api.audit("ingest \(request.fileName) (\(bytes.count) bytes) into \(request.source)", connection)
            return try await api.ingest(Array(bytes), fileName: request.fileName, source: request.source)
        }
        // Every store read runs on the read queue, off the cooperative pool and off the actor.
        h.on(AlertsRequest.self) { request, _ in try await api.alerts(request) }
        h.on(AckRequest.self) { request, connection in
            api.audit("ack \(request.id)\(request.comment.map { " (\($0))" } ?? "")", connection)
            return try await api.ack(request)
        }
        h.on(RulesRequest.self) { _, _ in
            let rules = await daemon.config.alerts
            return try await BlockingWork.read {
                let evaluations = store.lastRuleEvaluations()
                let firing = try store.firingCounts()
                return RulesResponse(rules: rules.map { wire($0, lastEvaluatedAt: evaluations[$0.id], firing: firing[$0.id] ?? 0) })
            }
        }
        h.on(RuleTestRequest.self) { request, _ in try await api.testRule(request) }
        h.on(PauseRequest.self) { request, connection in
            api.audit("pause \(request.source)", connection)
            return try await api.pause(request.source, true)
        }
        h.on(ResumeRequest.self) { request, connection in
            api.audit("resume \(request.source)", connection)
            return try await api.pause(request.source, false)
        }
        h.on(ReloadRequest.self) { _, connection in
            api.audit("reload", connection)
            let report = await daemon.reload()
            return ReloadResponse(applied: report.applied, configPath: await daemon.config.path, errors: report.errors,
                                  sourcesAdded: report.added, sourcesRemoved: report.removed, sourcesChanged: report.changed)
        }
        h.on(BackupRequest.self) { request, connection in
            api.audit("backup to \(request.path)\(request.force ? " (--force)" : "")", connection)
            return try await api.backup(request)
        }
        registerStreams(&h)
        return h
    }

    /// Every mutating command is logged with who asked.
    private func audit(_ what: String, _ connection: ControlConnection) {
        logger.notice("control: \(what)", metadata: ["peer.uid": "\(connection.peer.map { String($0.uid) } ?? "?")",
                                                      "peer.pid": "\(connection.peer.map { String($0.pid) } ?? "?")"])
    }

    // MARK: - Status

    func status() async throws -> StatusResponse {
        let snapshot = await daemon.snapshot()
        let health = snapshot.storeHealth
        if health.isAvailable, let cached = statusCache.withLock({ $0 }), cached.generation == snapshot.generation,
           Date().timeIntervalSince(cached.at) < 1 {
            return cached.response
        }
        do {
            guard health.isAvailable else { throw StoreError.unavailable(health.outage?.reason ?? "") }
            // The store is read off the cooperative pool, as every store read of the API.
            let response = try await BlockingWork.read { [self] in try status(snapshot) }
            statusCache.withLock { $0 = (snapshot.generation, Date(), response) }
            return response
        } catch {
            guard health.isUnavailable(error), let outage = health.outage else { throw error }
            return statusWithoutStore(snapshot, outage: outage)
        }
    }

    /// `status` while the store is unavailable: the daemon's own state now, the store's
    /// figures as the last status read them (or none), and the outage.
    private func statusWithoutStore(_ snapshot: DaemonSnapshot, outage: StoreHealth.Outage) -> StatusResponse {
        let cached = statusCache.withLock { $0 }
        let (schedule, inFlight) = (snapshot.schedule.due, snapshot.schedule.checking)
        let last = Dictionary((cached?.response.sources ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let sources = snapshot.config.sources.map { source -> SourceStatus in
            var status = last[source.id] ?? SourceStatus(id: source.id, kind: .url, location: "", format: source.format, state: .neverChecked)
            switch source.location {
            case let .url(url): (status.kind, status.location) = (.url, url)
            case let .drop(path): (status.kind, status.location) = (.drop, path)
            }
            status.format = source.format
            status.nextDueAt = schedule[source.id]
            status.inFlight = inFlight.contains(source.id)
            return status
        }
        return StatusResponse(
            version: BridVersion.current, pid: getpid(), startedAt: startedAt, configPath: snapshot.config.path,
            database: cached?.response.database
                ?? DatabaseStatus(path: store.location, sizeBytes: 0, releases: 0, series: 0, observationVersions: 0),
            sources: sources, alerts: cached?.response.alerts ?? AlertCounts(),
            lastReloadError: snapshot.reloadFailure.map { BridProtocol.ReloadFailure(at: $0.at, errors: $0.errors) },
            storeUnavailable: StoreUnavailable(since: outage.since, reason: outage.reason, figuresFrom: cached?.at))
    }

    private func status(_ snapshot: DaemonSnapshot) throws -> StatusResponse {
        let (config, schedule, inFlight) = (snapshot.config, snapshot.schedule.due, snapshot.schedule.checking)
        let states = Dictionary(Daemon.states(try store.sourceStates(), unrecorded: snapshot.unrecorded).map { ($0.id, $0) },
                                uniquingKeysWith: { a, _ in a })
        let statistics = try store.statistics()
        let sources = config.sources.map { source -> SourceStatus in
            let state = states[source.id]
            let kind: SourceStatus.Kind
            let location: String
            switch source.location {
            case let .url(url): (kind, location) = (.url, url)
            case let .drop(path): (kind, location) = (.drop, path)
            }
            let condition: SourceStatus.State = state?.paused == true ? .paused
                : (state?.consecutiveFailures ?? 0) > 0 ? .failing
                : state?.lastCheckAt == nil ? .neverChecked : .ok
            return SourceStatus(id: source.id, kind: kind, location: location, format: source.format, state: condition,
                                lastCheckAt: state?.lastCheckAt, lastSuccessAt: state?.lastSuccessAt, lastError: state?.lastError,
                                lastErrorAt: state?.lastErrorAt, consecutiveFailures: state?.consecutiveFailures ?? 0,
                                nextDueAt: schedule[source.id], inFlight: inFlight.contains(source.id),
                                lastReleaseID: statistics.lastRelease[source.id])
        }
        let response = StatusResponse(
            version: BridVersion.current, pid: getpid(), startedAt: startedAt, configPath: config.path,
            database: DatabaseStatus(path: store.location, sizeBytes: statistics.sizeBytes, walBytes: store.storageSizes().walBytes,
                                     releases: statistics.releases,
                                     series: statistics.series, observationVersions: statistics.observationVersions),
            sources: sources, alerts: try alertCounts(),
            lastReloadError: snapshot.reloadFailure.map { BridProtocol.ReloadFailure(at: $0.at, errors: $0.errors) })
        return withCluster(response)
    }

    // MARK: - Fetch and ingest

    func fetch(_ request: BridProtocol.FetchRequest) async throws -> FetchResponse {
        let config = await daemon.config
        let ids = request.all ? config.sources.map(\.id) : request.sources
        if ids.isEmpty { throw ControlError.badRequest("name the sources to fetch, or all") }
        for id in ids where config.source(id: id) == nil {
            throw ControlError.notFound("no source \(Excerpt(id)) in the configuration (\(config.sources.map(\.id).joined(separator: ", ")))")
        }
        // At most max_concurrent_fetches at once, as the scheduler does (`fetch --all`).
        let limit = config.daemon.maxConcurrentFetches
        let outcomes = await withTaskGroup(of: (Int, [FetchOutcome]).self, returning: [FetchOutcome].self) { group in
            var results: [(Int, [FetchOutcome])] = []
            var running = 0
            for (index, id) in ids.enumerated() {
                if running == limit, let result = await group.next() {
                    results.append(result)
                    running -= 1
                }
                group.addTask { (index, await self.fetchOne(id, wait: request.wait, config: config)) }
                running += 1
            }
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        return FetchResponse(outcomes: outcomes)
    }

    private func fetchOne(_ id: String, wait: Bool, config: BridConfig) async -> [FetchOutcome] {
        guard let source = config.source(id: id) else { return [] }
        switch source.location {
        case .url:
            // In a cluster, the instance holding the source's lease checks it, and no other.
            if !daemon.cluster.holds(id) {
                return [FetchOutcome(source: id, outcome: .failed,
                                     message: "not checked by this instance (\(daemon.cluster.instance)): another instance of the cluster holds its lease; `brictl status` says which")]
            }
            if !wait {
                await daemon.requestCheck(id)
                return [FetchOutcome(source: id, outcome: .queued, message: "due now; the scheduler fetches it")]
            }
            guard await daemon.beginCheck(id) else {
                return [FetchOutcome(source: id, outcome: .queued, message: "already being fetched")]
            }
            return [wire(await daemon.check(id), source: id)]
        case let .drop(path):
            let scan = await daemon.drops.scan(path, waitForRunning: true)
            let files = scan.outcomes.map { wire($0.outcome, source: id, file: $0.file) }
            if let failure = scan.failure { return files + [FetchOutcome(source: id, outcome: .failed, message: failure)] }
            if files.isEmpty { return [FetchOutcome(source: id, outcome: .unchanged, message: "no new files in \(path)")] }
            return files
        }
    }

    func ingest(_ bytes: [UInt8], fileName: String, source id: String) async throws -> IngestResponse {
        guard let source = await daemon.config.source(id: id) else { throw ControlError.notFound("no source \(Excerpt(id)) in the configuration") }
        guard bytes.count <= source.maxBytes else {
            throw ControlError.badRequest("\(Excerpt(fileName)) is \(bytes.count) bytes, over max_bytes of source \(id) (\(source.maxBytes) bytes)")
        }
        let spec: Ingestor.SourceSpec
        do { spec = try Ingestor.SourceSpec(source) } catch { throw ControlError.failed(error.message) }
        let result = try await daemon.ingest(bytes, origin: fileName, source: spec)
        return IngestResponse(fileName: fileName, bytes: bytes.count, outcome: wire(result, source: id, file: fileName))
    }

    func pause(_ id: String, _ pause: Bool) async throws -> PauseResponse {
        guard await daemon.config.source(id: id) != nil else { throw ControlError.notFound("no source \(Excerpt(id)) in the configuration") }
        let changed = try await daemon.setPaused(id, pause)
        logger.notice("\(pause ? "paused" : "resumed")\(changed ? "" : " (already)")", metadata: ["source.id": "\(id)"])
        return PauseResponse(source: id, paused: pause, changed: changed)
    }

}
