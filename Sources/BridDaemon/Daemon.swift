import BridCore
import BridFetch
import BridFormats
import BridHTTP
import BridRuntime
import BridStore
import Foundation
import Logging

/// The running daemon's state: the configuration in force, the schedule of URL sources
/// (`URLSchedule`), the status it shows — in memory only: the checks (`SourceCheck`), the
/// drop folders (`DropIntake`) and every store read run off the actor. Services
/// (scheduler, drop watcher, reload, control API) act through it. Made by `buildDaemon`.
public actor Daemon {
    public internal(set) var config: BridConfig
    public nonisolated let store: any VintageStore
    /// The instances sharing the store and the URL sources this one holds (for SQLite,
    /// this instance alone, holding every source).
    public nonisolated let cluster: any Cluster
    let ingestor: Ingestor
    nonisolated let clock: any DaemonClock
    let logger: Logger
    let notifier: SystemdNotifier
    let readFile: @Sendable (String) throws -> String
    /// The process's environment (secrets named by `{ env = … }`).
    let environment: [String: String]
    let work = BlockingWork()
    /// Sends `STATUS=` lines to systemd in order, off the actor.
    let statusUpdates = DispatchQueue(label: "brid.status", qos: .utility)
    /// Wakes the scheduler when the schedule changed (a check finished, a reload, a request).
    let schedulerWake = WakeSignal()
    /// Wakes the alert service when a commit wrote to the outbox or the notifiers changed.
    nonisolated let alertWake = WakeSignal()

    /// When each URL source is due, which are being checked, which are paused.
    var urlSchedule: URLSchedule
    /// Checks a URL source, off the actor.
    let sourceCheck: SourceCheck
    /// Whether the store answers ("store unavailable" while its database is away).
    nonisolated let storeHealth: StoreHealth
    /// The drop folders: watches, scans, settle waits and retries.
    public nonisolated let drops: DropIntake
    /// Failing drop sources with failures the store could not record, for `status`.
    var unrecordedDropFailures: [String: DropScanFailure] = [:]
    /// The URL sources this instance held at its last claim (a shared cluster only).
    var heldSources: Set<String> = []
    /// While a renewal is claiming (off the actor), the cluster may already hold sources
    /// whose schedule the renewal has not yet taken over from the store: only those held
    /// before it start meanwhile (a source just taken over is not checked at once when its
    /// previous holder checked it a moment ago).
    var leaseRenewalInFlight = false
    /// Whether the last renewal of the leases failed (logged once per run of failures).
    var leaseRenewalFailing = false
    /// The counters and histograms `/metrics` shows (kept whether or not `[http]` serves them).
    public nonisolated let metrics: BridMetrics
    /// The HTTP listener's tokens in force (`[http] tokens`), read at start and at each reload.
    public nonisolated let httpTokens = HTTPTokens()
    /// The HTTP listener's kept answers, cleared at each reload (the catalogue may change).
    public nonisolated let httpCache = ResponseCache()
    /// Goes up whenever something `status` shows changes, so a status can be cached.
    public internal(set) var generation: UInt64 = 0

    func changed() { generation &+= 1 }

    /// The last reload that was refused, for `status`.
    public internal(set) var lastReloadFailure: ReloadFailure?

    public struct ReloadFailure: Sendable, Equatable {
        public let at: Date
        public let errors: [String]
    }

    /// Made by `buildDaemon` only.
    init(config: BridConfig, store: any VintageStore, cluster: any Cluster, environment: DaemonEnvironment,
         readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) {
        let (fetcher, clock, logger, notifier) = (environment.fetcher, environment.clock, environment.logger, environment.notifier)
        let variables = environment.variables
        self.config = config
        self.store = store
        self.cluster = cluster
        self.ingestor = Ingestor(store: store, folder: config.daemon.stateDir, memoryLimit: config.daemon.spillAfter)
        self.clock = clock
        self.logger = logger
        self.notifier = notifier
        self.readFile = readFile
        self.environment = variables
        let storeHealth = StoreHealth(clock: clock, logger: logger)
        self.storeHealth = storeHealth
        let metrics = BridMetrics()
        self.metrics = metrics
        self.sourceCheck = SourceCheck(store: store, ingestor: ingestor, fetcher: fetcher, clock: clock, work: work,
                                       environment: variables, readFile: readFile, health: storeHealth, metrics: metrics)
        // Known before any service starts: the drop watcher's first scan must skip paused sources.
        self.urlSchedule = URLSchedule(paused: Set(((try? store.sourceStates()) ?? []).filter(\.paused).map(\.id)))
        self.drops = DropIntake(config: config, store: store, ingestor: ingestor, work: work, clock: clock, logger: logger,
                                rescanInterval: environment.dropRescanInterval, health: storeHealth)
        drops.owner.set(self)
    }

    // MARK: - The schedule

    /// Resumes the schedule stored in the database (the states read off the actor).
    /// While the store is unavailable, waits until it answers again (or the task is cancelled).
    func loadSchedule() async throws {
        while true {
            do {
                let states = try await BlockingWork.read { [store] in try store.sourceStates() }
                urlSchedule.load(config, states: states, now: clock.now())
                return
            } catch {
                guard storeHealth.isUnavailable(error) else { throw error }
                while !storeHealth.isAvailable && !Task.isCancelled { await sleep(until: nil, on: clock, orUntil: schedulerWake) }
                try Task.checkCancellation()
            }
        }
    }

    /// Marks the due sources as being checked (at most `max_concurrent_fetches` at once)
    /// and says when the scheduler should look again.
    func takeDueSources() -> (start: [String], nextWake: Date?) {
        // While the store is unavailable nothing starts: woken when it answers again.
        guard storeHealth.isAvailable else { return ([], nil) }
        // In a cluster, only the sources whose lease this instance holds now.
        let (cluster, renewing, held) = (cluster, leaseRenewalInFlight, heldSources)
        let plan = urlSchedule.takeDue(now: clock.now(), capacity: config.daemon.maxConcurrentFetches) {
            cluster.holds($0) && (!renewing || held.contains($0))
        }
        if !plan.start.isEmpty { changed() }
        return plan
    }

    /// The sources being checked now.
    public var sourcesInFlight: Set<String> { urlSchedule.checking }

    /// When each URL source is due next.
    public var schedule: [String: Date] { urlSchedule.due }

    /// Whether a source is paused (kept in the store across restarts).
    public func isPaused(_ id: String) -> Bool { urlSchedule.paused.contains(id) }

    /// Marks a source as being checked now (for `--once` and manual fetches), or returns
    /// false when a check of it is already in flight.
    public func beginCheck(_ id: String) -> Bool {
        let began = urlSchedule.begin(id)
        if began { changed() }
        return began
    }

    /// Pauses or resumes a source: it is not checked while paused (kept across restarts).
    /// Returns whether anything changed.
    public func setPaused(_ id: String, _ pause: Bool) async throws -> Bool {
        guard urlSchedule.paused.contains(id) != pause else { return false }
        try await work.run { [store, now = clock.now()] in try store.setPaused(source: id, pause, now: now) }
        guard urlSchedule.setPaused(id, pause) else { return false }
        changed()
        schedulerWake.signal()
        updateStatus()
        return true
    }

    /// Makes a URL source due now (a fetch without waiting for its outcome).
    public func requestCheck(_ id: String) {
        guard urlSchedule.requestNow(id, now: clock.now()) else { return }
        changed()
        schedulerWake.signal()
    }
}
