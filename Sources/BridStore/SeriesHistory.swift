import BridCore
import BridInfo
import Foundation

/// Everything alert rules read about one series: the current value of each period and the
/// value first published for it. Loaded in one query, inside the transaction that evaluates,
/// through any backend's connection (`SQLDatabase`).
struct SeriesHistory {
    struct Observation {
        /// Current decimal text; nil for "no value".
        var value: String?
        var releaseID: Int64
        /// The first value published for the period (nil while none had a value).
        var firstValue: String?
        /// How many versions had a value.
        var valuedVersions: Int
    }

    let id: Int64
    let key: String
    let frequency: Frequency
    let source: String?
    /// Periods whose current version is not a removal, in order: all of them after
    /// `load(id:in:)`, only those asked for after `load(id:periods:latestValued:in:)`.
    private(set) var periods: [String] = []
    private(set) var observations: [String: Observation] = [:]
    /// The newest period with a value: what `level` judges and `stale` ages from.
    private(set) var latestValuedPeriod: String?
    /// The periods read so far (a period read and found removed or absent is not in
    /// `observations`).
    private var read: Set<String> = []

    /// The whole history of a series (for `rules test`, which judges every period).
    static func load<DB: SQLDatabase>(id: Int64, in db: StatementCache<DB>) throws -> SeriesHistory? {
        guard var history = try describe(id: id, in: db) else { return nil }
        let rows = try db.prepare(ReleaseWriter.versionsSQL)
            .bind(.integer(id)).rows { ($0.text(0) ?? "", $0.text(1), $0.int(2) != 0, $0.int(3)) }
        var removed: Set<String> = []
        for (period, value, isRemoval, release) in rows {
            history.add(period: period, value: value, release: release)
            if isRemoval { removed.insert(period) } else { removed.remove(period) }
        }
        for period in removed { history.observations[period] = nil }
        history.periods = history.observations.keys.sorted()
        history.latestValuedPeriod = history.periods.last { history.number($0) != nil }
        return history
    }

    /// What the rules judging `periods` need and no more: those periods' versions (index
    /// seeks), and with `latestValued` the newest period with a value (read from the end
    /// of the series). An ingest judges a few periods per series, whatever its length.
    /// - Parameter described: the series' key, frequency and source when the caller knows
    ///   them (saves a query).
    /// - Parameter newest: the newest valued period when the caller knows it (the release
    ///   being written is `release`): `latestValued` then needs no query.
    static func load<DB: SQLDatabase>(id: Int64, described: (key: String, frequency: Frequency, source: String?)? = nil,
                     latestValued: Bool, newest: NewestValue?? = .none, release: Int64 = 0, in db: StatementCache<DB>) throws -> SeriesHistory? {
        var known = described.map { SeriesHistory(id: id, key: $0.key, frequency: $0.frequency, source: $0.source) }
        if known == nil { known = try describe(id: id, in: db) }
        guard var history = known else { return nil }
        // Known, and a finite number (what `level` judges): taken as it is.
        if latestValued, case let .some(value) = newest, value.flatMap({ Double($0.value) }).map({ $0.isFinite }) ?? true {
            if let value {
                history.latestValuedPeriod = value.period
                // Not marked read: `ensure` reads the whole period if a rule needs more of it.
                if history.observations[value.period] == nil {
                    history.observations[value.period] = Observation(value: value.value, releaseID: value.release ?? release,
                                                                     firstValue: nil, valuedVersions: 1)
                }
            }
        } else if latestValued {
            let newest = try db.prepare("SELECT period, value, removed FROM observation_versions WHERE series_id = ? ORDER BY period DESC, release_id DESC")
            newest.bind(.integer(id))
            var previous: String?
            while try newest.step() {
                let period = newest.text(0) ?? ""
                if period == previous { continue }
                previous = period
                // The first row of a period is its current version.
                if newest.int(2) == 0, let value = newest.text(1), let number = Double(value), number.isFinite {
                    history.latestValuedPeriod = period
                    break
                }
            }
            newest.reset()
            if let period = history.latestValuedPeriod { try history.ensure([period], in: db) }
        }
        return history
    }

