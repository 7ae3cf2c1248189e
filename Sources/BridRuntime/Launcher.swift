import BridCore
import BridStore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// What the `brid` executable does, one function per mode, so tests can call them too.
public enum Launcher {
    /// `--check-config`: prints every error (exit 1) or a one-line summary (exit 0).
    /// With `checkStore`, then opens the configured store and says what it found (exit 1
    /// when it cannot be opened).
    public static func checkConfig(path: String, checkStore: Bool = false, output: LineSink = .stdout, errors: LineSink = .stderr,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        switch ConfigLoader.load(path: path) {
        case let .success(config):
            output.write("\(path): OK — \(config.summary)\n")
            guard checkStore else { return 0 }
            switch StoreCheck.run(config, environment: environment, readFile: { try String(contentsOfFile: $0, encoding: .utf8) }) {
            case let .success(line):
                output.write(line + "\n")
                return 0
            case let .failure(failure):
                errors.write("\(failure)\n")
                return 1
            }
        case let .failure(failure):
            for error in failure.errors { errors.write("\(error)\n") }
            errors.write("\(path): \(failure.errors.count) error\(failure.errors.count == 1 ? "" : "s")\n")
            return 1
        }
    }

    /// What a second daemon is told when the state folder is taken.
    public static let daemonHolderHint = "stop it first (systemctl stop brid)"
    /// What `brid --once` is told when a daemon holds the state folder.
    public static let onceHolderHint = "brid --once does not run beside it; `brictl fetch --all` has the running brid check every source now"

    /// Creates the state directory and takes its lock: one brid (daemon or `--once`) per
    /// state folder. Held until the returned lock is released.
    public static func lockStateFolder(_ config: BridConfig, holderHint: String) throws -> StateLock {
        try createStateDir(config)
        return try StateLock.acquire(stateDir: config.daemon.stateDir, holderHint: holderHint)
    }

    /// Creates the state directory, opens the store and applies the catalogue: the SQLite
    /// database in the state folder, or the PostgreSQL database of `[store]` (its password
    /// resolved from `environment` or a file, as `openCluster` does; connected as this
    /// instance, its deliveries claimed for `[store] lease`). Logs where the store is —
    /// never the password. A database that cannot be reached throws a `StoreError` whose
    /// `isUnavailable` holds (start-up waits for it); a refusal (a wrong password, an
    /// unknown database) one without.
    public static func openStore(_ config: BridConfig, logger: Logger,
                                 environment: [String: String] = ProcessInfo.processInfo.environment,
                                 readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }) throws -> any VintageStore {
        try createStateDir(config)
        let store: any VintageStore
        let location: String
        switch config.store {
        case .sqlite:
            store = try SQLiteStore(path: config.databasePath)
            location = "database \(config.databasePath)"
        case .postgresql(let settings):
            let password = try postgresPassword(settings, environment: environment, readFile: readFile)
            let postgres = try PostgresStore(url: settings.url, password: password,
                                             instance: config.daemon.instanceName(hostName: hostName()), lease: settings.lease)
            store = postgres
            location = "store PostgreSQL \(postgres.location)"
        }
        do {
            for conflict in try store.applyCatalogue(config.catalogue) {
                logger.warning("catalogue: \(conflict)")
            }
        } catch {
            store.close()
            throw error
        }
        logger.info("\(location) open, \(config.summary)")
        return store
    }

    /// The cluster of instances sharing the store: for SQLite this instance alone (it
    /// holds every source); for PostgreSQL the shared one, on a connection of its own with
    /// the store's URL and password. Not joined yet (`Cluster.join`).
    public static func openCluster(_ config: BridConfig, environment: [String: String],
                                   readFile: (String) throws -> String) throws -> any Cluster {
        let instance = config.daemon.instanceName(hostName: hostName())
        switch config.store {
        case .sqlite:
            return SingleInstanceCluster(instance: instance)
        case .postgresql(let store):
            let password = try postgresPassword(store, environment: environment, readFile: readFile)
            do {
                return try PGCluster(conninfo: store.url, password: password, instance: instance, lease: store.lease)
            } catch {
                let message = "store: PostgreSQL — cannot connect for the cluster's leases: \(StoreCheck.reason(error))"
                // The server gone between opening the store and this: start-up waits for it.
                throw error.isUnavailable ? StoreError.unavailable(message) : RuntimeError(message)
            }
        }
    }

    /// The PostgreSQL store's password as its `password` reference says (nil: libpq's own
    /// ways), read at connect time; the error never holds it.
    static func postgresPassword(_ store: PostgreSQLStore, environment: [String: String],
                                 readFile: (String) throws -> String) throws -> String? {
        do {
            return try store.password?.resolve(environment: environment, readFile: readFile)
        } catch {
            throw RuntimeError("store: PostgreSQL — cannot read the password: \(error)")
        }
    }

    /// This machine's host name (`gethostname`), "localhost" when it has none.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// The state folder and any missing parents, mode 0750 (as `mkdir -p -m 0750`).
    private static func createStateDir(_ config: BridConfig) throws {
        let path = config.daemon.stateDir
        var missing: [String] = []
        var folder = path
        while !folder.isEmpty, folder != "/", !isDirectory(folder) {
            missing.append(folder)
            folder = Paths.directory(of: folder)
        }
        for folder in missing.reversed() where mkdir(folder, 0o750) != 0 && errno != EEXIST {
            throw RuntimeError("cannot create state_dir \(path): \(folder): \(String(cString: strerror(errno)))")
        }
        guard isDirectory(path) else { throw RuntimeError("cannot create state_dir \(path): not a folder") }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The process-wide logger: stderr, journald priorities when under systemd.
    public static func makeLogger(level: Logger.Level = .info) -> Logger {
        Logger(label: "brid") { label in StderrLogHandler(label: label, level: level) }
    }
}
