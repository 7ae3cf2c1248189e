import BridCore
import BridFetch
import BridHTTP
import BridRuntime
import BridStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Everything a daemon is built from; tests pass a manual clock and a stub fetcher.
public struct DaemonEnvironment: Sendable {
    public var clock: any DaemonClock
    public var fetcher: any HTTPFetching
    /// Sends the webhook and Alertmanager notifications.
    public var poster: any HTTPPosting
    public var logger: Logger
    public var variables: [String: String]
    public var notifier: SystemdNotifier
    /// How often drop folders are rescanned besides inotify.
    public var dropRescanInterval: TimeInterval
    /// How long a streamed reply may wait for its client to read before the connection is
    /// closed (its read transaction would otherwise hold back every WAL checkpoint).
    public var streamStallLimit: Duration = .seconds(60)
    /// How long the services may take to finish once cancelled before the process is ended
    /// (ServiceLifecycle's `maximumCancellationDuration`). Tests that cancel daemons on a
    /// loaded machine give them longer.
    public var cancellationLimit: Duration = .seconds(2)
    /// The cluster the daemon joins; nil: the launcher's for the configured store
    /// (`Launcher.openCluster`). Tests give one.
    public var cluster: (any Cluster)?

    public init(clock: any DaemonClock = SystemClock(), fetcher: any HTTPFetching = CurlFetcher(),
                poster: any HTTPPosting = CurlFetcher(), logger: Logger,
                variables: [String: String] = ProcessInfo.processInfo.environment, dropRescanInterval: TimeInterval = 300) {
        self.clock = clock
        self.fetcher = fetcher
        self.poster = poster
        self.logger = logger
        self.variables = variables
        self.notifier = SystemdNotifier(environment: variables)
        self.dropRescanInterval = dropRescanInterval
    }
}

extension DaemonEnvironment {
    func notifiers(for daemon: Daemon) -> Notifiers {
        Notifiers(poster: poster, logger: logger, environment: variables, readFile: daemon.readFile)
    }
}

/// The daemon, ready to run: its state and the service group of its long-running parts.
public struct BuiltDaemon: Sendable {
    public let daemon: Daemon
    /// The services (scheduler, drop watcher, reload, alerts, control socket); nil when
    /// built without serving (`--once`, tests that drive the daemon's parts themselves).
    public let group: ServiceGroup?
}

/// Builds the daemon for a configuration: opens the store, prepares the alert policy,
/// and — when `serving` — opens the control socket (or takes the one systemd passed) and
/// wires the scheduler, the drop watcher, the reload handler and the control server into
/// one `ServiceGroup` that stops gracefully on SIGTERM/SIGINT. The one place where a
/// daemon is assembled, used by `brid`, `brid --once` and tests. `store`: one already
/// open (start-up's wait for the store, tests); by default the configured one is opened.
public func buildDaemon(config: BridConfig, environment: DaemonEnvironment, serving: Bool = true,
                        store given: (any VintageStore)? = nil) throws -> BuiltDaemon {
    let store = try given ?? Launcher.openStore(config, logger: environment.logger, environment: environment.variables)
    let cluster = try environment.cluster
        ?? Launcher.openCluster(config, environment: environment.variables, readFile: { try String(contentsOfFile: $0, encoding: .utf8) })
    try cluster.join(host: Launcher.hostName(), pid: getpid(), version: BridVersion.current, now: environment.clock.now())
    if cluster.isShared {
        environment.logger.info("cluster: joined as instance \(cluster.instance), lease \(ConfigDuration.format(cluster.lease))")
    }
    let daemon = Daemon(config: config, store: store, cluster: cluster, environment: environment)
    try Daemon.prepareAlerts(store: store, config: config, now: environment.clock.now(), wake: daemon.alertWake,
                             logger: environment.logger)
    guard serving else { return BuiltDaemon(daemon: daemon, group: nil) }
    let socket = try ControlSocket.open(path: config.daemon.socket, environment: environment.variables)
    environment.logger.info("control socket \(socket.path)\(socket.activated ? " (from systemd)" : "") listening")
    let api = ControlAPI(daemon: daemon, startedAt: environment.clock.now(), logger: environment.logger)
    let server = try ControlServer(socket: socket, handlers: api.handlers(), logger: environment.logger,
                                   streamStallLimit: environment.streamStallLimit, maxStagedBytes: config.daemon.maxStagedBytes)
    // The leases first: on shutdown (in reverse order) they are given up after the checks
    // in flight ended, so no other instance starts one of them meanwhile.
    let leases: [any Service] = cluster.isShared ? [LeaseService(daemon: daemon)] : []
    let http = try config.http.map { try HTTPService(config: $0, daemon: daemon, environment: environment) }
    let services: [any Service] = leases + [
        SchedulerService(daemon: daemon, clock: environment.clock, notifier: environment.notifier,
                         watchdogInterval: SystemdNotifier.watchdogInterval(environment: environment.variables)),
        DropService(daemon: daemon, clock: environment.clock, rescanInterval: environment.dropRescanInterval),
        ReloadService(daemon: daemon),
        StoreWatchService(daemon: daemon),
        AlertService(daemon: daemon, delivery: AlertDelivery(daemon: daemon, notifiers: environment.notifiers(for: daemon)),
                     clock: environment.clock),
        ControlService(server: server, socket: socket),
    ] + (http.map { [$0] } ?? []) + [
        // Last, so that on shutdown (which runs in reverse order) STOPPING=1 goes out first.
        SystemdService(daemon: daemon, notifier: environment.notifier, listening: http?.listening),
    ]
    var configuration = ServiceGroupConfiguration(services: services.map {
        .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
    }, logger: environment.logger)
    configuration.gracefulShutdownSignals = [.sigterm, .sigint]
    configuration.maximumGracefulShutdownDuration = .seconds(4)
    configuration.maximumCancellationDuration = environment.cancellationLimit
    return BuiltDaemon(daemon: daemon, group: ServiceGroup(configuration: configuration))
}

