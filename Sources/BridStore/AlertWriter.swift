import BridCore
import Foundation

/// Fires and resolves alerts, and writes their outbox rows, inside a write transaction the
/// caller owns: an alert transition commits with the release (or source state) that caused
/// it, or not at all.
///
/// Backend-neutral: generic over the connection (`SQLDatabase`), so the SQLite and the
/// PostgreSQL store judge every rule with this code.
struct AlertWriter<DB: SQLDatabase> {
    /// The transaction's connection, its statements prepared once.
    let db: StatementCache<DB>
    let policy: AlertPolicy
    let now: Date
    private(set) var transitions: [AlertTransition] = []
    /// Rules evaluated, for `brictl rules`.
    private(set) var evaluatedRules: Set<String> = []
    /// While one series is evaluated: the keys of its firing alerts, so that a condition
    /// that does not hold costs no query when nothing fires for it.
    private var firingKeys: Set<String>?
    /// The firing alerts' keys by series, read once per transaction (on the first series
    /// evaluated) and kept current as alerts fire and resolve in it.
    private var firingBySeries: [String: Set<String>]?

    init(db: DB, policy: AlertPolicy, now: Date) {
        self.db = StatementCache(db)
        self.policy = policy
        self.now = now
    }

    // MARK: - Evaluations

    /// Rules on the observations a release touched: each touched period, the periods whose
    /// comparison base it is, and each touched series' level and staleness. A series' first
    /// release is its history, not news: of it only the newest period is judged, so adding
    /// a source with sixty years of data does not page for every jump in them.
    ///
    /// Only what the rules need is read: the judged periods, their neighbours that change
    /// rules compare with, and the newest valued period for `level` — a few index seeks
    /// per series, not its history.
    mutating func evaluate(touched: [TouchedSeries], release: Int64) throws {
        // Without series rules an ingest costs nothing more (the benchmarks have none).
        guard policy.hasSeriesRules else { return }
        for series in touched {
            guard let key = try series.key ?? db.prepare("SELECT key FROM series WHERE id = ?").bind(.integer(series.id)).firstRow({ $0.text(0) }) ?? nil
            else { continue }
            let rules = policy.seriesRules(for: key)
            if rules.isEmpty { continue }
            let history: SeriesHistory
            let judged: Set<String>
            if series.firstRelease, let incoming = series.incoming {
                history = SeriesHistory.firstRelease(incoming, id: series.id, source: series.source, release: release) { latest in
                    Self.neighbours(of: Set([latest].compactMap { $0 }), for: rules, frequency: incoming.frequency)
                }
                judged = Set([history.latestValuedPeriod].compactMap { $0 })
            } else {
                let needsLevel = rules.contains { if case .level = $0.condition { true } else { false } }
                let described = series.incoming.map { (key: $0.key, frequency: $0.frequency, source: series.source) }
                guard var loaded = try SeriesHistory.load(id: series.id, described: described,
                                                          latestValued: needsLevel, newest: series.newest, release: release, in: db) else { continue }
                judged = series.periods
                try loaded.ensure(Self.neighbours(of: judged, for: rules, frequency: loaded.frequency), in: db)
                history = loaded
            }
            if firingBySeries == nil {
                var all: [String: Set<String>] = [:]
                for (series, key) in try db.prepare("SELECT series, dedup_key FROM alerts WHERE state = 'firing' AND series IS NOT NULL")
                    .rows({ ($0.text(0) ?? "", $0.text(1) ?? "") }) {
                    all[series, default: []].insert(key)
                }
                firingBySeries = all
            }
            firingKeys = firingBySeries?[key] ?? []
            defer { firingKeys = nil }
            for rule in rules {
                try evaluate(rule, history, periods: judged)
            }
        }
    }

