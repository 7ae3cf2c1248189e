import BridCore
import BridPostgres
import BridStore
import Foundation

/// `brid migrate-store`: moves the SQLite store of a config's state folder into an empty
/// PostgreSQL database, every release, version, alert and id preserved (`StoreCopy`).
///
/// The usual way: stop brid, set `[store] kind = "postgresql"` in the config, run
/// `brid migrate-store --config …`, start brid. The SQLite file is `state_dir/brid.sqlite`
/// (or `--from`); the target is `--to`, or the config's `[store] url` with its password.
/// The state folder's lock is held throughout, so no brid writes the SQLite file meanwhile;
/// the file itself is left as it was (keep it until the PostgreSQL store has been checked).
public enum MigrateStore {
    public static func run(configPath: String, from: String?, to: String?, output: LineSink = .stdout, errors: LineSink = .stderr,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        let config: BridConfig
        switch ConfigLoader.load(path: configPath) {
        case let .success(loaded):
            config = loaded
        case let .failure(failure):
            for error in failure.errors { errors.write("\(error)\n") }
            return 1
        }
        do {
            let report = try migrate(config, from: from, to: to, environment: environment) { table, rows in
                output.write("  \(table): \(rows) row\(rows == 1 ? "" : "s")\n")
            }
            output.write("migrate-store: done — \(report.summary)\n")
            return 0
        } catch {
            errors.write("migrate-store: \(error)\n")
            return 1
        }
    }

    static func migrate(_ config: BridConfig, from: String?, to: String?, environment: [String: String],
                        progress: (String, Int) -> Void) throws -> StoreCopy.Report {
        let source = from ?? config.databasePath
        guard FileManager.default.fileExists(atPath: source) else {
            throw RuntimeError("there is no SQLite store at \(source) to copy")
        }
        let (url, password) = try target(config, to: to, environment: environment)
        let lock = try Launcher.lockStateFolder(config, holderHint: "stop it first (systemctl stop brid): migrate-store copies a store nobody writes")
        defer { withExtendedLifetime(lock) {} }
        // Both schemas brought to this brid's newest migration first.
        try SQLiteStore(path: source).close()
        let instance = config.daemon.instanceName(hostName: Launcher.hostName())
        try PostgresStore(url: url, password: password, instance: instance).close()
        let connection: PGConnection
        do {
            connection = try PGConnection(conninfo: url, password: password)
        } catch {
            throw RuntimeError("cannot connect to PostgreSQL: \(error)")
        }
        defer { connection.close() }
        return try StoreCopy.copy(sqlitePath: source, to: connection, progress: progress)
    }

    /// Where to: `--to` (libpq finds its password itself: PGPASSWORD, ~/.pgpass), or the
    /// config's PostgreSQL store with its password.
    private static func target(_ config: BridConfig, to: String?, environment: [String: String]) throws -> (String, String?) {
        if let to { return (to, nil) }
        guard case .postgresql(let store) = config.store else {
            throw RuntimeError("\(config.path): the store is SQLite; say where to copy it with --to <url>, or set [store] kind = \"postgresql\" and its url")
        }
        return (store.url, try Launcher.postgresPassword(store, environment: environment,
                                                        readFile: { try String(contentsOfFile: $0, encoding: .utf8) }))
    }
}
