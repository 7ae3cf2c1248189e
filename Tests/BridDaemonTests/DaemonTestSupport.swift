import BridCore
@testable import BridDaemon
import BridFetch
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Logging
import Synchronization
import Testing

/// What a scripted fetch answers: a 304, or a body that goes into the request's spool.
enum ScriptedAnswer: Sendable {
    case notModified(FetchInfo)
    case body([UInt8], FetchInfo)
}

/// A fetcher that answers from a script and records what it was asked.
final class ScriptedFetcher: HTTPFetching {
    typealias Answer = @Sendable (GetRequest) async throws -> ScriptedAnswer
    private let state = Mutex<(requests: [GetRequest], answers: [String: Answer], inFlight: Int, maxInFlight: Int)>(([], [:], 0, 0))

    func answer(_ url: String, _ answer: @escaping Answer) {
        state.withLock { $0.answers[url] = answer }
    }

    /// Serves `text` with an ETag derived from it; 304 when the request has that ETag.
    func serve(_ url: String, _ text: String) {
        let etag = "\"\(SHA256.hex(Array(text.utf8)).prefix(12))\""
        answer(url) { request in
            let info = FetchInfo(status: request.etag == etag ? 304 : 200, etag: etag, lastModified: "Sun, 06 Nov 1994 08:49:37 GMT",
                                 finalURL: url, elapsed: .milliseconds(5))
            return request.etag == etag ? .notModified(info) : .body(Array(text.utf8), info)
        }
    }

    func fail(_ url: String, status: Int) {
        answer(url) { _ in throw FetchError(kind: .http(status: status), url: url, elapsed: .milliseconds(3)) }
    }

    var requests: [GetRequest] { state.withLock { $0.requests } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    func requestCount(_ url: String) -> Int { requests.filter { $0.url == url }.count }

    func fetch(_ request: GetRequest, into spool: BodySpool) async throws -> FetchResult {
        let answer: Answer? = state.withLock { s in
            s.requests.append(request)
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            return s.answers[request.url]
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        guard let answer else { throw FetchError(kind: .http(status: 404), url: request.url, elapsed: .zero) }
        switch try await answer(request) {
        case .notModified(let info):
            return .notModified(info)
        case .body(let bytes, let info):
            guard bytes.count <= request.maxBytes else {
                throw FetchError(kind: .tooLarge(limit: request.maxBytes), url: request.url, elapsed: .zero)
            }
            try spool.append(bytes)
            return .body(bytes: bytes.count, info)
        }
    }
}

/// The daemon for `config` as `buildDaemon` assembles it, without its services (the test
/// runs what it needs), on `clock` with `fetcher`.
func standaloneDaemon(_ config: BridConfig, clock: any DaemonClock, fetcher: any HTTPFetching = ScriptedFetcher(),
                      logger: Logger, cluster: (any Cluster)? = nil, store: (any VintageStore)? = nil) throws -> Daemon {
    var environment = DaemonEnvironment(clock: clock, fetcher: fetcher, logger: logger, variables: [:])
    environment.cluster = cluster
    return try buildDaemon(config: config, environment: environment, serving: false, store: store).daemon
}

/// A daemon with no source (its state in a temporary folder) and its control API, no
/// services running; the folder goes with the returned value.
final class BareDaemon {
    let root = NSTemporaryDirectory() + "brid-bare-" + UUID().uuidString.prefix(8)
    let daemon: Daemon
    let api: ControlAPI

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("[daemon]\nstate_dir = \"state\"\n".utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
        let config = try ConfigLoader.load(path: root + "/brid.toml").get()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))
        daemon = try standaloneDaemon(config, clock: clock, logger: logger)
        api = ControlAPI(daemon: daemon, startedAt: clock.now(), logger: logger)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

/// A daemon on a manual clock, its scheduler running in a task.
final class DaemonHarness: @unchecked Sendable {
    let root: String
    let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))  // 2025-11-30T08:00:00Z
    let fetcher = ScriptedFetcher()
    var daemon: Daemon!
    /// The cluster the daemon joins; nil: the configured store's (one instance for SQLite).
    var cluster: (any Cluster)?
    var store: any VintageStore { get async { daemon.store } }
    private var scheduler: Task<Void, any Error>?

    init(config: String) throws {
        root = NSTemporaryDirectory() + "brid-daemon-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try writeConfig(config)
    }

    deinit {
        scheduler?.cancel()
        try? FileManager.default.removeItem(atPath: root)
    }

    var configPath: String { root + "/brid.toml" }

    func writeConfig(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    /// Builds the daemon from the config file (again: a restart keeps the database).
    func start() async throws {
        scheduler?.cancel()
        _ = await scheduler?.result
        let config = try ConfigLoader.load(path: configPath).get()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        daemon = try standaloneDaemon(config, clock: clock, fetcher: fetcher, logger: logger, cluster: cluster)
        let service = SchedulerService(daemon: daemon, clock: clock, notifier: SystemdNotifier(environment: [:]), watchdogInterval: nil)
        scheduler = Task { try await service.run() }
    }

    func stop() async {
        scheduler?.cancel()
        _ = await scheduler?.result
        scheduler = nil
    }

    /// Waits (in real time, briefly) until the scheduler is asleep with nothing in flight,
    /// until the next due time of the schedule as it stands (not on a plan made before a
    /// check finished).
    func settle() async throws {
        try await eventually("the scheduler settles") {
            let daemon: Daemon = self.daemon
            guard await daemon.sourcesInFlight.isEmpty else { return false }
            var next = Date.distantFuture
            for (id, due) in await daemon.schedule where await !daemon.isPaused(id) { next = min(next, due) }
            return next > self.clock.now() && self.clock.deadlines == [next]
        }
    }

    /// Advances the clock and lets the scheduler act on it: a scheduler woken by the
    /// advance is off the clock until it has started what came due and gone back to sleep.
    func advance(by seconds: TimeInterval) async throws {
        try await settle()
        clock.advance(by: seconds)
        try await settle()
    }

    func state(_ id: String) async throws -> SourceState? {
        try await store.sourceState(id)
    }
}

struct Timeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` every 5 ms for up to 60 s of real time.
func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
    // Generous: it returns as soon as the condition holds, and on a loaded 2-core CI
    // machine the tests running beside these can hold the pool for half a minute. The
    // condition is checked once more after every wait, the last one included: a sleep that
    // a busy pool stretched past the deadline is no reason to give up unchecked.
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { break }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw Timeout(description: "timed out waiting until \(what)")
}

extension VintageStore {
    /// The SQLite backend behind the daemon's store, for tests that look at SQLite itself
    /// (its WAL, its connections); the daemon's config has no other backend yet.
    var sqlite: SQLiteStore {
        get throws { try #require(self as? SQLiteStore) }
    }
}