    /// The periods change rules compare the judged ones with: each one's base, and the
    /// period whose base it is.
    private static func neighbours(of judged: Set<String>, for rules: [AlertRule], frequency: Frequency) -> Set<String> {
        var result = judged
        for rule in rules {
            switch rule.condition {
            case .changePct(_, _, .previous), .changeAbs(_, _, .previous):
                for period in judged {
                    if let p = Period.offset(period, by: -1, frequency: frequency) { result.insert(p) }
                    if let p = Period.offset(period, by: 1, frequency: frequency) { result.insert(p) }
                }
            case .changePct(_, _, .yearAgo), .changeAbs(_, _, .yearAgo):
                for period in judged {
                    if let p = Period.yearAgo(period, frequency: frequency) { result.insert(p) }
                    if let p = Period.yearLater(period, frequency: frequency) { result.insert(p) }
                }
            default:
                continue
            }
        }
        return result
    }

    private mutating func evaluate(_ rule: AlertRule, _ history: SeriesHistory, periods: Set<String>) throws {
        evaluatedRules.insert(rule.id)
        switch rule.condition {
        case let .changePct(_, _, compare), let .changeAbs(_, _, compare):
            var candidates = periods
            for period in periods {
                let next = compare == .previous ? Period.offset(period, by: 1, frequency: history.frequency)
                    : Period.yearLater(period, frequency: history.frequency)
                if let next, history.observations[next] != nil { candidates.insert(next) }
            }
            for period in candidates.sorted() {
                try settle(rule, period: period, of: history) { RuleJudge.change(rule, history, period: period, detailed: $0) }
            }
        case .level:
            // No value at all (nil): nothing to judge, the alert stays as it is.
            try settle(rule, period: nil, of: history) { RuleJudge.level(rule, history, detailed: $0) }
        case .revisionPct, .revisionAbs:
            for period in periods.sorted() {
                try settle(rule, period: period, of: history) { RuleJudge.revision(rule, history, period: period, detailed: $0) }
            }
        case .stale:
            try settle(rule, key: AlertSQL.key(rule, series: history.key),
                       try Self.judgeStale(rule, seriesID: history.id, frequency: history.frequency, in: db, now: now),
                       series: history.key, source: history.source)
        case .fetchFailing:
            break
        }
    }

    /// `stale` and `fetch_failing` for every target: what the timer runs.
    mutating func evaluateTimed() throws {
        // Every series, read once for all stale series rules (and only if there is one).
        var allSeries: [(id: Int64, key: String, source: String?, frequency: Frequency)]?
        for rule in policy.rules {
            if case .series = rule.target, case .stale = rule.condition { evaluatedRules.insert(rule.id) }
            switch (rule.condition, rule.target) {
            case (.stale, .series):
                if allSeries == nil {
                    allSeries = try db.prepare("SELECT id, key, source_id, frequency FROM series ORDER BY key")
                        .rows { ($0.int(0), $0.text(1) ?? "", $0.text(2), Frequency(rawValue: $0.text(3) ?? "") ?? .annual) }
                }
                for (id, key, source, frequency) in allSeries ?? [] where policy.targets(rule, series: key, source: nil) {
                    try settle(rule, key: AlertSQL.key(rule, series: key),
                               try Self.judgeStale(rule, seriesID: id, frequency: frequency, in: db, now: now), series: key, source: source)
                }
            case (.stale, .source), (.fetchFailing, _):
                for source in policy.sources.sorted() where policy.targets(rule, series: nil, source: source) {
                    try evaluateSource(rule, source)
                }
            default:
                continue
            }
        }
    }

    /// `fetch_failing` (and source `stale`) for one source, after its state changed.
    mutating func evaluateSource(_ source: String) throws {
        for rule in policy.rules where policy.targets(rule, series: nil, source: source) {
            try evaluateSource(rule, source)
        }
    }

    private mutating func evaluateSource(_ rule: AlertRule, _ source: String) throws {
        evaluatedRules.insert(rule.id)
        guard let verdict = try Self.judgeSource(rule, source, in: db, now: now) else { return }
        try settle(rule, key: AlertSQL.key(rule, source: source), verdict, series: nil, source: source)
    }

