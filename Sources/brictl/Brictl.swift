import ArgumentParser
import BridProtocol
import BridInfo
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// brictl's root command. `main` maps every failure to CONTRACT §6's exit codes.
@main
struct Brictl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brictl",
        abstract: "Controls brid, the time-series vintage daemon, over its Unix socket.",
        discussion: """
            The options --socket, --json and --timeout go before or after the command.
            Exit codes: 0 ok; 1 the operation failed; 2 usage; 3 brid not reachable; 4 not found.
            The socket is --socket, else $BRID_SOCKET, else \(ControlProtocol.defaultSocketPath).
            NO_COLOR turns colour off.
            """,
        version: "\(BridVersion.current) (control protocol \(ControlProtocol.protocolVersion))",
        subcommands: [
            StatusCommand.self, SourcesCommand.self, FetchCommand.self, IngestCommand.self,
            SeriesCommand.self, ShowCommand.self, HistoryCommand.self, ReleasesCommand.self, ReleaseCommand.self,
            AlertsCommand.self, AckCommand.self, RulesCommand.self,
            PauseCommand.self, ResumeCommand.self, ReloadCommand.self, ExportCommand.self, BackupCommand.self,
        ]
    )

    /// Listed under OPTIONS of `brictl --help`; a command line with a subcommand reads them
    /// there (`hoistingGlobalOptions` moves them after its name).
    @OptionGroup var options: GlobalOptions

    static func main() {
        let status = runAndReport(CommandLine.arguments.dropFirst().map { $0 })
        terminate(status)
    }

    /// Parses and runs one command line; prints what went wrong; returns the exit status.
    static func runAndReport(_ arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(hoistingGlobalOptions(arguments))
            try command.run()
            return 0
        } catch let failure as Failure {
            Output.error("brictl: \(failure.message)")
            return failure.status.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help, --version, completion scripts: argument-parser prints them
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { Output.error(message) }
            return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
        }
    }

    /// `brictl --json status` as `brictl status --json`: argument-parser reads a subcommand's
    /// options only after its name, while CONTRACT §6 writes the global ones before it.
    /// Leading `--socket`, `--json` and `--timeout` move to the end (before a `--`).
    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--json" || argument.hasPrefix("--socket=") || argument.hasPrefix("--timeout=") {
                leading.append(argument)
                index += 1
            } else if argument == "--socket" || argument == "--timeout", index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.count)
        return rest
    }
}

/// exit(3), named apart from argument-parser's `exit(withError:)`.
private func terminate(_ status: Int32) -> Never {
    exit(status)
}
