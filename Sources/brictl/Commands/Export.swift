import ArgumentParser
import BridProtocol

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write series as CSV or JSON: the latest, as of a time or release, or every vintage of one series.",
        discussion: """
            With --vintages, one series as the ALFRED-style matrix: a row per period, a column per release that changed it. \
            The document is written as it arrives, whatever its size (JSON one element per line).
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The series keys.", valueName: "series"))
    var series: [String]

    @OptionGroup var vintage: VintageOptions

    @Option(name: .long, help: ArgumentHelp("csv or json.", valueName: "format"), completion: .list(["csv", "json"]))
    var format = "csv"

    @Flag(name: .long, help: "Every vintage of one series: period × each release that changed it.")
    var vintages = false

    func validate() throws {
        if series.isEmpty { throw ValidationError("name at least one series to export") }
        if ExportFormat(rawValue: format) == nil { throw ValidationError("--format must be csv or json, not \(format)") }
        if vintages {
            if series.count != 1 { throw ValidationError("--vintages exports exactly one series") }
            if vintage.isSet { throw ValidationError("--vintages shows every vintage; it takes no --as-of or --release") }
        }
    }

    func run() throws {
        let request = ExportRequest(series: series, asOf: vintage.asOfDate, release: vintage.release,
                                    format: ExportFormat(rawValue: format) ?? .csv, vintages: vintages)
        var printer = StreamPrinter(terminal: Terminal.current())
        let json = options.json
        try options.performStream(request, defaultTimeout: 60, header: { _, line in
            if json { printer.jsonHeader(line, rowsKey: ExportRequest.rowsKey) }
        }, rows: { lines, line in
            if json { printer.jsonRows(line) } else { Output.write(lines.joined(separator: "\n")) }
        }, end: { end in
            if json { printer.jsonEnd(end) }
        })
    }

    static func render(_ response: ExportResponse, _ terminal: Terminal) -> String {
        response.text
    }
}