    /// A source rule's verdict on one source; nil when the source never ran.
    static func judgeSource(_ rule: AlertRule, _ source: String, in db: StatementCache<DB>, now: Date) throws -> Verdict? {
        guard let (failures, error, created) = try db.prepare("SELECT consecutive_failures, last_error, created_at FROM sources WHERE id = ?")
            .bind(.text(source)).firstRow({ (Int($0.int(0)), $0.text(1), Date(milliseconds: $0.int(2))) }) else { return nil }
        switch rule.condition {
        case let .fetchFailing(threshold):
            var verdict = Verdict(met: failures >= threshold, value: String(failures))
            verdict.fields["failures"] = String(failures)
            verdict.fields["reason"] = error ?? "unknown error"
            verdict.reason = failures == 0 ? "a check succeeded" : "\(failures) failures in a row, fewer than \(threshold)"
            return verdict
        case let .stale(_, on):
            var basis = created
            var latestPeriod: String?
            if on == .release {
                if let last = try db.prepare("SELECT max(ingested_at) FROM releases WHERE source_id = ?").bind(.text(source))
                    .firstRow({ $0.optionalInt(0) }) ?? nil {
                    basis = Date(milliseconds: last)
                }
            } else {
                let owned = try db.prepare("SELECT id, frequency FROM series WHERE source_id = ?").bind(.text(source))
                    .rows { ($0.int(0), Frequency(rawValue: $0.text(1) ?? "") ?? .annual) }
                var newest: Date?
                for (id, frequency) in owned {
                    guard let period = try newestValuedPeriod(of: id, in: db),
                          let end = Period.end(of: period, frequency: frequency) else { continue }
                    if newest.map({ end > $0 }) ?? true {
                        newest = end
                        latestPeriod = period
                    }
                }
                if let newest { basis = newest }
            }
            return RuleJudge.stale(rule, basis: basis, latestPeriod: latestPeriod, now: now)
        default:
            return nil
        }
    }

    /// A stale rule's verdict on one series: the end of its newest period with a value, or
    /// its last change. Two indexed queries, no history: the timer runs it for every series.
    static func judgeStale(_ rule: AlertRule, seriesID: Int64, frequency: Frequency, in db: StatementCache<DB>, now: Date) throws -> Verdict {
        guard case let .stale(_, on) = rule.condition else { return Verdict(met: false) }
        let newest = try newestValuedPeriod(of: seriesID, in: db)
        let basis: Date?
        if on == .release {
            // Release ids rise with ingest times: the newest release that wrote the series.
            basis = try db.prepare("""
                SELECT r.ingested_at FROM releases r
                WHERE r.id = (SELECT max(release_id) FROM observation_versions WHERE series_id = ?)
                """).bind(.integer(seriesID)).firstRow { Date(milliseconds: $0.int(0)) }
        } else {
            basis = newest.flatMap { Period.end(of: $0, frequency: frequency) }
        }
        return RuleJudge.stale(rule, basis: basis, latestPeriod: newest, now: now)
    }

    /// The newest period whose current version has a value (the index walked backwards).
    static func newestValuedPeriod(of seriesID: Int64, in db: StatementCache<DB>) throws -> String? {
        try db.prepare("""
            SELECT v.period FROM observation_versions v
            WHERE v.series_id = ?1 AND v.value IS NOT NULL
              AND v.release_id = (SELECT max(w.release_id) FROM observation_versions w WHERE w.series_id = ?1 AND w.period = v.period)
            ORDER BY v.period DESC LIMIT 1
            """).bind(.integer(seriesID)).firstRow { $0.text(0) } ?? nil
    }

    /// Resolves the firing alerts whose rule is gone, has another `when`, or no longer
    /// targets their series or source.
    mutating func resolveOrphans() throws {
        for alert in try firingAlerts() {
            guard let rule = policy.rule(id: alert.rule) else {
                try resolve(alert, reason: "rule \(alert.rule) was removed from the configuration")
                continue
            }
            if rule.condition.name != alert.when {
                try resolve(alert, reason: "rule \(alert.rule) is now a \(rule.condition.name) rule")
            } else if !policy.targets(rule, series: alert.series, source: alert.series == nil ? alert.source : nil) {
                try resolve(alert, reason: "rule \(alert.rule) no longer watches \(alert.series ?? alert.source ?? "it")")
            }
        }
    }

    // MARK: - Transitions

