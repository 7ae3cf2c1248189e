/// The arithmetic of alert rules, apart from where the numbers come from.
public enum AlertJudgement {
    /// `value` against `base`: the difference, or the difference in per cent of |base|
    /// (nil when the base is zero: no percentage exists).
    public static func change(from base: Double, to value: Double, percent: Bool) -> Double? {
        guard percent else { return value - base }
        guard base != 0 else { return nil }
        return (value - base) / abs(base) * 100
    }

    /// Strictly above `above` or strictly below `below`.
    public static func beyond(_ x: Double, above: Double?, below: Double?) -> Bool {
        if let above, x > above { return true }
        if let below, x < below { return true }
        return false
    }
}

extension AlertCondition {
    /// The thresholds of the rules that have them.
    public var thresholds: (above: Double?, below: Double?)? {
        switch self {
        case let .changePct(above, below, _), let .changeAbs(above, below, _), let .level(above, below),
             let .revisionPct(above, below), let .revisionAbs(above, below):
            (above, below)
        case .stale, .fetchFailing:
            nil
        }
    }

    /// The condition in words, for `brictl rules`: `above 25 or below -25 % vs the previous period`.
    public var described: String {
        func bounds(_ unit: String) -> String {
            guard let (above, below) = thresholds else { return "" }
            let parts = [above.map { "above \(SummaryTemplate.NumberFormat.shortest($0))\(unit)" },
                         below.map { "below \(SummaryTemplate.NumberFormat.shortest($0))\(unit)" }].compactMap { $0 }
            return parts.joined(separator: " or ")
        }
        switch self {
        case let .changePct(_, _, compare): return "change " + bounds(" %") + " vs " + compare.described
        case let .changeAbs(_, _, compare): return "change " + bounds("") + " vs " + compare.described
        case .level: return "value " + bounds("")
        case .revisionPct: return "revised " + bounds(" %") + " from first published"
        case .revisionAbs: return "revised " + bounds("") + " from first published"
        case let .stale(after, on): return "no new \(on.rawValue) for \(ConfigDuration.format(after))"
        case let .fetchFailing(failures): return "\(failures) or more failed checks in a row"
        }
    }

    /// The summary used when a rule gives none.
    public var defaultSummary: String {
        switch self {
        case let .changePct(_, _, compare): "{series} {period}: {value} ({change_pct:+.1f} % vs \(compare.described) {previous})"
        case let .changeAbs(_, _, compare): "{series} {period}: {value} ({change:+f} vs \(compare.described) {previous})"
        case .level: "{series} {period}: {value} is {threshold}"
        case .revisionPct: "{series} {period} revised to {value} from {previous} ({change_pct:+.2f} %)"
        case .revisionAbs: "{series} {period} revised to {value} from {previous} ({change:+f})"
        case .stale: "{target}: nothing new since {last} ({age_days} days)"
        case .fetchFailing: "source {source} failing, {failures} in a row: {reason}"
        }
    }
}

extension Comparison {
    var described: String {
        switch self {
        case .previous: "previous period"
        case .yearAgo: "a year earlier"
        }
    }
}