    private static func describe<DB: SQLDatabase>(id: Int64, in db: StatementCache<DB>) throws -> SeriesHistory? {
        guard let (key, frequency, source) = try db.prepare("SELECT key, frequency, source_id FROM series WHERE id = ?")
            .bind(.integer(id)).firstRow({ ($0.text(0) ?? "", Frequency(rawValue: $0.text(1) ?? "") ?? .annual, $0.text(2)) }) else {
            return nil
        }
        return SeriesHistory(id: id, key: key, frequency: frequency, source: source)
    }

    /// Reads the versions of the periods not read yet: one range scan from the first to
    /// the last of them (they are near each other: a judged period and its neighbours).
    mutating func ensure<DB: SQLDatabase>(_ wanted: some Sequence<String>, in db: StatementCache<DB>) throws {
        let missing = Set(wanted).subtracting(read)
        guard let low = missing.min(), let high = missing.max() else { return }
        read.formUnion(missing)
        // A period known only in part (the newest valued one, from the writer) is read whole.
        for period in missing { observations[period] = nil }
        let range = try db.prepare("""
            SELECT period, value, removed, release_id FROM observation_versions
            WHERE series_id = ? AND period BETWEEN ? AND ? ORDER BY period, release_id
            """)
        range.bind(.integer(id), .text(low), .text(high))
        var removed: Set<String> = []
        while try range.step() {
            let period = range.text(0) ?? ""
            guard missing.contains(period) else { continue }
            add(period: period, value: range.text(1), release: range.int(3))
            if range.int(2) != 0 { removed.insert(period) } else { removed.remove(period) }
        }
        range.reset()
        for period in removed { observations[period] = nil }
        periods = observations.keys.sorted()
    }

    /// A series' history when this release is its first: the payload itself (every period
    /// was added by `release`), of which only `wanted` periods and the newest valued one
    /// are taken — no query.
    static func firstRelease(_ incoming: SeriesObservations, id: Int64, source: String?, release: Int64,
                             wanted: (_ latestValued: String?) -> Set<String>) -> SeriesHistory {
        var history = SeriesHistory(id: id, key: incoming.key, frequency: incoming.frequency, source: source)
        let periods = incoming.periods
        history.latestValuedPeriod = periods.indices.reversed().first { i in
            incoming.values[i].flatMap(Double.init).map { $0.isFinite } == true
        }.map { periods[$0] }
        for period in wanted(history.latestValuedPeriod) {
            // Periods are sorted: a binary search.
            var low = 0, high = periods.count
            while low < high {
                let mid = (low + high) / 2
                if periods[mid] < period { low = mid + 1 } else { high = mid }
            }
            if low < periods.count, periods[low] == period {
                history.add(period: period, value: incoming.values[low], release: release)
            }
        }
        history.periods = history.observations.keys.sorted()
        return history
    }

    private mutating func add(period: String, value: String?, release: Int64) {
        var observation = observations[period] ?? Observation(value: nil, releaseID: release, firstValue: nil, valuedVersions: 0)
        observation.value = value
        observation.releaseID = release
        if value != nil {
            observation.valuedVersions += 1
            if observation.firstValue == nil { observation.firstValue = value }
        }
        observations[period] = observation
    }

    func value(_ period: String?) -> String? {
        period.flatMap { observations[$0]?.value }
    }

    /// The value as a number; nil for "no value" and for what a Double cannot hold
    /// (`9e9999`), which no threshold can be judged against.
    func number(_ period: String?) -> Double? {
        value(period).flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }
    }

}

