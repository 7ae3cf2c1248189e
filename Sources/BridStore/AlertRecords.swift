import BridCore
import Foundation

/// The rules and notifiers the store evaluates and writes the outbox for; swapped on reload.
public struct AlertPolicy: Sendable {
    public let rules: [AlertRule]
    public let notifiers: [NotifierConfig]
    /// Configured source ids: source rules watch only these.
    public let sources: Set<String>
    private let globs: [String: Glob]
    private let notifierRuleGlobs: [String: Glob]
    /// The series rules in order, each with the index of its pattern among the distinct
    /// ones (rules often share one: a key is matched once per pattern, not per rule).
    private let seriesRuleGlobs: [(rule: AlertRule, pattern: Int)]
    private let seriesPatterns: [Glob?]
    private let allSeriesRules: [AlertRule]

    public init(rules: [AlertRule], notifiers: [NotifierConfig], sources: Set<String>) {
        self.rules = rules
        self.notifiers = notifiers
        self.sources = sources
        var globs: [String: Glob] = [:]
        for rule in rules {
            switch rule.target {
            case let .series(pattern), let .source(pattern): globs[rule.id] = try? Glob(pattern)
            }
        }
        self.globs = globs
        var patternIndex: [String: Int] = [:]
        var patterns: [Glob?] = []
        var seriesRuleGlobs: [(rule: AlertRule, pattern: Int)] = []
        for rule in rules {
            guard case let .series(pattern) = rule.target else { continue }
            let index = patternIndex[pattern] ?? {
                patterns.append(globs[rule.id])
                patternIndex[pattern] = patterns.count - 1
                return patterns.count - 1
            }()
            seriesRuleGlobs.append((rule, index))
        }
        self.seriesRuleGlobs = seriesRuleGlobs
        seriesPatterns = patterns
        allSeriesRules = seriesRuleGlobs.map(\.rule)
        var notifierRuleGlobs: [String: Glob] = [:]
        for notifier in notifiers {
            if let pattern = notifier.rules { notifierRuleGlobs[notifier.id] = try? Glob(pattern) }
        }
        self.notifierRuleGlobs = notifierRuleGlobs
    }

    public static let none = AlertPolicy(rules: [], notifiers: [], sources: [])

    public init(config: BridConfig) {
        self.init(rules: config.alerts, notifiers: config.notifiers, sources: Set(config.sources.map(\.id)))
    }

    public func rule(id: String) -> AlertRule? { rules.first { $0.id == id } }

    var hasSeriesRules: Bool {
        !allSeriesRules.isEmpty
    }

    /// Series rules whose glob matches the key, in the configuration's order.
    func seriesRules(for key: String) -> [AlertRule] {
        if seriesPatterns.count == 1 {
            return seriesPatterns[0]?.matches(key) == true ? allSeriesRules : []
        }
        let matched = seriesPatterns.map { $0?.matches(key) ?? false }
        return seriesRuleGlobs.compactMap { matched[$0.pattern] ? $0.rule : nil }
    }

    /// Whether the rule's target takes this series key (or source id).
    func targets(_ rule: AlertRule, series: String?, source: String?) -> Bool {
        switch rule.target {
        case .series: series.map { globs[rule.id]?.matches($0) ?? false } ?? false
        case .source: source.map { sources.contains($0) && (globs[rule.id]?.matches($0) ?? false) } ?? false
        }
    }

    /// Whether the notifier wants this transition.
    public func wants(_ notifier: NotifierConfig, rule: String, severity: Severity, event: AlertEvent) -> Bool {
        if event == .acked && !notifier.notifyAcked { return false }
        if let severities = notifier.severities, !severities.contains(severity) { return false }
        if notifier.rules != nil, !(notifierRuleGlobs[notifier.id]?.matches(rule) ?? false) { return false }
        return true
    }
}

/// One alert as stored.
public struct StoredAlert: Sendable, Equatable {
    public enum State: String, Sendable { case firing, resolved }
    public let id: Int64
    public let rule: String
    /// The rule's `when` when it fired.
    public let when: String
    public let severity: Severity
    public let series: String?
    public let source: String?
    public let period: String?
    public let state: State
    public let value: String?
    public let previousValue: String?
    public let summary: String
    public let releaseID: Int64?
    public let firedAt: Date
    public let resolvedAt: Date?
    public let resolveReason: String?
    public let ackedAt: Date?
    public let ackComment: String?

