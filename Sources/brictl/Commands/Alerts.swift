import ArgumentParser
import BridProtocol

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "List firing alerts (acked ones too); with --all, resolved ones as well.")

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Include resolved alerts.")
    var all = false

    @Option(name: .long, help: ArgumentHelp("Only this rule's alerts.", valueName: "rule"))
    var rule: String?

    @Option(name: .long, help: ArgumentHelp("Only alerts of series matching this key or glob.", valueName: "series"))
    var series: String?

    func run() throws {
        try options.perform(AlertsRequest(all: all, rule: rule, series: series), render: Self.render)
    }

    static func render(_ response: AlertsResponse, _ terminal: Terminal) -> String {
        guard !response.alerts.isEmpty else { return "no alerts" }
        // Narrow, the severity (the state's colour says it), the time and the key (the
        // summary names them) go first.
        var table = Table([.init("ID", .right), .init("SEVERITY", drop: 1), .init("STATE"), .init("RULE"), .init("SERIES/SOURCE", drop: 3),
                           .init("PERIOD", drop: 4), .init("FIRED", drop: 2), .init("SUMMARY", flexible: true, minimum: 24)])
        for alert in response.alerts {
            var state = alert.state.rawValue
            if alert.acked { state += ", acked" }
            let shortState = state
            if let resolved = alert.resolvedAt { state += " \(Formats.age(resolved, now: terminal.now))" }
            table.add([.init(String(alert.id)), .init(alert.severity.rawValue, Palette.style(alert.severity, state: alert.state)),
                       .init(state, alert.state == .firing && !alert.acked ? Palette.style(alert.severity) : .dim, compact: shortState),
                       .init(alert.rule), .init(alert.series ?? alert.source ?? "-"), .init(alert.period ?? "-"),
                       Formats.timeCell(alert.firedAt, terminal), .init(alert.summary)])
        }
        return table.render(terminal)
    }
}