/// What a rule concluded about one place (a series' period, a series, a source).
struct Verdict {
    var met: Bool
    var period: String?
    var value: String?
    var previousValue: String?
    var releaseID: Int64?
    /// Summary fields.
    var fields: [String: String] = [:]
    /// Why the condition does not hold (the resolve reason).
    var reason = ""
    /// Nothing to judge (no value, no base): neither fire nor resolve.
    var undecided = false
}

/// The rules' judgements, shared by evaluation (which fires and resolves) and `rules test`
/// (which only reports).
enum RuleJudge {
    /// A change rule for one period. Without `detailed`, only `met` and `undecided` are
    /// set (what decides whether anything fires or resolves); they are the same either way.
    static func change(_ rule: AlertRule, _ history: SeriesHistory, period: String, detailed: Bool = true) -> Verdict {
        switch rule.condition {
        case let .changePct(above, below, compare):
            change(above: above, below: below, compare: compare, percent: true, history, period, detailed: detailed)
        case let .changeAbs(above, below, compare):
            change(above: above, below: below, compare: compare, percent: false, history, period, detailed: detailed)
        default:
            Verdict(met: false, period: period)
        }
    }

    private static func change(above: Double?, below: Double?, compare: Comparison, percent: Bool,
                               _ history: SeriesHistory, _ period: String, detailed: Bool) -> Verdict {
        let basePeriod = compare == .previous ? Period.offset(period, by: -1, frequency: history.frequency)
            : Period.yearAgo(period, frequency: history.frequency)
        // Without a value, a base, or a percentage of a zero base there is nothing to judge:
        // an alert for the period stays as it is (so a value that goes missing and comes
        // back does not fire the same condition twice).
        let value = history.number(period), base = history.number(basePeriod)
        let measured = value.flatMap { value in base.flatMap { AlertJudgement.change(from: $0, to: value, percent: percent) } }
        guard detailed else {
            guard let measured else { return Verdict(met: false, undecided: true) }
            return Verdict(met: AlertJudgement.beyond(measured, above: above, below: below))
        }
        var verdict = Verdict(met: false, period: period, value: history.value(period), previousValue: history.value(basePeriod),
                              releaseID: history.observations[period]?.releaseID)
        guard let value, let base, let measured else {
            verdict.undecided = true
            return verdict
        }
        verdict.fields["change"] = format(value - base)
        if let pct = AlertJudgement.change(from: base, to: value, percent: true) { verdict.fields["change_pct"] = format(pct) }
        verdict.met = AlertJudgement.beyond(measured, above: above, below: below)
        verdict.fields["threshold"] = thresholdText(measured, above: above, below: below)
        verdict.reason = "change now \(format(measured))\(percent ? " %" : ""), within thresholds"
        return verdict
    }

    /// A level rule on the series' newest period with a value; nil when it has none.
    /// Without `detailed`, only `met` is set.
    static func level(_ rule: AlertRule, _ history: SeriesHistory, period: String? = nil, detailed: Bool = true) -> Verdict? {
        guard case let .level(above, below) = rule.condition, let period = period ?? history.latestValuedPeriod else { return nil }
        guard let value = history.number(period) else { return nil }
        guard detailed else { return Verdict(met: AlertJudgement.beyond(value, above: above, below: below)) }
        var verdict = Verdict(met: AlertJudgement.beyond(value, above: above, below: below), period: period,
                              value: history.value(period), releaseID: history.observations[period]?.releaseID)
        verdict.fields["threshold"] = thresholdText(value, above: above, below: below)
        verdict.reason = "\(period): \(history.value(period) ?? "") is back within thresholds"
        return verdict
    }