    /// The notification body for this alert as it is now.
    public var notificationBody: AlertNotification.Body {
        AlertNotification.Body(id: id, rule: rule, when: when, severity: severity.rawValue, state: state.rawValue, series: series,
                               source: source, period: period, value: value, previousValue: previousValue, summary: summary,
                               firedAt: firedAt, resolvedAt: resolvedAt, resolveReason: resolveReason, ackedAt: ackedAt,
                               ackComment: ackComment, releaseID: releaseID)
    }
}

/// A change of an alert's state, as written to the outbox.
public struct AlertTransition: Sendable, Equatable {
    public let event: AlertEvent
    public let alert: StoredAlert
}

/// One notification waiting for one notifier.
public struct PendingDelivery: Sendable, Equatable {
    public let outboxID: Int64
    public let notifier: String
    public let notification: AlertNotification
    public let attempts: Int
    public let createdAt: Date
    public let nextAttemptAt: Date
    /// False for a delivery listed only to say when to look again (PostgreSQL: the next
    /// one, claimed by another instance or not due yet): it is never sent from this list,
    /// whatever this instance's clock says, only claimed and sent by a later call.
    public let mayBeSent: Bool

    public init(outboxID: Int64, notifier: String, notification: AlertNotification, attempts: Int, createdAt: Date,
                nextAttemptAt: Date, mayBeSent: Bool = true) {
        self.outboxID = outboxID
        self.notifier = notifier
        self.notification = notification
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.mayBeSent = mayBeSent
    }
}

/// Alerts in numbers, for status.
public struct AlertStatistics: Sendable, Equatable {
    public var firing: [Severity: Int] = [:]
    public var acked = 0
    /// Deliveries not yet made nor given up.
    public var backlog = 0
    /// The same, per notifier (those with none left out).
    public var backlogByNotifier: [String: Int] = [:]
    /// The newest delivery given up on: notifier, time, error.
    public var lastGiveUp: (notifier: String, at: Date, error: String)?

    public static func == (a: AlertStatistics, b: AlertStatistics) -> Bool {
        a.firing == b.firing && a.acked == b.acked && a.backlog == b.backlog && a.backlogByNotifier == b.backlogByNotifier && a.lastGiveUp?.notifier == b.lastGiveUp?.notifier
            && a.lastGiveUp?.at == b.lastGiveUp?.at && a.lastGiveUp?.error == b.lastGiveUp?.error
    }
}

/// What `rules test` found: where the rule would fire on the stored history.
public struct RuleTestResult: Sendable, Equatable {
    public struct Hit: Sendable, Equatable {
        public let series: String?
        public let source: String?
        public let period: String?
        public let value: String?
        public let previousValue: String?
        public let releaseID: Int64?
        public let summary: String
        public let firingNow: Bool
    }
    public let targets: Int
    public let evaluated: Int
    public let hits: [Hit]
}

extension AlertRule {
    /// `stale` and `fetch_failing`: evaluated on the timer too.
    var isTimed: Bool {
        switch condition {
        case .stale, .fetchFailing: true
        default: false
        }
    }
}

/// What a release wrote of one series, for the alert rules.
struct TouchedSeries {
    let id: Int64
    /// Known for series in the payload; nil for one a snapshot removed as a whole.
    let key: String?
    /// The periods the release wrote, which the rules judge; empty for a first release
    /// that comes with its payload (`firstRelease` and `incoming`), judged from the payload
    /// at its newest valued period instead (a million-row first release would otherwise
    /// hash every period it wrote for nothing).
    var periods: Set<String>
    /// The series had no version before this release: its first release is its history,
    /// of which only the newest period is judged.
    var firstRelease = false
    /// The payload's observations of the series (known for series in the payload): a
    /// first release's history, and the series' frequency and source without a query.
    var incoming: SeriesObservations?
    var source: String?
    /// The series' newest valued period after the release, when the comparison found it
    /// (`.some(nil)`: none): spares `level` a query.
    var newest: NewestValue?? = .none
}

/// A series' newest period with a value, that value, and the release that wrote its
/// current version (nil: the release being written).
struct NewestValue {
    let period: String
    let value: String
    let release: Int64?
}
