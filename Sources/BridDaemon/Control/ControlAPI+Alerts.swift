import BridCore
import BridProtocol
import BridRuntime
import BridStore
import Foundation

/// `alerts`, `alert.ack`, `rules.test` and the alert counts of `status`.
extension ControlAPI {
    /// An unknown `rule` is not_found rather than an empty list (a typo would read as "all
    /// quiet"); a rule gone from the configuration still lists the alerts it left.
    func alerts(_ request: AlertsRequest) async throws -> AlertsResponse {
        let (store, series) = (self.store, try seriesFilter(request.series))
        let alerts = try await BlockingWork.read { try store.alerts(includeResolved: request.all, rule: request.rule, series: series) }
        if let rule = request.rule, alerts.isEmpty {
            let config = await daemon.config
            if !config.alerts.contains(where: { $0.id == rule }),
               try await BlockingWork.read({ try store.alerts(includeResolved: true, rule: rule, series: nil, limit: 1) }).isEmpty {
                throw ControlError.notFound("no alert rule \(rule) in \(config.path)"
                    + (config.alerts.isEmpty ? "" : " (\(config.alerts.map(\.id).joined(separator: ", ")))"))
            }
        }
        return AlertsResponse(alerts: alerts.map(wire))
    }

    func ack(_ request: AckRequest) async throws -> AckResponse {
        do {
            guard let (alert, changed) = try await daemon.ack(alert: request.id, comment: request.comment) else {
                throw ControlError.notFound("no alert \(request.id); `brictl alerts --all` lists them")
            }
            return AckResponse(alert: wire(alert), changed: changed)
        } catch let error as AlertStateError {
            throw ControlError.failed(error.description)
        }
    }

    /// Tests the rule as the configuration file on disk has it when that file is valid and
    /// differs (so a threshold can be tuned before reloading); else as running.
    func testRule(_ request: RuleTestRequest) async throws -> RuleTestResponse {
        let running = await daemon.config
        var rule = running.alerts.first { $0.id == request.rule }
        var from = "the running configuration"
        let path = running.path
        switch await BlockingWork.readValue({ ConfigLoader.load(path: path) }) {
        case let .success(onDisk):
            if let edited = onDisk.alerts.first(where: { $0.id == request.rule }), edited != rule {
                rule = edited
                from = "\(running.path) (edited, not yet reloaded)"
            }
        case let .failure(failure):
            from += " (\(running.path) does not load now: \(failure.errors.first.map { "\($0)" } ?? "errors")"
                + (failure.errors.count > 1 ? ", and \(failure.errors.count - 1) more" : "") + ")"
        }
        guard let rule else { throw ControlError.notFound("no alert rule \(Excerpt(request.rule)) in \(running.path)") }
        let (store, series, now) = (self.store, try seriesFilter(request.series), daemon.clock.now())
        let result = try await BlockingWork.read { try store.testRule(rule, series: series, at: now) }
        let hits = result.hits.map {
            RuleTestHit(series: $0.series, source: $0.source, period: $0.period, value: $0.value, previousValue: $0.previousValue,
                        releaseID: $0.releaseID, summary: $0.summary, firingNow: $0.firingNow)
        }
        let (evaluatedAt, firing) = try await BlockingWork.read { (store.lastRuleEvaluations()[rule.id], try store.firingCounts()[rule.id] ?? 0) }
        return RuleTestResponse(rule: wire(rule, lastEvaluatedAt: evaluatedAt, firing: firing),
                                targets: result.targets, evaluated: result.evaluated, hits: hits, ruleFrom: from)
    }

    /// `--series`: a key or glob.
    private func seriesFilter(_ pattern: String?) throws -> Glob? {
        guard let pattern else { return nil }
        do {
            return try Glob(pattern)
        } catch {
            throw ControlError.badRequest("--series \(Excerpt(quoted: pattern)): \(error.message)")
        }
    }

    func alertCounts() throws -> AlertCounts {
        let statistics = try store.alertStatistics()
        let firing = SeverityCounts(info: statistics.firing[.info] ?? 0, warning: statistics.firing[.warning] ?? 0,
                                    critical: statistics.firing[.critical] ?? 0)
        let lastError = statistics.lastGiveUp.map { "\($0.notifier) at \(WireTime.format($0.at)): \($0.error)" }
        return AlertCounts(firing: firing, acked: statistics.acked, outboxBacklog: statistics.backlog, lastDeliveryError: lastError)
    }
}
