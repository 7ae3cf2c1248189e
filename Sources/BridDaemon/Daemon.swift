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
    /// brid is stopping: the fetch was aborted, nothing recorded; checked again after the restart.
    case cancelled(String)
}

/// The running daemon's state: the current configuration, the schedule of URL sources,
/// and the checks in flight. Services (scheduler, drop watcher, reload) act through it.
public actor Daemon {
    public internal(set) var config: BridConfig
    public nonisolated let store: Store
    let ingestor: Ingestor
    let fetcher: any HTTPFetching
    let clock: any DaemonClock
    let logger: Logger
    let notifier: SystemdNotifier
    let environment: [String: String]
    /// How often the drop folders are rescanned anyway: the longest wait of a failing folder's retries.
    let dropRescanInterval: TimeInterval
    let readFile: @Sendable (String) throws -> String
    let work = BlockingWork()
    /// Wakes the scheduler when the schedule changed (a check finished, a reload, a request).
    let schedulerWake = WakeSignal()
    /// Wakes the alert service when a commit wrote to the outbox or the notifiers changed.
    nonisolated let alertWake = WakeSignal()

    /// When each URL source is due next.
    var due: [String: Date] = [:]
    var checking: Set<String> = []
    var paused: Set<String> = []
    /// Drop folders being scanned, and those to scan again when that scan ends.
    var scanning: Set<String> = []
    /// Names inotify reported complete, per folder, not yet taken by a scan.
    var announced: [String: Set<String>] = [:]
    /// When the next scan of a folder is due (files left to settle, a failed scan's retry).
    var scheduledScans: [String: Date] = [:]
    /// Scans that failed (a folder that cannot be read, a file that cannot be moved).
    public internal(set) var scanFailures = 0
    /// Drop sources whose scans fail for a reason other than a file's content, by source id.
    var dropFailures: [String: DropScanFailure] = [:]
    var rescanRequested: Set<String> = []
    var dropWatcher: DropWatcher?
    /// Goes up whenever something `status` shows changes, so a status can be cached.
    public internal(set) var generation: UInt64 = 0

    func changed() { generation &+= 1 }

    /// The last reload that was refused, for `status`.
    public internal(set) var lastReloadFailure: ReloadFailure?

    public struct ReloadFailure: Sendable, Equatable {
        public let at: Date
        public let errors: [String]
    }

    public init(config: BridConfig, store: Store, fetcher: any HTTPFetching, clock: any DaemonClock, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(environment: [:]), environment: [String: String] = [:],
                dropRescanInterval: TimeInterval = 300,
                readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) {
        self.config = config
        self.store = store
        self.ingestor = Ingestor(store: store, memoryLimit: config.daemon.spillAfter)
        self.fetcher = fetcher
        self.clock = clock
        self.logger = logger
        self.notifier = notifier
        self.environment = environment
        self.dropRescanInterval = dropRescanInterval
        self.readFile = readFile
        // Known before any service starts: the drop watcher's first scan must skip paused sources.
        self.paused = Set(((try? store.sourceStates()) ?? []).filter(\.paused).map(\.id))
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
}