    /// A revision rule for one period: its current value against the first published one.
    /// Without `detailed`, only `met` and `undecided` are set.
    static func revision(_ rule: AlertRule, _ history: SeriesHistory, period: String, detailed: Bool = true) -> Verdict {
        let (above, below, percent): (Double?, Double?, Bool)
        switch rule.condition {
        case let .revisionPct(a, b): (above, below, percent) = (a, b, true)
        case let .revisionAbs(a, b): (above, below, percent) = (a, b, false)
        default: return Verdict(met: false, period: period)
        }
        let observation = history.observations[period]
        let measure = revisionMeasure(observation, history.number(period), percent: percent)
        guard detailed else {
            switch measure {
            case .undecided: return Verdict(met: false, undecided: true)
            case .asFirstPublished: return Verdict(met: false)
            case let .measured(measured, _, _): return Verdict(met: AlertJudgement.beyond(measured, above: above, below: below))
            }
        }
        var verdict = Verdict(met: false, period: period, value: observation?.value, previousValue: observation?.firstValue,
                              releaseID: observation?.releaseID)
        switch measure {
        case .undecided:
            verdict.undecided = true
        case .asFirstPublished:
            verdict.reason = "\(period) is as first published"
        case let .measured(measured, value, first):
            verdict.fields["change"] = format(value - first)
            if let pct = AlertJudgement.change(from: first, to: value, percent: true) { verdict.fields["change_pct"] = format(pct) }
            verdict.fields["threshold"] = thresholdText(measured, above: above, below: below)
            verdict.met = AlertJudgement.beyond(measured, above: above, below: below)
            verdict.reason = "revised back to within thresholds of the first published \(observation?.firstValue ?? "")"
        }
        return verdict
    }

    private enum RevisionMeasure {
        /// No value now, or a first value (or change) no number can hold.
        case undecided
        /// Only one version had a value.
        case asFirstPublished
        case measured(Double, value: Double, first: Double)
    }

    private static func revisionMeasure(_ observation: SeriesHistory.Observation?, _ value: Double?, percent: Bool) -> RevisionMeasure {
        guard let observation, let value else { return .undecided }
        guard observation.valuedVersions > 1 else { return .asFirstPublished }
        guard let first = observation.firstValue.flatMap(Double.init), first.isFinite,
              let measured = AlertJudgement.change(from: first, to: value, percent: percent) else { return .undecided }
        return .measured(measured, value: value, first: first)
    }

    /// A stale rule: `basis` is when the newest data began to age.
    static func stale(_ rule: AlertRule, basis: Date?, latestPeriod: String?, now: Date) -> Verdict {
        guard case let .stale(after, _) = rule.condition else { return Verdict(met: false) }
        guard let basis else { return Verdict(met: false, reason: "nothing to age yet") }
        let age = now.timeIntervalSince(basis)
        var verdict = Verdict(met: age > after.seconds, period: latestPeriod, value: nil)
        verdict.fields["last"] = WireTime.format(basis)
        verdict.fields["age_days"] = String(Int(age / 86_400))
        verdict.reason = "new data: last \(WireTime.format(basis))"
        return verdict
    }

    static func fill(_ rule: AlertRule, _ verdict: Verdict, series: String?, source: String?) -> String {
        var fields = verdict.fields
        fields["rule"] = rule.id
        fields["severity"] = rule.severity.rawValue
        fields["series"] = series
        fields["source"] = source
        fields["target"] = series ?? source.map { "source \($0)" }
        fields["period"] = verdict.period
        fields["value"] = verdict.value
        fields["previous"] = verdict.previousValue
        return SummaryTemplate.render(rule.summary ?? rule.condition.defaultSummary, fields)
    }

    static func format(_ x: Double) -> String {
        guard abs(x) < 1e15 else { return String(x) }
        let rounded = (x * 1e6).rounded() / 1e6
        return SummaryTemplate.NumberFormat.shortest(rounded)
    }

    private static func thresholdText(_ measured: Double, above: Double?, below: Double?) -> String {
        if let above, measured > above { return "above \(format(above))" }
        if let below, measured < below { return "below \(format(below))" }
        return [above.map { "above \(format($0))" }, below.map { "below \(format($0))" }].compactMap { $0 }.joined(separator: " / ")
    }
}
