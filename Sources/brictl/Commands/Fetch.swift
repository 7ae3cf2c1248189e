import ArgumentParser
import BridProtocol

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Check sources now: fetch URL sources, scan drop folders.",
        discussion: "Waits for the outcome of each check unless --no-wait. Exits 1 when a check failed or was rejected.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The sources to check.", valueName: "source"))
    var sources: [String] = []

    @Flag(name: .long, help: "Check every source.")
    var all = false

    @Flag(name: .customLong("no-wait"), help: "Answer as soon as the checks are started.")
    var noWait = false

    func validate() throws {
        if all && !sources.isEmpty { throw ValidationError("give source ids or --all, not both") }
        if !all && sources.isEmpty { throw ValidationError("name the sources to fetch, or use --all") }
    }

    func run() throws {
        let response = try options.perform(FetchRequest(sources: sources, all: all, wait: !noWait), defaultTimeout: 300, render: Self.render)
        if response.outcomes.contains(where: \.isFailure) { throw exitQuietly(.failed) }
    }

    static func render(_ response: FetchResponse, _ terminal: Terminal) -> String {
        guard !response.outcomes.isEmpty else { return "no sources to check" }
        var table = Table([.init("SOURCE"), .init("OUTCOME"), .init("DETAIL", flexible: true)])
        for outcome in response.outcomes {
            table.add([.init(outcome.source), .init(outcome.outcome.rawValue, Palette.style(outcome.outcome)), .init(detail(outcome))])
        }
        return table.render(terminal)
    }

    /// `release 43: 3 added, 1 revised, 0 removed, 12 unchanged`, or the message.
    static func detail(_ outcome: FetchOutcome) -> String {
        guard let release = outcome.release else { return outcome.message }
        let counts = "release \(release.id): \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged"
        return outcome.message.isEmpty ? counts : "\(counts) — \(outcome.message)"
    }
}