/// The HTTP listener of `[http]`: its tokens read when it is built (a token that cannot be
/// read stops the start, naming where it was to come from); READY=1 waits until it listens,
/// and an address it cannot bind stops brid with the address and the reason.
struct HTTPService: Service {
    let listener: any Service
    /// Opened with true once the listener is bound, false when its run ended without.
    let listening = OneShotGate()

    init(config: HTTPConfig, daemon: Daemon, environment: DaemonEnvironment) throws {
        let tokens: [String]
        do {
            tokens = try HTTPTokens.resolve(config.tokens, environment: environment.variables, readFile: daemon.readFile)
        } catch {
            throw HTTPStartError(message: "[http] tokens: \(error)")
        }
        daemon.httpTokens.replace(with: tokens)
        let clock = environment.clock
        let reads = HTTPReads(store: daemon.store, config: { await daemon.config }, now: { clock.now() }, cache: daemon.httpCache,
                              logger: environment.logger)
        let (logger, gate) = (environment.logger, listening)
        listener = HTTPListener.service(listen: config.listen, reads: reads, tokens: daemon.httpTokens, metrics: daemon.metrics,
                                           logger: logger) { bound in
            logger.notice("http: listening on \(bound)\(tokens.isEmpty ? "" : " (a token is required)")")
            gate.open(true)
        }
    }

    func run() async throws {
        defer { listening.open(false) }  // when it never bound: no READY=1
        try await listener.run()
    }
}

/// Why the HTTP listener could not start.
struct HTTPStartError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Serves the control socket until shutdown, then removes the socket file it created.
struct ControlService: Service {
    let server: ControlServer
    let socket: ControlSocket

    func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            await server.run()
        } onCancelOrGracefulShutdown: {
            server.stop()
        }
        socket.close()
    }
}

/// Tells systemd the daemon is ready (the store is open — connected, for a database server
/// — the control socket listens, the services are started) and,
/// when shutdown begins, that it is stopping.
struct SystemdService: Service {
    let daemon: Daemon
    let notifier: SystemdNotifier
    /// The HTTP listener's bind, waited for before READY=1 (nil: no listener).
    var listening: OneShotGate?

    func run() async throws {
        if let listening {
            // A listener that could not bind ends the group: no READY=1 then.
            guard await listening.wait(), !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        }
        notifier.ready(status: await daemon.statusLine())
        let summary = await daemon.config.summary
        daemon.logger.notice("brid \(BridVersion.current) running: \(summary)")
        try? await gracefulShutdown()
        notifier.stopping()
        daemon.logger.notice("stopping: no new work; checks in flight finish")
    }
}

/// `brid` without `--once`: load the config, build the daemon, run until SIGTERM/SIGINT.
/// Exit 0 after a graceful stop; 1 when the config is invalid, another brid holds the
/// state folder, or the store cannot be opened for writing.
public func runDaemon(configPath: String, logger: Logger) async -> Int32 {
    let config: BridConfig
    switch ConfigLoader.load(path: configPath) {
    case let .success(loaded): config = loaded
    case let .failure(failure):
        for error in failure.errors { logger.critical("\(error)") }
        return 1
    }
    // A file-size limit (RLIMIT_FSIZE) reached by the database is a failed write, like a
    // full disk — a failing source retried later — not SIGXFSZ ending the daemon.
    // (Children get every signal's default back: see `clinux_spawn`.)
    _ = signal(SIGXFSZ, SIG_IGN)
    do {
        let lock = try Launcher.lockStateFolder(config, holderHint: Launcher.daemonHolderHint)
        defer { withExtendedLifetime(lock) {} }  // held until the store is closed
        let environment = DaemonEnvironment(logger: logger)
        // A database that cannot be reached yet is waited for (READY=1 only once connected);
        // SIGTERM/SIGINT meanwhile end brid at once, with exit 0.
        guard let built = try await StoreStartup.waitingForStore(config: config, environment: environment,
                                                                  open: { try Launcher.openStore(config, logger: logger, environment: environment.variables) }) else {
            logger.notice("stopped while waiting for the store")
            return 0
        }
        defer { built.daemon.store.close() }  // after the services stopped: checkpointed, no -wal/-shm left
        try await built.group?.run()
        logger.notice("stopped")
        return 0
    } catch {
        logger.critical("\(error)")
        return 1
    }
}

/// A gate opened once, with a value: `wait()` returns it at once after `open`, and every
/// waiter before it is woken with it then.
final class OneShotGate: Sendable {
    private let state = Mutex<(value: Bool?, waiters: [CheckedContinuation<Bool, Never>])>((nil, []))

    /// Opens the gate with `value`; later calls change nothing.
    func open(_ value: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    func wait() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let value = state.withLock { state -> Bool? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let value { continuation.resume(returning: value) }
        }
    }
}
