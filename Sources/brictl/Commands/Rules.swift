import ArgumentParser
import BridProtocol

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List the alert rules, or test one against the stored history.",
        subcommands: [RulesListCommand.self, RulesTestCommand.self], defaultSubcommand: RulesListCommand.self)
}

struct RulesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the alert rules with their last evaluation.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try options.perform(RulesRequest(), render: Self.render)
    }

    static func render(_ response: RulesResponse, _ terminal: Terminal) -> String {
        guard !response.rules.isEmpty else { return "no alert rules configured" }
        var table = Table([.init("RULE"), .init("WHEN", drop: 2), .init("TARGET", flexible: true, minimum: 16), .init("SEVERITY", drop: 3),
                           .init("FIRING", .right), .init("LAST EVALUATED", drop: 1), .init("CONDITION", flexible: true, minimum: 20)])
        for rule in response.rules {
            table.add([.init(rule.id), .init(rule.when), .init(rule.target), .init(rule.severity.rawValue, Palette.style(rule.severity)),
                       .init(String(rule.firing), rule.firing > 0 ? Palette.style(rule.severity) : .plain),
                       Formats.timeCell(rule.lastEvaluatedAt, terminal), .init(rule.condition)])
        }
        return table.render(terminal)
    }
}

struct RulesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Evaluate one rule against the stored history without firing anything.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The rule id.", valueName: "rule"))
    var rule: String

    @Option(name: .long, help: ArgumentHelp("Only series matching this key or glob.", valueName: "series"))
    var series: String?

    func run() throws {
        try options.perform(RuleTestRequest(rule: rule, series: series), defaultTimeout: 60, render: Self.render)
    }

    static func render(_ response: RuleTestResponse, _ terminal: Terminal) -> String {
        let rule = response.rule
        let title = "rule \(rule.id)"
        let first = Formats.wrap("\(title): \(rule.when) on \(rule.target), \(rule.condition) (\(rule.severity.rawValue))", width: terminal.width)
        var lines = [terminal.paint(title, .bold) + first.dropFirst(title.count)]
        if let from = response.ruleFrom { lines.append(Formats.wrap("as in \(from)", width: terminal.width)) }
        lines.append(Formats.wrap("evaluated \(Formats.plural(response.evaluated, "observation")) of \(Formats.plural(response.targets, "target")): "
            + (response.hits.isEmpty ? "would fire nothing" : "would fire \(Formats.plural(response.hits.count, "time"))"), width: terminal.width))
        guard !response.hits.isEmpty else { return lines.joined(separator: "\n") }
        lines.append("")
        var table = Table([.init("SERIES/SOURCE"), .init("PERIOD"), .init("VALUE", drop: 2), .init("RELEASE", .right, drop: 1),
                           .init("NOW"), .init("SUMMARY", flexible: true, minimum: 20)])
        for hit in response.hits {
            let value = hit.previousValue != nil ? Formats.revisionCell(from: hit.previousValue, to: hit.value) : .init(Formats.value(hit.value))
            table.add([.init(hit.series ?? hit.source ?? "-"), .init(hit.period ?? "-"), value,
                       .init(hit.releaseID.map(String.init) ?? "-"), .init(hit.firingNow ? "firing" : "-", hit.firingNow ? Palette.style(rule.severity) : .dim),
                       .init(hit.summary)])
        }
        lines.append(table.render(terminal))
        return lines.joined(separator: "\n")
    }
}