    /// `settle` for a series rule, judged first without the details (summary fields, the
    /// resolve reason) and without the alert's key: most verdicts neither fire nor resolve
    /// anything, and for them neither is needed. `judge` returns nil when there is nothing
    /// to judge; its verdict's `met` and `undecided` do not depend on `detailed`.
    private mutating func settle(_ rule: AlertRule, period: String?, of history: SeriesHistory,
                                 judge: (_ detailed: Bool) -> Verdict?) throws {
        guard let quick = judge(false), !quick.undecided else { return }
        var key: String?
        if !quick.met, let firingKeys {
            // Not met, and nothing fires for the series (mostly): nothing to resolve.
            if firingKeys.isEmpty { return }
            let candidate = AlertSQL.key(rule, series: history.key, period: period)
            if !firingKeys.contains(candidate) { return }
            key = candidate
        }
        guard let verdict = judge(true) else { return }
        try settle(rule, key: key ?? AlertSQL.key(rule, series: history.key, period: period), verdict,
                   series: history.key, source: history.source)
    }

    /// Fires when the condition holds and nothing is firing for the key; resolves when it
    /// no longer holds and something is.
    private mutating func settle(_ rule: AlertRule, key: String, _ verdict: Verdict, series: String?, source: String?) throws {
        if verdict.undecided { return }
        if !verdict.met, let firingKeys, !firingKeys.contains(key) { return }
        let existing = try firing(key: key)
        if verdict.met, existing == nil {
            try fire(rule, key: key, verdict, series: series, source: source)
        } else if !verdict.met, let existing {
            try resolve(existing, reason: verdict.reason)
        }
    }

    private mutating func fire(_ rule: AlertRule, key: String, _ verdict: Verdict, series: String?, source: String?) throws {
        let summary = RuleJudge.fill(rule, verdict, series: series, source: source)
        let id = try db.prepare("""
            INSERT INTO alerts (dedup_key, rule, rule_when, severity, series, source, period, state, value, previous_value,
                                summary, release_id, fired_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?, ?, ?) RETURNING id
            """).bind(.text(key), .text(rule.id), .text(rule.condition.name), .text(rule.severity.rawValue), .optional(series),
                      .optional(source), .optional(verdict.period), .optional(verdict.value), .optional(verdict.previousValue),
                      .text(summary), .optional(verdict.releaseID), .integer(now.millisecondsSince1970)).firstRow { $0.int(0) } ?? 0
        firingKeys?.insert(key)
        if let series { firingBySeries?[series, default: []].insert(key) }
        // The fired_at stored is the millisecond of `now`, as a read-back would give it.
        let alert = StoredAlert(id: id, rule: rule.id, when: rule.condition.name, severity: rule.severity,
                                series: series, source: source, period: verdict.period, state: .firing, value: verdict.value,
                                previousValue: verdict.previousValue, summary: summary, releaseID: verdict.releaseID,
                                firedAt: Date(milliseconds: now.millisecondsSince1970), resolvedAt: nil, resolveReason: nil,
                                ackedAt: nil, ackComment: nil)
        try record(.firing, alert)
    }

    mutating func resolve(_ alert: StoredAlert, reason: String) throws {
        try db.prepare("UPDATE alerts SET state = 'resolved', resolved_at = ?, resolve_reason = ? WHERE id = ?")
            .bind(.integer(now.millisecondsSince1970), .text(reason), .integer(alert.id)).run()
        guard let resolved = try Self.alert(id: alert.id, in: db) else { return }
        try record(.resolved, resolved)
    }

    /// Acknowledges a firing alert: nil when there is no such alert; `changed` is false when
    /// it was acked already. Throws when the alert is resolved.
    mutating func ack(alert id: Int64, comment: String?) throws -> (alert: StoredAlert, changed: Bool)? {
        guard let alert = try Self.alert(id: id, in: db) else { return nil }
        guard alert.state == .firing else {
            throw AlertStateError("alert \(id) is resolved (\(alert.resolveReason ?? "condition gone")); only firing alerts are acked")
        }
        let changed = try ack(alert, comment: comment)
        return (try Self.alert(id: id, in: db) ?? alert, changed)
    }

