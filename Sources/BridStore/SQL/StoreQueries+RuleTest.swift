import BridCore
import Foundation

extension StoreQueries {
    /// Evaluates one rule against the stored history without firing anything: every
    /// period where a change or revision rule's condition holds, every crossing of a level
    /// rule, and where a stale or fetch_failing rule holds now. `series` narrows the targets;
    /// `policy` gives the configured sources (source rules watch only these). Reads the
    /// whole history of every target: the store runs it on a read connection of its own.
    func testRule(_ rule: AlertRule, series filter: Glob?, at now: Date, limit: Int, policy: AlertPolicy) throws -> RuleTestResult {
        let db = StatementCache(self.db)
        var targets = 0, evaluated = 0
        var hits: [RuleTestResult.Hit] = []
        func hit(_ verdict: Verdict, series: String?, source: String?, key: String) throws {
            guard hits.count < limit else { return }
            hits.append(RuleTestResult.Hit(series: series, source: source, period: verdict.period, value: verdict.value,
                                           previousValue: verdict.previousValue, releaseID: verdict.releaseID,
                                           summary: RuleJudge.fill(rule, verdict, series: series, source: source),
                                           firingNow: try AlertWriter.firing(key: key, in: db) != nil))
        }
        switch rule.target {
        case .series(let pattern):
            let glob = try Glob(pattern)
            let all = try db.prepare("SELECT id, key, source_id FROM series ORDER BY key").rows { ($0.int(0), $0.text(1) ?? "", $0.text(2)) }
            for (id, key, source) in all where glob.matches(key) && (filter?.matches(key) ?? true) {
                guard let history = try SeriesHistory.load(id: id, in: db) else { continue }
                targets += 1
                switch rule.condition {
                case .changePct, .changeAbs, .revisionPct, .revisionAbs:
                    for period in history.periods {
                        evaluated += 1
                        let verdict = switch rule.condition {
                        case .changePct, .changeAbs: RuleJudge.change(rule, history, period: period)
                        default: RuleJudge.revision(rule, history, period: period)
                        }
                        if verdict.met { try hit(verdict, series: key, source: source, key: AlertSQL.key(rule, series: key, period: period)) }
                    }
                case .level:
                    var wasBeyond = false
                    for period in history.periods {
                        guard let verdict = RuleJudge.level(rule, history, period: period) else { continue }
                        evaluated += 1
                        if verdict.met && !wasBeyond { try hit(verdict, series: key, source: source, key: AlertSQL.key(rule, series: key)) }
                        wasBeyond = verdict.met
                    }
                case .stale:
                    evaluated += 1
                    let verdict = try AlertWriter.judgeStale(rule, seriesID: history.id, frequency: history.frequency, in: db, now: now)
                    if verdict.met { try hit(verdict, series: key, source: source, key: AlertSQL.key(rule, series: key)) }
                case .fetchFailing:
                    break
                }
            }
        case .source(let pattern):
            // The rule's own glob: it may be new or edited on disk, unknown to the running policy.
            let glob = try Glob(pattern)
            for source in policy.sources.sorted() where glob.matches(source) && (filter?.matches(source) ?? true) {
                targets += 1
                guard let verdict = try AlertWriter.judgeSource(rule, source, in: db, now: now) else { continue }
                evaluated += 1
                if verdict.met { try hit(verdict, series: nil, source: source, key: AlertSQL.key(rule, source: source)) }
            }
        }
        return RuleTestResult(targets: targets, evaluated: evaluated, hits: hits)
    }
}
