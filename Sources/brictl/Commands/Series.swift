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

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("At most this many series (one page).", valueName: "n"))
    var limit: Int?

    @Option(name: .long, help: ArgumentHelp("Only keys after this one (the next page).", valueName: "key"))
    var after: String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be a positive number (1 or more), not \(limit)") }
    }

    func run() throws {
        try options.performStream(SeriesListRequest(glob: glob, source: source, after: after, limit: limit), defaultTimeout: 60, table: Self.table)
    }

    static let table = StreamedTable<SeriesListRequest>(
        // The unit beside the value it measures; narrow, the frequency, source and time go first.
        columns: [.init("SERIES"), .init("NAME", flexible: true, minimum: 16, drop: 4), .init("LATEST"), .init("VALUE", .right),
                  .init("UNIT", drop: 5), .init("FREQ", drop: 1), .init("SOURCE", drop: 2), .init("CHANGED", drop: 3)],
        cells: { series, terminal in
            [.init(series.key), .init(series.name ?? ""), .init(series.latestPeriod ?? "-"), .init(Formats.value(series.latestValue)),
             .init(series.unit ?? ""), .init(series.frequency), .init(series.source ?? "-"),
             Formats.timeCell(series.lastChangedAt, terminal)]
        },
        empty: "no series",
        footer: { end in end.next.map { "more after \($0): --after '\($0)'" } })

    static func render(_ response: SeriesListResponse, _ terminal: Terminal) -> String {
        table.render(response, terminal)
    }
}
