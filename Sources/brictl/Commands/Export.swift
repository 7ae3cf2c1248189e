import ArgumentParser
import BridProtocol

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write series as CSV or JSON: the latest, as of a time or release, or every vintage of one series.",
        discussion: "With --vintages, one series as the ALFRED-style matrix: a row per period, a column per release that changed it.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The series keys.", valueName: "series"))
    var series: [String]

    @Option(name: .customLong("as-of"), help: ArgumentHelp("What was known at this time: 2019-03-01 (end of that day, UTC) or 2019-03-01T06:00:00Z.", valueName: "time"))
    var asOf: String?

    @Option(name: .long, help: ArgumentHelp("What was known right after this release.", valueName: "id"))
    var release: Int64?

    @Option(name: .long, help: ArgumentHelp("csv (default) or json.", valueName: "format"), completion: .list(["csv", "json"]))
    var format = "csv"

    @Flag(name: .long, help: "Every vintage of one series: period × each release that changed it.")
    var vintages = false

    func validate() throws {
        if series.isEmpty { throw ValidationError("name at least one series to export") }
        if ExportFormat(rawValue: format) == nil { throw ValidationError("--format must be csv or json, not \(format)") }
        if asOf != nil && release != nil { throw ValidationError("--as-of and --release do not go together: pick one vintage") }
        try Arguments.checkAsOf(asOf)
        if vintages {
            if series.count != 1 { throw ValidationError("--vintages exports exactly one series") }
            if asOf != nil || release != nil { throw ValidationError("--vintages shows every vintage; it takes no --as-of or --release") }
        }
    }

    func run() throws {
        let request = ExportRequest(series: series, asOf: asOf.flatMap(Arguments.asOf), release: release,
                                    format: ExportFormat(rawValue: format) ?? .csv, vintages: vintages)
        try options.perform(request, defaultTimeout: 60, render: Self.render)
    }

    static func render(_ response: ExportResponse, _ terminal: Terminal) -> String {
        response.text
    }
}
