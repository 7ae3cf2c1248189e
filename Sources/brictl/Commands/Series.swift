import ArgumentParser
import BridProtocol

struct SeriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series", abstract: "List series keys with their latest period and value and when they last changed.",
        discussion: "By key, printed as they arrive. With --limit, the last line says where the next page starts (--after KEY).")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Only keys matching this glob (*, ? and [a-z]), e.g. 'cn-kz.*'.", valueName: "glob"))
    var glob: String?

    @Option(name: .long, help: ArgumentHelp("Only series fed by this source.", valueName: "id"))
    var source: String?

    @Option(name: .long, help: ArgumentHelp("At most this many series (one page).", valueName: "n"))
    var limit: Int?

    @Option(name: .long, help: ArgumentHelp("Only keys after this one (the next page).", valueName: "key"))
    var after: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        try options.performStream(SeriesListRequest(glob: glob, source: source, after: after, limit: limit), defaultTimeout: 60, table: Self.table)
    }

    static let table = StreamedTable<SeriesListRequest>(
        columns: [.init("SERIES"), .init("NAME", flexible: true), .init("UNIT"), .init("FREQ"), .init("SOURCE"),
                  .init("LATEST"), .init("VALUE", .right), .init("CHANGED")],
        cells: { series, terminal in
            [.init(series.key), .init(series.name ?? ""), .init(series.unit ?? ""), .init(series.frequency),
             .init(series.source ?? "-"), .init(series.latestPeriod ?? "-"), .init(Formats.value(series.latestValue)),
             Formats.timeCell(series.lastChangedAt, terminal)]
        },
        empty: "no series",
        footer: { end in end.next.map { "more after \($0): --after '\($0)'" } })

    static func render(_ response: SeriesListResponse, _ terminal: Terminal) -> String {
        table.render(response, terminal)
    }
}
