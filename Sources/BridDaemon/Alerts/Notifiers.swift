import BridCore
import BridFetch
import BridInfo
import BridRuntime
import Foundation
import Logging

/// Why one delivery did not happen; the message is kept for `status` and never holds a
/// header's secret value.
struct DeliveryError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Delivers notifications the four ways a `[[notify]]` can ask for.
struct Notifiers: Sendable {
    let poster: any HTTPPosting
    let logger: Logger
    let environment: [String: String]
    let readFile: @Sendable (String) throws -> String

    /// One transition to one notifier; throws when it must be retried.
    func deliver(_ notification: AlertNotification, to notifier: NotifierConfig, at now: Date) async throws(DeliveryError) {
        switch notifier.kind {
        case .log:
            log(notification)
        case let .exec(command):
            try await run(command, notification, timeout: notifier.timeout)
        case let .webhook(url):
            try await post(notification.encoded(), to: url, notifier)
        case let .alertmanager(url):
            let alert = AlertmanagerAlert(notification.alert, at: now, resend: notifier.resend)
            try await post(AlertmanagerAlert.encode([alert]), to: Self.alertsEndpoint(url), notifier)
        }
    }

    /// Re-posts firing alerts to Alertmanager, as Prometheus does, so it never times them out.
    func repost(_ alerts: [AlertNotification.Body], to notifier: NotifierConfig, at now: Date) async throws(DeliveryError) {
        guard case let .alertmanager(url) = notifier.kind, !alerts.isEmpty else { return }
        let body = AlertmanagerAlert.encode(alerts.map { AlertmanagerAlert($0, at: now, resend: notifier.resend) })
        try await post(body, to: Self.alertsEndpoint(url), notifier)
    }

    static func alertsEndpoint(_ base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api/v2/alerts"
    }

    // MARK: - log

    private func log(_ notification: AlertNotification) {
        let alert = notification.alert
        let level: Logger.Level = switch (notification.event, alert.severity) {
        case (.firing, "critical"): .critical
        case (.firing, "warning"): .warning
        case (.firing, _), (.resolved, _): .notice
        case (.acked, _): .info
        }
        var metadata: Logger.Metadata = ["alert.id": "\(alert.id)", "alert.rule": "\(alert.rule)", "alert.severity": "\(alert.severity)",
                                         "alert.event": "\(notification.event.rawValue)"]
        if let series = alert.series { metadata["series"] = "\(series)" }
        if let source = alert.source { metadata["source.id"] = "\(source)" }
        if let period = alert.period { metadata["period"] = "\(period)" }
        var line = "alert \(alert.id) \(notification.event.rawValue) [\(alert.severity)] \(alert.rule): \(alert.summary)"
        if notification.event == .resolved, let reason = alert.resolveReason { line += " — resolved: \(reason)" }
        if notification.event == .acked, let comment = alert.ackComment { line += " — acked: \(comment)" }
        logger.log(level: level, "\(line)", metadata: metadata)
    }

    // MARK: - exec

    private func run(_ command: [String], _ notification: AlertNotification, timeout: Duration) async throws(DeliveryError) {
        let outcome: CommandOutcome
        do {
            outcome = try await CommandRunner.run(command, stdin: notification.encoded(), environment: Self.variables(notification),
                                                  timeout: timeout)
        } catch {
            throw DeliveryError("\(error)")
        }
        guard outcome.succeeded else {
            let program = command.first ?? ""
            let how = switch outcome.ending {
            case let .exited(code): "exited with status \(code)"
            case let .signalled(signal): "was killed by signal \(signal)"
            case .timedOut: "did not finish within \(ConfigDuration.format(timeout))"
            case .cancelled: "was stopped: brid is shutting down (it is run again after the restart)"
            }
            let output = outcome.output.trimmingWhitespace()
            throw DeliveryError("\(program) \(how)" + (output.isEmpty ? "" : ": \(output.suffix(300))"))
        }
    }

    /// `BRID_ALERT_*`: the alert's fields for scripts that would rather not read JSON.
    static func variables(_ notification: AlertNotification) -> [String: String] {
        let alert = notification.alert
        var variables = [
            "BRID_ALERT_NOTIFICATION_ID": notification.id,
            "BRID_ALERT_EVENT": notification.event.rawValue,
            "BRID_ALERT_ID": String(alert.id),
            "BRID_ALERT_RULE": alert.rule,
            "BRID_ALERT_WHEN": alert.when,
            "BRID_ALERT_SEVERITY": alert.severity,
            "BRID_ALERT_STATE": alert.state,
            "BRID_ALERT_SUMMARY": alert.summary,
            "BRID_ALERT_FIRED_AT": WireTime.format(alert.firedAt),
        ]
        let optional: [(String, String?)] = [
            ("BRID_ALERT_SERIES", alert.series), ("BRID_ALERT_SOURCE", alert.source), ("BRID_ALERT_PERIOD", alert.period),
            ("BRID_ALERT_VALUE", alert.value), ("BRID_ALERT_PREVIOUS_VALUE", alert.previousValue),
            ("BRID_ALERT_RESOLVED_AT", alert.resolvedAt.map(WireTime.format)), ("BRID_ALERT_RESOLVE_REASON", alert.resolveReason),
            ("BRID_ALERT_ACK_COMMENT", alert.ackComment),
        ]
        for (name, value) in optional { if let value { variables[name] = value } }
        return variables
    }

    // MARK: - HTTP

    private func post(_ body: [UInt8], to url: String, _ notifier: NotifierConfig) async throws(DeliveryError) {
        let headers: [(name: String, value: String)]
        do {
            headers = try HeaderResolver.resolve(notifier.headers, environment: environment, readFile: readFile)
        } catch {
            throw DeliveryError("\(error)")
        }
        do {
            _ = try await poster.post(PostRequest(url: url, body: body, headers: headers, timeout: notifier.timeout))
        } catch {
            throw DeliveryError("POST \(url): \(error)")
        }
    }
}

/// One alert in Alertmanager's `POST /api/v2/alerts` body.
struct AlertmanagerAlert: Encodable {
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: String
    var endsAt: String

    /// Firing alerts end 4 × `resend` from now unless re-posted (as Prometheus does), so
    /// Alertmanager resolves them by itself if brid stops; resolved ones end when resolved.
    init(_ alert: AlertNotification.Body, at now: Date, resend: Duration) {
        var labels = ["alertname": alert.rule, "severity": alert.severity]
        if let series = alert.series { labels["series"] = series }
        if let source = alert.source { labels["source"] = source }
        if let period = alert.period { labels["period"] = period }
        self.labels = labels
        var description = "brid alert \(alert.id): rule \(alert.rule) (\(alert.when))"
        if let value = alert.value { description += ", value \(value)" }
        if let previous = alert.previousValue { description += ", compared with \(previous)" }
        if let release = alert.releaseID { description += ", release \(release)" }
        if let reason = alert.resolveReason { description += "; resolved: \(reason)" }
        annotations = ["summary": alert.summary, "description": description]
        if let acked = alert.ackedAt {
            annotations["acked"] = WireTime.format(acked) + (alert.ackComment.map { ": \($0)" } ?? "")
        }
        startsAt = WireTime.format(alert.firedAt)
        if let resolved = alert.resolvedAt {
            endsAt = WireTime.format(resolved)
        } else {
            endsAt = WireTime.format(now.addingTimeInterval(max(resend.seconds, 60) * 4))
        }
    }

    static func encode(_ alerts: [AlertmanagerAlert]) -> [UInt8] {
        Array((try? WireJSON.encoder.encode(alerts)) ?? Data("[]".utf8))
    }
}
