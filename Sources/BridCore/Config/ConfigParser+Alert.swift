extension ConfigParser {
    /// The `when` spellings, in the order messages list them.
    private static let conditions = ["change_pct", "change_abs", "level", "revision_pct", "revision_abs", "stale", "fetch_failing"]
    private static let thresholdConditions: Set<String> = ["change_pct", "change_abs", "level", "revision_pct", "revision_abs"]

    /// Keys that only some conditions take, and which.
    private static let conditionKeys: [(key: String, conditions: Set<String>)] = [
        ("series", thresholdConditions.union(["stale"])),
        ("source", ["stale", "fetch_failing"]),
        ("above", thresholdConditions),
        ("below", thresholdConditions),
        ("compare", ["change_pct", "change_abs"]),
        ("after", ["stale"]),
        ("on", ["stale"]),
        ("failures", ["fetch_failing"]),
    ]

    static let alertKeys = ["id", "when", "severity", "summary"] + conditionKeys.map(\.key)

    static func readAlerts(_ tables: [(table: TOMLTable, line: Int)], sourceIDs: Set<String>,
                           _ diagnostics: ConfigDiagnostics) -> [AlertRule] {
        var rules: [AlertRule] = []
        var seen: [String: Int] = [:]
        for (index, found) in tables.enumerated() {
            let section = ConfigSection(table: found.table, line: found.line, context: "[[alert]] #\(index + 1)",
                                        diagnostics: diagnostics)
            if let rule = readAlert(section, sourceIDs: sourceIDs, seen: &seen) { rules.append(rule) }
        }
        return rules
    }

    private static func readAlert(_ section: ConfigSection, sourceIDs: Set<String>, seen: inout [String: Int]) -> AlertRule? {
        var id: String?
        if let given = section.string("id") {
            section.context = "[[alert]] \(given.debugDescription)"
            if checkID(given, in: section, kind: "[[alert]]", seen: &seen) { id = given }
        } else if !section.has("id") {
            section.error(nil, "missing `id`, e.g. id = \"kz-exports-jump\"")
        }
        let severity = section.choice("severity", Severity.allCases.map { ($0.rawValue, $0) }) ?? .warning
        var summary = section.text("summary")
        if let template = summary, let problem = SummaryTemplate.problem(in: template) {
            section.error("summary", problem)
            summary = nil
        }

        let when = section.string("when")
        guard let when, conditions.contains(when) else {
            if let when {
                section.error("when", "\(when.debugDescription) is not a condition; use \(ConfigSection.list(conditions, conjunction: "or"))")
            } else if !section.has("when") {
                section.error(nil, "missing `when`: one of \(ConfigSection.list(conditions, conjunction: "or"))")
            }
            // The other keys depend on `when`; checking them now would only add noise.
            for entry in section.table.entries where alertKeys.contains(entry.key) { section.skip(entry.key) }
            section.rejectUnread(known: alertKeys)
            return nil
        }

        for (key, applicable) in conditionKeys where section.has(key) && !applicable.contains(when) {
            section.skip(key)
            let names = conditions.filter(applicable.contains)
            section.error(key, "`\(key)` applies only to \(ConfigSection.list(names)), not to \(when)")
        }
        let target = readTarget(section, when: when, sourceIDs: sourceIDs)
        let condition = readCondition(section, when: when)
        section.rejectUnread(known: alertKeys)

        guard let id, let target, let condition else { return nil }
        return AlertRule(id: id, target: target, condition: condition, severity: severity, summary: summary,
                         line: section.line)
    }

    private static func readTarget(_ section: ConfigSection, when: String, sourceIDs: Set<String>) -> AlertTarget? {
        let takesSeries = when != "fetch_failing"
        let takesSource = when == "stale" || when == "fetch_failing"
        let series = takesSeries ? section.text("series") : nil
        let source = takesSource ? section.text("source") : nil
        if takesSeries && takesSource && section.has("series") && section.has("source") {
            section.error("source", "give either `series` or `source`, not both")
            return nil
        }
        if !(takesSeries && section.has("series")) && !(takesSource && section.has("source")) {
            let needed = takesSeries && takesSource ? "`series` (a glob over series keys) or `source`"
                : takesSeries ? "`series` (a glob over series keys, e.g. \"cn-kz.exports.*\")" : "`source` (a source id or glob)"
            section.error(nil, "\(when) needs \(needed)")
            return nil
        }
        if let series {
            do {
                _ = try Glob(series)
                return .series(glob: series)
            } catch {
                section.error("series", error.message)
                return nil
            }
        }
        if let source {
            if Glob.isPattern(source) {
                do {
                    _ = try Glob(source)
                    return .source(glob: source)
                } catch {
                    section.error("source", error.message)
                    return nil
                }
            }
            guard sourceIDs.contains(source) else {
                var message = "no [[source]] has the id \(source.debugDescription)"
                if let close = KeySuggestion.closest(to: source, among: sourceIDs.sorted()) {
                    message += "; did you mean \(close.debugDescription)?"
                }
                section.error("source", message)
                return nil
            }
            return .source(glob: source)
        }
        return nil
    }

    private static func readCondition(_ section: ConfigSection, when: String) -> AlertCondition? {
        switch when {
        case "stale":
            let on = section.choice("on", StaleBasis.allCases.map { ($0.rawValue, $0) }) ?? .period
            guard section.has("after") else {
                section.error(nil, "stale needs `after`, e.g. after = \"400d\"")
                return nil
            }
            return section.duration("after").map { .stale(after: $0, on: on) }
        case "fetch_failing":
            guard let failures = section.integer("failures") else {
                return section.has("failures") ? nil : .fetchFailing(failures: 3)
            }
            guard failures >= 1 else {
                section.error("failures", "must be at least 1, not \(failures)")
                return nil
            }
            return .fetchFailing(failures: failures)
        default:
            break
        }
        let above = section.number("above")
        let below = section.number("below")
        let takesCompare = when == "change_pct" || when == "change_abs"
        let compare = (takesCompare ? section.choice("compare", Comparison.allCases.map { ($0.rawValue, $0) }) : nil) ?? .previous
        if !section.has("above") && !section.has("below") {
            section.error(nil, "\(when) needs `above` or `below` (or both)")
            return nil
        }
        if (section.has("above") && above == nil) || (section.has("below") && below == nil) { return nil }
        switch when {
        case "change_pct": return .changePct(above: above, below: below, compare: compare)
        case "change_abs": return .changeAbs(above: above, below: below, compare: compare)
        case "level":
            if let above, let below, above <= below {
                section.error("above", "must be greater than `below` (\(SummaryTemplate.NumberFormat.shortest(above)) ≤ \(SummaryTemplate.NumberFormat.shortest(below))); a level alert fires outside the band")
                return nil
            }
            return .level(above: above, below: below)
        case "revision_pct": return .revisionPct(above: above, below: below)
        default: return .revisionAbs(above: above, below: below)
        }
    }
}
