import ArgumentParser
import BridProtocol

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a series' observations: the latest, as of a time, or as of a release.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The series key.", valueName: "series"))
    var series: String

    @OptionGroup var vintage: VintageOptions

    @Option(name: .long, help: ArgumentHelp("First period, e.g. 2015, 2015-Q1, 2015-03.", valueName: "period"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Last period.", valueName: "period"))
    var to: String?

    func run() throws {
        let request = ShowRequest(series: series, asOf: vintage.asOfDate, release: vintage.release, from: from, to: to)
        // One series' observations: gathered (the sparkline needs them all), then printed.
        var header: ShowHeader?
        var observations: [Observation] = []
        var printer = StreamPrinter(terminal: Terminal.current())
        let asJSON = options.json
        try options.performStream(request, header: { value, line in
            header = value
            if asJSON { printer.jsonHeader(line, rowsKey: ShowRequest.rowsKey) }
        }, rows: { rows, line in
            if asJSON { printer.jsonRows(line) } else { observations += rows }
        }, end: { end in
            if asJSON { printer.jsonEnd(end) }
        })
        if !asJSON, let header {
            Output.write(Self.render(ShowRequest.assemble(header, observations, StreamEnd(rows: observations.count)), Terminal.current()))
        }
    }

    static func render(_ response: ShowResponse, _ terminal: Terminal) -> String {
        var lines = [SeriesHeading.line(response.series, terminal)]
        if let asOf = response.asOf {
            lines.append("as of \(Formats.time(asOf, terminal))")
        } else if let release = response.release {
            lines.append("as of release \(release)")
        } else {
            lines.append("latest vintage")
        }
        let observations = response.observations
        guard let first = observations.first, let last = observations.last else {
            lines.append("no observations")
            return lines.joined(separator: "\n")
        }
        let span = first.period == last.period ? first.period : "\(first.period) – \(last.period)"
        lines.append(Formats.sparkline(observations.map(\.value)) + "  " + span + ", " + Formats.plural(observations.count, "observation"))
        lines.append("")
        var table = Table([.init("PERIOD"), .init("VALUE", .right), .init("STATUS", whenFilled: true), .init("RELEASE", .right)])
        for observation in observations {
            table.add([.init(observation.period), .init(Formats.value(observation.value), observation.value == nil ? .dim : .plain),
                       .init(observation.status ?? ""), .init(String(observation.releaseID))])
        }
        lines.append(table.render(terminal))
        return lines.joined(separator: "\n")
    }
}

/// The first line of `show` and `history`: `cn-kz.trade.total — China–Kazakhstan trade volume (USD bn, A) · source bri-cn-kz`.
/// Too wide for the terminal, it leaves out the source, then cuts the name, then leaves it out.
enum SeriesHeading {
    static func line(_ series: SeriesInfo, _ terminal: Terminal) -> String {
        let units = " (" + [series.unit, series.frequency].compactMap { $0 }.joined(separator: ", ") + ")"
        let source = series.source.map { " · source \($0)" } ?? ""
        var name = series.name.map { " — \($0)" } ?? ""
        if let width = terminal.width {
            let fixed = Table.width(series.key) + Table.width(units)
            if fixed + Table.width(name) + Table.width(source) <= width {
                return terminal.paint(series.key, .bold) + name + units + source
            }
            let room = width - fixed
            if Table.width(name) > room { name = room >= 3 + 8 ? Table.truncate(name, to: room) : "" }
            return terminal.paint(series.key, .bold) + name + units
        }
        return terminal.paint(series.key, .bold) + name + units + source
    }
}
