import ArgumentParser
import BridCore
import BridDaemon
import BridRuntime
import Foundation

@main
struct Brid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brid",
        abstract: "Tracks time-series indicators: ingests releases, keeps every vintage, alerts on changes.",
        version: BridVersion.current
    )

    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config = "/etc/brid/brid.toml"

    @Flag(name: .long, help: "Parse and validate the configuration, print every error, and exit 0 or 1.")
    var checkConfig = false

    @Flag(name: .long, help: "Run every source once (fetch URLs, scan drop folders), ingest, and exit.")
    var once = false

    func validate() throws {
        if checkConfig && once { throw ValidationError("--check-config and --once do not go together") }
    }

    func run() async throws {
        if checkConfig { throw ExitCode(Launcher.checkConfig(path: config)) }
        if once { throw ExitCode(await runOnce(configPath: config, logger: Launcher.makeLogger())) }
        throw ExitCode(await runDaemon(configPath: config, logger: Launcher.makeLogger()))
    }
}
