import ArgumentParser
import BridProtocol

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release", abstract: "Show what one release added, revised and removed.",
        discussion: "Changes are listed in the order the release wrote them (series as first stored, then period), printed as they arrive.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The release id.", valueName: "id"))
    var id: Int64

    func validate() throws {
        if id < 1 { throw ValidationError("a release id is 1 or more") }
    }

    func run() throws {
        try options.performStream(ReleaseRequest(id: id), defaultTimeout: 60, table: Self.table)
    }

    static let table = StreamedTable<ReleaseRequest>(
        heading: { header, terminal in
            let release = header.release
            var lines = [terminal.paint("release \(release.id)", .bold) + " · source \(release.source)"]
            lines.append("ingested   \(Formats.time(release.ingestedAt, terminal))")
            if let published = release.publishedAt { lines.append("published  \(Formats.time(published, terminal))") }
            // A long URL is cut to the width: the release's file name or URL, to recognise it.
            lines.append("origin     " + (terminal.width.map { Table.truncate(release.origin, to: max(20, $0 - 11)) } ?? release.origin))
            lines.append("sha256     \(release.sha256)")
            lines.append(Formats.wrap("changes    \(Formats.count(release.added)) added, \(Formats.count(release.revised)) revised, "
                + "\(Formats.count(release.removed)) removed, \(Formats.count(release.unchanged)) unchanged", width: terminal.width, indent: 11))
            return lines
        },
        beforeRows: [""],
        columns: [.init("SERIES"), .init("PERIOD"), .init("CHANGE"), .init("VALUE"), .init("STATUS", whenFilled: true)],
        cells: { change, _ in
            let value: Table.Cell
            switch change.kind {
            case .added: value = .init(Formats.value(change.value))
            case .revised: value = Formats.revisionCell(from: change.previousValue, to: change.value, status: (change.previousStatus, change.status))
            case .removed: value = Formats.revisionCell(from: change.previousValue ?? "-", to: nil, removed: true)
            }
            return [.init(change.series), .init(change.period), .init(change.kind.rawValue, Palette.style(change.kind)), value,
                    .init(change.status ?? "")]
        })

    static func render(_ response: ReleaseResponse, _ terminal: Terminal) -> String {
        table.render(response, terminal)
    }
}
