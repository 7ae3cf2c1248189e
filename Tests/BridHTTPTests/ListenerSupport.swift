import BridCore
import BridHTTP
import BridStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A listener on 127.0.0.1 (a port the system picks) over a real SQLite store in a
/// temporary folder, for one test.
final class RunningListener: Sendable {
    let port: Int
    let store: SQLiteStore
    let folder: String
    private let task: Task<Void, any Error>

    static func start(tokens: [String] = [], config: BridConfig? = nil, configProvider: ConfigProvider? = nil,
                      metrics: BridMetrics = BridMetrics(), prepare: (SQLiteStore) throws -> Void = { _ in }) async throws -> RunningListener {
        let folder = NSTemporaryDirectory() + "brid-http-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder + "/brid.sqlite")
        try prepare(store)
        let bound = AsyncStream<Int>.makeStream()
        let current = config ?? BridConfig(path: folder + "/brid.toml", daemon: DaemonConfig(stateDir: folder), sources: [], series: [], alerts: [], notifiers: [])
        let reads = HTTPReads(store: store, config: { configProvider?.current() ?? current })
        let app = HTTPListener.application(listen: ListenAddress(host: "127.0.0.1", port: 0), reads: reads, tokens: HTTPTokens(tokens),
                                           metrics: metrics, logger: Logger(label: "test")) { address in
            bound.continuation.yield(address.port)
        }
        let task = Task { try await app.run() }
        var port = 0
        for await p in bound.stream { port = p; break }
        return RunningListener(port: port, store: store, folder: folder, task: task)
    }

    private init(port: Int, store: SQLiteStore, folder: String, task: Task<Void, any Error>) {
        self.port = port
        self.store = store
        self.folder = folder
        self.task = task
    }

    /// Runs `body`, then stops the listener, awaited, whether `body` threw or not.
    func stopping(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        store.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// The configuration a listener reads at each request (a test that reloads changes it).
/// A struct, not a closure parameter, so that `start`'s trailing closure is always `prepare`.
struct ConfigProvider: Sendable {
    let current: @Sendable () -> BridConfig
}
