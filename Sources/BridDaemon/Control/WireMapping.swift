import BridCore
import BridProtocol
import BridStore
import Foundation

// The one place where the domain (BridCore, BridStore) meets the wire (BridProtocol): every
// reply of the control API maps its domain values here. BridProtocol depends on neither
// (brictl links it alone), so the wire types are its own.

func wire(_ r: BridCore.Release) -> BridProtocol.Release {
    BridProtocol.Release(id: r.id, source: r.sourceID, ingestedAt: r.ingestedAt, publishedAt: r.publishedAt, origin: r.origin,
                         sha256: r.sha256, added: r.added, revised: r.revised, removed: r.removed, unchanged: r.unchanged)
}

func wire(_ s: BridCore.SeriesSummary) -> BridProtocol.SeriesSummary {
    BridProtocol.SeriesSummary(key: s.key, name: s.name, unit: s.unit, frequency: s.frequency.rawValue, source: s.sourceID,
                               latestPeriod: s.latestPeriod, latestValue: s.latestValue, lastChangedAt: s.lastChangedAt)
}

/// The header of `show`, `history` and `export`: a series without its latest value.
func wireInfo(_ s: BridCore.SeriesSummary) -> SeriesInfo {
    SeriesInfo(key: s.key, name: s.name, unit: s.unit, frequency: s.frequency.rawValue, source: s.sourceID)
}

func wire(_ v: BridCore.ObservationVersion) -> BridProtocol.ObservationVersion {
    BridProtocol.ObservationVersion(releaseID: v.releaseID, source: v.sourceID, value: v.value, status: v.status, removed: v.removed,
                                    validFrom: v.validFrom, validUntil: v.validUntil)
}

func wire(_ c: ObservationChange) -> ReleaseChange {
    ReleaseChange(series: c.series, period: c.period, kind: ReleaseChange.Kind(rawValue: c.kind.rawValue) ?? .added,
                  value: c.value, status: c.status, previousValue: c.previousValue, previousStatus: c.previousStatus)
}

func wire(_ severity: BridCore.Severity) -> BridProtocol.Severity {
    BridProtocol.Severity(rawValue: severity.rawValue) ?? .warning
}

func wire(_ rule: AlertRule, lastEvaluatedAt: Date? = nil, firing: Int = 0) -> Rule {
    let target: String
    switch rule.target {
    case let .series(glob): target = "series \(glob)"
    case let .source(glob): target = "source \(glob)"
    }
    return Rule(id: rule.id, when: rule.condition.name, target: target, severity: wire(rule.severity),
                condition: rule.condition.described, lastEvaluatedAt: lastEvaluatedAt, firing: firing)
}

func wire(_ alert: StoredAlert) -> Alert {
    Alert(id: alert.id, rule: alert.rule, series: alert.series, source: alert.source, period: alert.period,
          severity: wire(alert.severity),
          state: alert.state == .firing ? .firing : .resolved, acked: alert.ackedAt != nil, ackedAt: alert.ackedAt,
          ackComment: alert.ackComment, firedAt: alert.firedAt, resolvedAt: alert.resolvedAt, summary: alert.summary,
          value: alert.value, previousValue: alert.previousValue, resolveReason: alert.resolveReason, when: alert.when)
}

/// What happened to a payload of `source`, as `fetch` and `ingest` reply it: of a check of
/// a URL source, or of a `file` (dropped or sent over the socket).
func wire(_ outcome: PayloadOutcome, source id: String, file: String? = nil) -> FetchOutcome {
    let reason = outcome.unchangedReason ?? ""
    return switch outcome {
    case let .released(release):
        FetchOutcome(source: id, outcome: .released, release: wire(release))
    case .unchangedPayload:
        FetchOutcome(source: id, outcome: .unchanged, message: file.map { "\($0): identical to the last payload" } ?? reason)
    case let .unchangedValues(count):
        FetchOutcome(source: id, outcome: .unchanged,
                     message: file.map { "\($0): all \(count) values equal the stored ones" } ?? reason)
    case .notModified:
        FetchOutcome(source: id, outcome: .unchanged, message: reason)
    case let .rejected(error):
        FetchOutcome(source: id, outcome: .rejected, message: error.description)
    case let .failed(reason), let .cancelled(reason):
        FetchOutcome(source: id, outcome: .failed, message: reason)
    }
}
