import BridCore
@testable import BridDaemon
import BridFetch
import BridProtocol
import BridRuntime
import BridStore
import BridTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Counts calls, from any thread.
final class Counter: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    /// The count after this call.
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// Log lines in memory, `level message`.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func count(_ prefix: String) -> Int { all.filter { $0.hasPrefix(prefix) }.count }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(lines: self) }
    }

    struct Handler: LogHandler {
        let lines: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.lines.withLock { $0.append("\(event.level) \(event.message)") }
        }
    }
}

/// The daemon on a store that goes away (`FlakyStore` over a real SQLite file), a manual
/// clock, a scripted publisher and a notify socket standing in for systemd; the scheduler
/// and the store's probe run in tasks.
final class OutageHarness: @unchecked Sendable {
    let root = NSTemporaryDirectory() + "brid-outage-" + UUID().uuidString.prefix(8)
    let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))
    let fetcher = ScriptedFetcher()
    let log = LogLines()
    let notify: NotifySocket
    let store: FlakyStore
    let daemon: Daemon
    let api: ControlAPI
    private var tasks: [Task<Void, Never>] = []

    init(sources: String) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("[daemon]\nstate_dir = \"state\"\nsocket = \"state/control.sock\"\n\(sources)".utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
        let config = try ConfigLoader.load(path: root + "/brid.toml").get()
        notify = try NotifySocket(path: root + "/notify.sock", collecting: true)
        let sqlite = try #require(try Launcher.openStore(config, logger: log.logger) as? SQLiteStore)
        store = FlakyStore(sqlite)
        let environment = DaemonEnvironment(clock: clock, fetcher: fetcher, logger: log.logger, variables: ["NOTIFY_SOCKET": notify.path])
        daemon = try buildDaemon(config: config, environment: environment, serving: false, store: store).daemon
        api = ControlAPI(daemon: daemon, startedAt: clock.now(), logger: log.logger)
    }

    deinit {
        tasks.forEach { $0.cancel() }
        store.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The scheduler and the probe, as the daemon's services run them.
    func start(scheduler: Bool = true) {
        let (daemon, clock, notifier) = (daemon, clock, SystemdNotifier(environment: ["NOTIFY_SOCKET": notify.path]))
        if scheduler {
            tasks.append(Task { try? await SchedulerService(daemon: daemon, clock: clock, notifier: notifier, watchdogInterval: nil).run() })
        }
        tasks.append(Task { await daemon.watchStore() })
    }

    /// Waits until the probe sleeps until `seconds` from now, then moves the clock there.
    func advanceToProbe(in seconds: TimeInterval) async throws {
        let due = clock.now().addingTimeInterval(seconds)
        try await eventually("the probe sleeps until +\(seconds)s") { self.clock.deadlines.contains(due) }
        clock.advance(to: due)
    }

    var statusLines: [String] {
        notify.all.flatMap { $0.split(separator: "\n").map(String.init) }.filter { $0.hasPrefix("STATUS=") }
    }
}

@Suite struct StoreUnavailableTests {
    static let csv1 = "series,period,value\nwb.kaz.exports,2018,8.535\n"
    static let csv2 = "series,period,value\nwb.kaz.exports,2018,8.6\n"
    static let url = "http://publisher.test/kz.csv"
    static let urlSource = """
        [[source]]
        id = "kz"
        url = "http://publisher.test/kz.csv"
        format = "csv"
        every = "1h"
        """

    /// The store goes away mid-check (after the fetch, at the ingest): not the source's
    /// failure, no release, status/STATUS=/the journal say "store unavailable", the probe
    /// backs off 1 s, 2 s, 4 s, no check starts meanwhile; when the store answers the source
    /// is checked again and its payload — fetched again — ingested exactly once.
    @Test func aCheckThatFindsTheStoreGoneIsNotAFailureAndItsPayloadIsIngestedOnceWhenTheStoreIsBack() async throws {
        let h = try OutageHarness(sources: Self.urlSource)
        h.fetcher.serve(Self.url, Self.csv1)
        h.start()
        try await eventually("the first release") { try h.store.inner.releases().count == 1 }
        try await eventually("the check ends") { await h.daemon.sourcesInFlight.isEmpty }
        _ = try await h.api.status()  // figures the outage's status will show

        h.fetcher.serve(Self.url, Self.csv2)
        h.store.goDown(at: "lastPayloadDigest")
        await h.daemon.requestCheck("kz")
        try await eventually("the store is unavailable and the check over") {
            let idle = await h.daemon.sourcesInFlight.isEmpty
            return h.daemon.storeHealth.outage != nil && idle
        }
        #expect(h.fetcher.requestCount(Self.url) == 2)
        #expect(try h.store.inner.releases().count == 1)
        let state = try #require(try h.store.inner.sourceState("kz"))
        #expect(state.consecutiveFailures == 0)
        #expect(state.lastError == nil)

        let status = try await h.api.status()
        #expect(status.storeUnavailable?.reason == FlakyStore.reason)
        #expect(status.storeUnavailable?.figuresFrom != nil)
        #expect(status.sources.first?.state == .ok)
        #expect(await h.daemon.statusLine() == "store unavailable: \(FlakyStore.reason)")
        try await eventually("STATUS= says so") { h.statusLines.contains("STATUS=store unavailable: \(FlakyStore.reason)") }
        #expect(h.log.count("error store unavailable: \(FlakyStore.reason)") == 1)

        // Probes at 1 s, then 2 s later; nothing is checked meanwhile, however due.
        try await h.advanceToProbe(in: 1)
        try await eventually("the first probe") { h.store.calls("ping") == 1 }
        try await h.advanceToProbe(in: 2)
        try await eventually("the second probe") { h.store.calls("ping") == 2 }
        #expect(h.fetcher.requestCount(Self.url) == 2)
        #expect(h.log.count("error store unavailable") == 1)

        h.store.up()
        try await h.advanceToProbe(in: 4)
        try await eventually("the payload is ingested") {
            try h.store.inner.releases().count == 2 && h.daemon.storeHealth.isAvailable
        }
        try await eventually("the check ends") { await h.daemon.sourcesInFlight.isEmpty }
        #expect(h.fetcher.requestCount(Self.url) == 3)
        let releases = try h.store.inner.releases()
        #expect(releases.count == 2)
        #expect(releases.first?.revised == 1)
        #expect(try h.store.inner.sourceState("kz")?.consecutiveFailures == 0)
        #expect(try await h.api.status().storeUnavailable == nil)
        #expect(h.log.count("notice store available again after 7s") == 1, "\(h.log.all)")
        try await eventually("STATUS= is back to the sources") { h.statusLines.last?.hasPrefix("STATUS=1 source, 0 failing") == true }
    }