    /// Marks a firing alert acked; false when it already was.
    mutating func ack(_ alert: StoredAlert, comment: String?) throws -> Bool {
        guard alert.ackedAt == nil else { return false }
        try db.prepare("UPDATE alerts SET acked_at = ?, ack_comment = ? WHERE id = ?")
            .bind(.integer(now.millisecondsSince1970), .optional(comment), .integer(alert.id)).run()
        guard let acked = try Self.alert(id: alert.id, in: db) else { return false }
        try record(.acked, acked)
        return true
    }

    /// The outbox row, and one delivery row per notifier that wants it.
    private mutating func record(_ event: AlertEvent, _ alert: StoredAlert) throws {
        let notification = AlertNotification(event: event, at: now, alert: alert.notificationBody)
        let outboxID = try db.prepare("INSERT INTO outbox (alert_id, event, created_at, payload) VALUES (?, ?, ?, ?) RETURNING id")
            .bind(.integer(alert.id), .text(event.rawValue), .integer(now.millisecondsSince1970),
                  .text(String(decoding: notification.encoded(), as: UTF8.self))).firstRow { $0.int(0) } ?? 0
        let insert = try db.prepare("INSERT INTO deliveries (outbox_id, notifier, next_attempt_at) VALUES (?, ?, ?)")
        for notifier in policy.notifiers where policy.wants(notifier, rule: alert.rule, severity: alert.severity, event: event) {
            try insert.bind(.integer(outboxID), .text(notifier.id), .integer(now.millisecondsSince1970)).run()
        }
        transitions.append(AlertTransition(event: event, alert: alert))
    }

    // MARK: - Reading alerts

    private func firing(key: String) throws -> StoredAlert? {
        try Self.firing(key: key, in: db)
    }

    static func firing(key: String, in db: StatementCache<DB>) throws -> StoredAlert? {
        try db.prepare("\(AlertSQL.columns) WHERE dedup_key = ? AND state = 'firing'").bind(.text(key)).firstRow { AlertSQL.row($0) }
    }

    private func firingAlerts() throws -> [StoredAlert] {
        try db.prepare("\(AlertSQL.columns) WHERE state = 'firing' ORDER BY id").rows { AlertSQL.row($0) }
    }

    static func alert(id: Int64, in db: StatementCache<DB>) throws -> StoredAlert? {
        try db.prepare("\(AlertSQL.columns) WHERE id = ?").bind(.integer(id)).firstRow { AlertSQL.row($0) }
    }
}

/// The alerts' columns, row reader and keys, shared by every backend's queries.
enum AlertSQL {
    static let columns = """
        SELECT id, rule, rule_when, severity, series, source, period, state, value, previous_value, summary, release_id,
               fired_at, resolved_at, resolve_reason, acked_at, ack_comment FROM alerts
        """

    static func row(_ s: some SQLStatement) -> StoredAlert {
        StoredAlert(id: s.int(0), rule: s.text(1) ?? "", when: s.text(2) ?? "", severity: Severity(rawValue: s.text(3) ?? "") ?? .warning,
                    series: s.text(4), source: s.text(5), period: s.text(6), state: StoredAlert.State(rawValue: s.text(7) ?? "") ?? .firing,
                    value: s.text(8), previousValue: s.text(9), summary: s.text(10) ?? "", releaseID: s.optionalInt(11),
                    firedAt: Date(milliseconds: s.int(12)), resolvedAt: s.optionalInt(13).map(Date.init(milliseconds:)),
                    resolveReason: s.text(14), ackedAt: s.optionalInt(15).map(Date.init(milliseconds:)), ackComment: s.text(16))
    }

    // MARK: - Keys

    static func key(_ rule: AlertRule, series: String, period: String? = nil) -> String {
        "\(rule.id)\u{1F}series\u{1F}\(series)" + (period.map { "\u{1F}\($0)" } ?? "")
    }

    static func key(_ rule: AlertRule, source: String) -> String {
        "\(rule.id)\u{1F}source\u{1F}\(source)"
    }
}
