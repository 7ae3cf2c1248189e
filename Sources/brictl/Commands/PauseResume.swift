import ArgumentParser
import BridProtocol

struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop checking a source until resumed (kept across restarts).")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The source id.", valueName: "source"))
    var source: String

    func run() throws {
        try options.perform(PauseRequest(source: source), render: Self.render)
    }

    static func render(_ response: PauseResponse, _ terminal: Terminal) -> String {
        let state = response.paused ? "paused" : "resumed"
        return response.changed ? "\(state) \(response.source)" : "\(response.source) was already \(response.paused ? "paused" : "running")"
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Check a paused source again on its schedule.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The source id.", valueName: "source"))
    var source: String

    func run() throws {
        try options.perform(ResumeRequest(source: source), render: PauseCommand.render)
    }
}