    /// A dropped file whose ingest finds the store gone stays in the folder, is not the
    /// source's failure, and is taken when the store answers again.
    @Test func aDroppedFileStaysInTheFolderAndIsIngestedWhenTheStoreIsBack() async throws {
        let h = try OutageHarness(sources: """
            [[source]]
            id = "d"
            drop = "drop/d"
            format = "csv"
            """)
        let folder = h.root + "/state/drop/d"
        try DropFolder(path: folder).prepare()
        let file = folder + "/kz.csv"
        try Data(Self.csv1.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.modificationDate: h.clock.now().addingTimeInterval(-60)], ofItemAtPath: file)
        h.store.goDown(at: "lastPayloadDigest")
        let scan = await h.daemon.drops.scan(folder)
        #expect(scan.failure == nil)
        #expect(scan.outcomes.isEmpty)
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(h.daemon.storeHealth.outage?.reason == FlakyStore.reason)
        #expect(try h.store.inner.sourceState("d")?.consecutiveFailures ?? 0 == 0)
        #expect(await h.daemon.drops.scanFailures == 0)

        h.start(scheduler: false)
        h.store.up()
        try await h.advanceToProbe(in: 1)
        try await eventually("the file is ingested") { try h.store.inner.releases().count == 1 }
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try h.store.inner.sourceState("d")?.consecutiveFailures == 0)
    }

    /// Timed rules and deliveries wait too: nothing logged as their failure while the store is away.
    @Test func timedRulesAreNotJudgedWhileTheStoreIsAway() async throws {
        let h = try OutageHarness(sources: Self.urlSource)
        h.store.goDown()
        await h.daemon.evaluateTimedRules()  // not even tried: the store is not known away yet
        #expect(h.store.calls("evaluateTimedRules") == 1)
        #expect(h.daemon.storeHealth.outage != nil)
        await h.daemon.evaluateTimedRules()
        #expect(h.store.calls("evaluateTimedRules") == 1)
        #expect(h.log.all.filter { $0.hasPrefix("error alerts") }.isEmpty)
    }

    // MARK: Start-up

    /// The store cannot be opened because its database is away: tried again after 1 s,
    /// 2 s…, STATUS= says "waiting for the store", systemd's start timeout is extended; the
    /// daemon is built once it opens.
    @Test func startUpWaitsForAnUnavailableStoreWithBackoff() async throws {
        let h = try OutageHarness(sources: Self.urlSource)
        let config = await h.daemon.config
        let attempts = Counter()
        let store = h.store
        let environment = DaemonEnvironment(clock: h.clock, fetcher: h.fetcher, logger: h.log.logger, variables: ["NOTIFY_SOCKET": h.notify.path])
        let task = Task {
            try await StoreStartup.build(config: config, environment: environment) {
                if attempts.next() < 3 { throw StoreError.unavailable("connection refused") }
                return store
            }
        }
        try await h.advanceToProbe(in: 1)
        try await h.advanceToProbe(in: 2)
        let built = try await task.value
        #expect(built != nil)
        #expect(attempts.count == 3)
        #expect(h.log.count("error store unavailable at start-up: connection refused") == 2)
        try await eventually("STATUS= says it waits") {
            h.notify.all.contains { $0.contains("STATUS=waiting for the store: connection refused") && $0.contains("EXTEND_TIMEOUT_USEC=") }
        }
        #expect(!h.notify.all.contains { $0.contains("READY=1") })
    }

    /// A configuration error (here a store migrated by a newer brid) is not waited for.
    @Test func startUpDoesNotWaitForAConfigurationError() async throws {
        let h = try OutageHarness(sources: Self.urlSource)
        let config = await h.daemon.config
        let environment = DaemonEnvironment(clock: h.clock, fetcher: h.fetcher, logger: h.log.logger, variables: [:])
        let attempts = Counter()
        let error = await #expect(throws: StoreError.self) {
            _ = try await StoreStartup.build(config: config, environment: environment) {
                _ = attempts.next()
                throw StoreError("the database was migrated by a newer brid (migration 0042_future); upgrade brid")
            }
        }
        #expect(error?.isUnavailable == false)
        #expect(attempts.count == 1)
    }
}
