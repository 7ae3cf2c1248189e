import ArgumentParser
import BridProtocol

struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series", abstract: "List series keys with their latest period and value and when they last changed.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Only keys matching this glob (* and ?), e.g. 'cn-kz.*'.", valueName: "glob"))
    var glob: String?

    func run() throws {
        try options.perform(SeriesListRequest(glob: glob), render: Self.render)
    }

    static func render(_ response: SeriesListResponse, _ terminal: Terminal) -> String {
        guard !response.series.isEmpty else { return "no series" }
        var table = Table([.init("SERIES"), .init("NAME", flexible: true), .init("UNIT"), .init("FREQ"), .init("SOURCE"),
                           .init("LATEST"), .init("VALUE", .right), .init("CHANGED")])
        for series in response.series {
            table.add([.init(series.key), .init(series.name ?? ""), .init(series.unit ?? ""), .init(series.frequency),
                       .init(series.source ?? "-"), .init(series.latestPeriod ?? "-"), .init(Formats.value(series.latestValue)),
                       Formats.timeCell(series.lastChangedAt, terminal)])
        }
        return table.render(terminal)
    }
}
