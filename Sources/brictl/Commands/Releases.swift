import ArgumentParser
import BridProtocol

struct ReleasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "releases", abstract: "List releases, newest first.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this source's releases.", valueName: "id"))
    var source: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("How many to list (default 20).", valueName: "n"))
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be a positive number (1 or more), not \(limit)") }
    }

    func run() throws {
        try options.performStream(ReleasesRequest(source: source, limit: limit), table: Self.table)
    }

    static let table = StreamedTable<ReleasesRequest>(
        columns: [.init("ID", .right), .init("SOURCE"), .init("INGESTED"), .init("PUBLISHED", drop: 1), .init("ADDED", .right),
                  .init("REVISED", .right), .init("REMOVED", .right), .init("UNCHANGED", .right, drop: 2),
                  .init("ORIGIN", flexible: true, minimum: 20, drop: 3)],
        cells: { release, terminal in
            [.init(String(release.id)), .init(release.source), Formats.timeCell(release.ingestedAt, terminal),
             Formats.bareTimeCell(release.publishedAt, terminal), .init(Formats.count(release.added)),
             .init(Formats.count(release.revised), release.revised > 0 ? .yellow : .plain),
             .init(Formats.count(release.removed), release.removed > 0 ? .red : .plain),
             .init(Formats.count(release.unchanged)), .init(release.origin)]
        },
        empty: "no releases")

    static func render(_ response: ReleasesResponse, _ terminal: Terminal) -> String {
        table.render(response, terminal)
    }
}
