#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How loud an alert is.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case info, warning, critical

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One alert: a rule's condition met for one series (or source) and period.
public struct Alert: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case firing, resolved }

    public var id: Int64
    public var rule: String
    public var series: String?
    public var source: String?
    public var period: String?
    public var severity: Severity
    public var state: State
    public var acked: Bool
    public var ackedAt: Date?
    public var ackComment: String?
    public var firedAt: Date
    public var resolvedAt: Date?
    /// The rule's summary, filled in: `cn-kz.exports.total 2018: 30.1 (+31.0 % vs 23.0)`.
    public var summary: String
    /// The value that met the condition, and what it was compared with (decimal text).
    public var value: String?
    public var previousValue: String?
    /// Why it resolved.
    public var resolveReason: String?
    /// The rule's `when`.
    public var when: String?

    public init(id: Int64, rule: String, series: String? = nil, source: String? = nil, period: String? = nil,
                severity: Severity, state: State, acked: Bool = false, ackedAt: Date? = nil, ackComment: String? = nil,
                firedAt: Date, resolvedAt: Date? = nil, summary: String, value: String? = nil, previousValue: String? = nil,
                resolveReason: String? = nil, when: String? = nil) {
        self.value = value
        self.previousValue = previousValue
        self.resolveReason = resolveReason
        self.when = when
        self.id = id
        self.rule = rule
        self.series = series
        self.source = source
        self.period = period
        self.severity = severity
        self.state = state
        self.acked = acked
        self.ackedAt = ackedAt
        self.ackComment = ackComment
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.summary = summary
    }
}

/// The answer to `alerts`: newest first.
public struct AlertsResponse: Codable, Sendable, Equatable {
    public var alerts: [Alert]
    public init(alerts: [Alert]) { self.alerts = alerts }
}

/// The answer to `alert.ack`: the alert as it is now.
public struct AckResponse: Codable, Sendable, Equatable {
    public var alert: Alert
    /// False when it was already acked.
    public var changed: Bool

    public init(alert: Alert, changed: Bool) {
        self.alert = alert
        self.changed = changed
    }
}

/// One configured alert rule.
public struct Rule: Codable, Sendable, Equatable {
    public var id: String
    /// `change_pct`, `change_abs`, `level`, `revision_pct`, `revision_abs`, `stale`, `fetch_failing`.
    public var when: String
    /// What it watches: a series glob (`cn-kz.exports.*`) or `source:<id>`.
    public var target: String
    public var severity: Severity
    /// The thresholds in words: `above 25 or below -25, vs previous period`.
    public var condition: String
    public var lastEvaluatedAt: Date?
    /// Its alerts firing now.
    public var firing: Int

    public init(id: String, when: String, target: String, severity: Severity, condition: String,
                lastEvaluatedAt: Date? = nil, firing: Int = 0) {
        self.id = id
        self.when = when
        self.target = target
        self.severity = severity
        self.condition = condition
        self.lastEvaluatedAt = lastEvaluatedAt
        self.firing = firing
    }
}

/// The answer to `rules`, in configuration order.
public struct RulesResponse: Codable, Sendable, Equatable {
    public var rules: [Rule]
    public init(rules: [Rule]) { self.rules = rules }
}

/// One place where a tested rule would fire.
public struct RuleTestHit: Codable, Sendable, Equatable {
    public var series: String?
    public var source: String?
    public var period: String?
    /// The value that met the condition (decimal text).
    public var value: String?
    /// What it was compared with (previous period, year ago, earlier version).
    public var previousValue: String?
    /// The release that set `value`.
    public var releaseID: Int64?
    public var summary: String
    /// An alert for this key is firing now.
    public var firingNow: Bool

    public init(series: String? = nil, source: String? = nil, period: String? = nil, value: String? = nil,
                previousValue: String? = nil, releaseID: Int64? = nil, summary: String, firingNow: Bool = false) {
        self.series = series
        self.source = source
        self.period = period
        self.value = value
        self.previousValue = previousValue
        self.releaseID = releaseID
        self.summary = summary
        self.firingNow = firingNow
    }
}

/// The answer to `rules.test`: what the rule would fire on the stored history, nothing fired.
public struct RuleTestResponse: Codable, Sendable, Equatable {
    public var rule: Rule
    /// Series (or sources) the rule looked at.
    public var targets: Int
    /// Observations it evaluated.
    public var evaluated: Int
    public var hits: [RuleTestHit]
    /// Where the rule came from: the running configuration, or the file on disk when it was
    /// edited since (so a threshold can be tried before reloading).
    public var ruleFrom: String?

    public init(rule: Rule, targets: Int, evaluated: Int, hits: [RuleTestHit], ruleFrom: String? = nil) {
        self.ruleFrom = ruleFrom
        self.rule = rule
        self.targets = targets
        self.evaluated = evaluated
        self.hits = hits
    }
}
