import BridInfo
import Foundation

/// What happened to an alert, as delivered to notifiers.
public enum AlertEvent: String, Sendable, Codable, CaseIterable {
    case firing, resolved, acked
}

/// The JSON every notifier gets for one alert transition (the `exec` notifier's stdin, the
/// `webhook` body). Written once, into the outbox, in the transaction that caused it, and
/// delivered unchanged however often it is retried: receivers deduplicate on `id`.
///
/// ```json
/// {"id":"brid-alert-7-firing","event":"firing","alert":{"id":7,"rule":"kz-exports-jump", …}}
/// ```
public struct AlertNotification: Sendable, Codable, Equatable {
    /// Stable across retries and restarts: `brid-alert-<alert id>-<event>`.
    public var id: String
    public var event: AlertEvent
    /// When the transition happened.
    public var at: Date
    public var alert: Body

    public struct Body: Sendable, Codable, Equatable {
        public var id: Int64
        public var rule: String
        /// The rule's `when`.
        public var when: String
        public var severity: String
        /// `firing` or `resolved`, after the transition.
        public var state: String
        public var series: String?
        public var source: String?
        public var period: String?
        /// The value that met the condition, decimal text as published.
        public var value: String?
        /// What it was compared with.
        public var previousValue: String?
        public var summary: String
        public var firedAt: Date
        public var resolvedAt: Date?
        /// Why it resolved: `value back within thresholds`, `rule removed`, ….
        public var resolveReason: String?
        public var ackedAt: Date?
        public var ackComment: String?
        /// The release that fired it, for rules evaluated at ingest.
        public var releaseID: Int64?

        enum CodingKeys: String, CodingKey {
            case id, rule, when, severity, state, series, source, period, value, summary
            case previousValue = "previous_value", firedAt = "fired_at", resolvedAt = "resolved_at"
            case resolveReason = "resolve_reason", ackedAt = "acked_at", ackComment = "ack_comment", releaseID = "release_id"
        }

        public init(id: Int64, rule: String, when: String, severity: String, state: String, series: String?, source: String?,
                    period: String?, value: String?, previousValue: String?, summary: String, firedAt: Date, resolvedAt: Date?,
                    resolveReason: String?, ackedAt: Date?, ackComment: String?, releaseID: Int64?) {
            self.id = id
            self.rule = rule
            self.when = when
            self.severity = severity
            self.state = state
            self.series = series
            self.source = source
            self.period = period
            self.value = value
            self.previousValue = previousValue
            self.summary = summary
            self.firedAt = firedAt
            self.resolvedAt = resolvedAt
            self.resolveReason = resolveReason
            self.ackedAt = ackedAt
            self.ackComment = ackComment
            self.releaseID = releaseID
        }
    }

    public init(event: AlertEvent, at: Date, alert: Body) {
        id = "brid-alert-\(alert.id)-\(event.rawValue)"
        self.event = event
        self.at = at
        self.alert = alert
    }

    /// Compact JSON, sorted keys, times in ISO-8601 UTC.
    public func encoded() -> [UInt8] {
        // Encoding plain strings, numbers and dates cannot fail.
        Array((try? WireJSON.encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) throws -> AlertNotification {
        try WireJSON.decoder.decode(AlertNotification.self, from: Data(bytes))
    }
}
