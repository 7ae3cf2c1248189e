import ArgumentParser
import BridCore
import BridDaemon
import BridRuntime
import Foundation

@main
struct Brid: AsyncParsableCommand {
    /// Where the configuration is read from without `--config`.
    static let defaultConfigPath = "/etc/brid/brid.toml"

    /// A wrong command line exits 2, as brictl's does (argument-parser's own 64 is not
    /// what either documents).
    static let usageStatus: Int32 = 2

    static let configuration = CommandConfiguration(
        commandName: "brid",
        abstract: "Tracks time-series indicators: ingests releases, keeps every vintage, alerts on changes.",
        discussion: """
            Without --check-config or --once, brid runs as a daemon in the foreground until SIGTERM or SIGINT.
            Exit status: 0 ok; 1 the config is invalid, the store cannot be opened for writing (with \
            --check-store: cannot be opened or reached), another brid holds the state folder or its socket, or (--once) a payload was rejected or a fetch failed; 2 usage.
            """,
        version: BridVersion.current,
        subcommands: [MigrateStoreCommand.self]
    )

    @Option(name: .long, help: ArgumentHelp("The configuration file (default: \(Brid.defaultConfigPath)).", valueName: "path"))
    var config: String?

    @Flag(name: .long, help: "Parse and validate the configuration, print every error, and exit 0 or 1.")
    var checkConfig = false

    @Flag(name: .long, help: "With --check-config: open the configured store (SQLite file or PostgreSQL server), change nothing, and say on one line what was found; exit 1 when it cannot be opened.")
    var checkStore = false

    @Flag(name: .long, help: "Run every source once (fetch URLs, scan drop folders), ingest, and exit.")
    var once = false

    func validate() throws {
        if checkConfig && once { throw ValidationError("--check-config and --once do not go together") }
        if checkStore && !checkConfig { throw ValidationError("--check-store goes with --check-config") }
    }

    func run() async throws {
        let path = config ?? Self.defaultConfigPath
        if checkConfig { throw ExitCode(Launcher.checkConfig(path: path, checkStore: checkStore)) }
        if once { throw ExitCode(await runOnce(configPath: path, logger: Launcher.makeLogger())) }
        throw ExitCode(await runDaemon(configPath: path, logger: Launcher.makeLogger()))
    }

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = Array((fullMessage(for: error) + "\n").utf8)
                _ = message.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
                Foundation.exit(usageStatus)
            }
            exit(withError: error)
        }
    }
}

/// `brid migrate-store`: the SQLite store into PostgreSQL (README "Running on PostgreSQL").
struct MigrateStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy the SQLite store into an empty PostgreSQL database, every release, version, alert and id kept.",
        discussion: """
            Stop brid first. The SQLite file is state_dir/brid.sqlite of the config (or --from); the target is \
            --to, or the config's [store] url and password when its kind is "postgresql". The copy is one \
            transaction: all of it or nothing. The SQLite file is left as it was. Exit status: 0 copied; 1 not.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The configuration file (default: \(Brid.defaultConfigPath)).", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The SQLite store to copy (default: state_dir/brid.sqlite).", valueName: "file"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("The PostgreSQL database, a libpq URI or key=value string (default: the config's [store] url); its password from PGPASSWORD or ~/.pgpass.", valueName: "url"))
    var to: String?

    /// `brid`'s own `--config`: argument-parser gives a `--config` written after
    /// `migrate-store` to the parent command, which declares it too.
    @ParentCommand var brid: Brid

    func run() throws {
        throw ExitCode(MigrateStore.run(configPath: config ?? brid.config ?? Brid.defaultConfigPath, from: from, to: to))
    }
}
