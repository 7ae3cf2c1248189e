import ArgumentParser
import BridProtocol

struct SourcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources", abstract: "List the sources with their last check, success and error, and when each is due.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try options.perform(SourcesRequest(), render: Self.render)
    }

    static func render(_ response: SourcesResponse, _ terminal: Terminal) -> String {
        guard !response.sources.isEmpty else { return "no sources configured" }
        var table = Table([.init("SOURCE"), .init("FORMAT", drop: 1), .init("STATE"), .init("LAST CHECK"), .init("LAST SUCCESS", drop: 3),
                           .init("NEXT DUE"), .init("FAILS", .right, drop: 4), .init("LAST ERROR", flexible: true, minimum: 20),
                           .init("LOCATION", flexible: true, minimum: 16, drop: 2)])
        for source in response.sources {
            let error = source.lastError.map { message in
                source.lastErrorAt.map { "\(Formats.age($0, now: terminal.now)): \(message)" } ?? message
            } ?? ""
            table.add([.init(source.id), .init(source.format),
                       .init(Palette.sourceState(source), Palette.style(source.state)),
                       Formats.timeCell(source.lastCheckAt, terminal), Formats.timeCell(source.lastSuccessAt, terminal),
                       Formats.timeCell(source.nextDueAt, terminal),
                       .init(String(source.consecutiveFailures), source.consecutiveFailures > 0 ? .red : .plain),
                       .init(error, source.state == .failing ? .red : .dim), .init(source.location)])
        }
        return table.render(terminal)
    }
}
