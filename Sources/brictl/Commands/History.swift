import ArgumentParser
import BridProtocol

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show every version of one observation, with each revision.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The series key.", valueName: "series"))
    var series: String

    @Argument(help: ArgumentHelp("The period, e.g. 2018, 2018-Q1, 2018-03.", valueName: "period"))
    var period: String

    func run() throws {
        // One observation's versions are few: gathered, then printed as one table.
        var header: HistoryHeader?
        var versions: [ObservationVersion] = []
        var printer = StreamPrinter(terminal: Terminal.current())
        let asJSON = options.json
        try options.performStream(HistoryRequest(series: series, period: period), header: { value, line in
            header = value
            if asJSON { printer.jsonHeader(line, rowsKey: HistoryRequest.rowsKey) }
        }, rows: { rows, line in
            versions += rows
            if asJSON { printer.jsonRows(line) }
        }, end: { end in
            if asJSON { printer.jsonEnd(end) }
        })
        if !asJSON, let header {
            Output.write(Self.render(HistoryResponse(series: header.series, period: header.period, versions: versions), Terminal.current()))
        }
    }

    static func render(_ response: HistoryResponse, _ terminal: Terminal) -> String {
        var lines = [SeriesHeading.line(response.series, terminal)]
        lines.append("period \(response.period): " + Formats.plural(response.versions.count, "version"))
        guard !response.versions.isEmpty else { return lines.joined(separator: "\n") }
        lines.append("")
        var table = Table([.init("RELEASE", .right), .init("SOURCE", drop: 1), .init("VALID FROM"), .init("VALID UNTIL", drop: 2),
                           .init("VALUE", .right), .init("STATUS", whenFilled: true), .init("REVISION", drop: 3)])
        var previous: ObservationVersion?
        for version in response.versions {
            let value = version.removed ? "(removed)" : Formats.value(version.value)
            let style: Style = previous == nil ? .dim : .yellow
            let revision = previous.map {
                Formats.revisionCell(from: $0.removed ? nil : $0.value, to: version.value, removed: version.removed,
                                     status: ($0.removed ? nil : $0.status, version.status), style)
            } ?? Table.Cell("first published", style, compact: "first")
            table.add([.init(String(version.releaseID)), .init(version.source), Formats.timeCell(version.validFrom, terminal),
                       version.validUntil == nil ? .init("current", .green) : Formats.timeCell(version.validUntil, terminal),
                       .init(value, version.removed ? .red : .plain), .init(version.status ?? ""), revision])
            previous = version
        }
        lines.append(table.render(terminal))
        return lines.joined(separator: "\n")
    }
}
