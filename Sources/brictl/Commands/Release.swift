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
            lines.append("origin     \(release.origin)")
            lines.append("sha256     \(release.sha256)")
            lines.append("changes    \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged")
            return lines
        },
        beforeRows: [""],
        columns: [.init("SERIES"), .init("PERIOD"), .init("CHANGE"), .init("VALUE", flexible: true)],
        cells: { change, _ in
            let value: String
            switch change.kind {
            case .added: value = Formats.value(change.value)
            case .revised: value = Formats.revision(from: change.previousValue, to: change.value)
            case .removed: value = Formats.revision(from: change.previousValue ?? "-", to: nil, removed: true)
            }
            return [.init(change.series), .init(change.period), .init(change.kind.rawValue, Palette.style(change.kind)), .init(value)]
        })

    static func render(_ response: ReleaseResponse, _ terminal: Terminal) -> String {
        table.render(response, terminal)
    }
}
