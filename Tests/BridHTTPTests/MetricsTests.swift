import BridCore
@testable import BridHTTP
import BridStore
import BridTestSupport
import Foundation
import Synchronization
import Testing

/// `/metrics` over a real SQLite store: what the store knows is read at the scrape; the
/// exposition passes `promtool check metrics`. (The counters of events, recorded by the
/// daemon, are tested in BridDaemonTests' MetricsRecordingTests.)
@Suite("/metrics: Prometheus's text exposition")
struct MetricsTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_489_600)  // 2025-11-30T08:00:00Z
    static let rule = AlertRule(id: "moved", target: .series(glob: "kz.*"), condition: .changeAbs(above: 0, below: nil, compare: .previous),
                                severity: .warning)
    static let notifiers = [NotifierConfig(id: "hook", kind: .webhook(url: "http://127.0.0.1:9/hook")), NotifierConfig(id: "journal", kind: .log)]

    static func config(sources: [String] = ["kz", "never", "dropped"]) -> BridConfig {
        let all = [
            SourceConfig(id: "kz", location: .url("http://publisher.test/kz.csv"), format: "csv", schedule: .every(.seconds(3600))),
            SourceConfig(id: "never", location: .url("http://publisher.test/never.csv"), format: "csv", schedule: .every(.seconds(3600))),
            SourceConfig(id: "dropped", location: .drop("/tmp/drop"), format: "csv", schedule: nil),
        ]
        return BridConfig(path: "/etc/brid/brid.toml", daemon: DaemonConfig(stateDir: "/var/lib/brid"),
                          sources: all.filter { sources.contains($0.id) }, series: [], alerts: [rule], notifiers: notifiers)
    }

    /// A release of `kz` at t0 + 1 min that fires the rule, then two failed checks; `dropped` paused.
    static func prepare(_ store: SQLiteStore) throws {
        try store.setAlertPolicy(AlertPolicy(rules: [rule], notifiers: notifiers, sources: ["kz", "never", "dropped"]), at: t0)
        var builder = PayloadBuilder(origin: "kz.csv") { _ in .annual }
        try builder.add(series: "kz.a", period: "2017", value: "1", ordinal: 2, place: .line(2))
        try builder.add(series: "kz.a", period: "2018", value: "2", ordinal: 3, place: .line(3))
        let outcome = try store.ingest(try builder.finish(), source: "kz", recordRemovals: false, sha256: String(repeating: "a", count: 64),
                                       at: t0.addingTimeInterval(60))
        guard case .released = outcome else { throw ScrapeError("the ingest made no release: \(outcome)") }
        try store.recordFailure(source: "kz", message: "HTTP 503", at: t0.addingTimeInterval(120))
        try store.recordFailure(source: "kz", message: "HTTP 503", at: t0.addingTimeInterval(180))
        try store.setPaused(source: "dropped", true, now: t0.addingTimeInterval(200))
    }

    @Test("the store's values at the scrape: timestamps, failures in a row, paused, firing alerts, backlog, size")
    func storeValues() async throws {
        let listener = try await RunningListener.start(config: Self.config(), prepare: Self.prepare)
        try await listener.stopping {
            let answer = try await HTTPTestClient.get(port: listener.port, "/metrics")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let scrape = PrometheusText(answer.text)
            #expect(scrape.value("brid_store_up") == 1)
            #expect(scrape.value(#"brid_source_last_check_timestamp_seconds{source="kz"}"#) == Self.t0.timeIntervalSince1970 + 180)
            #expect(scrape.value(#"brid_source_last_success_timestamp_seconds{source="kz"}"#) == Self.t0.timeIntervalSince1970 + 60)
            #expect(scrape.value(#"brid_source_consecutive_failures{source="kz"}"#) == 2)
            #expect(scrape.value(#"brid_source_paused{source="kz"}"#) == 0)
            #expect(scrape.value(#"brid_source_paused{source="dropped"}"#) == 1)
            // Never checked: no time to show, no failures.
            #expect(scrape.value(#"brid_source_consecutive_failures{source="never"}"#) == 0)
            #expect(scrape.value(#"brid_source_last_check_timestamp_seconds{source="never"}"#) == nil)
            #expect(scrape.value(#"brid_source_last_success_timestamp_seconds{source="never"}"#) == nil)
            #expect(scrape.value(#"brid_alerts_firing{severity="warning"}"#) == 1)
            #expect(scrape.value(#"brid_alerts_firing{severity="critical"}"#) == 0)
            #expect(scrape.value(#"brid_alerts_firing{severity="info"}"#) == 0)
            #expect(scrape.value(#"brid_outbox_backlog{notifier="hook"}"#) == 1)
            #expect(scrape.value(#"brid_outbox_backlog{notifier="journal"}"#) == 1)
            let sizes = listener.store.storageSizes()
            #expect(scrape.value("brid_store_size_bytes") == Double(sizes.databaseBytes))
            #expect(scrape.value("brid_store_wal_size_bytes") == Double(sizes.walBytes))
            #expect(sizes.databaseBytes > 0)
            // The counters of events start at 0 for every configured source and notifier;
            // a drop source is never checked, so it has no check counters.
            #expect(scrape.value(#"brid_source_releases_total{source="kz"}"#) == 0)
            #expect(scrape.value(#"brid_source_checks_total{source="never"}"#) == 0)
            #expect(scrape.value(#"brid_source_releases_total{source="dropped"}"#) == 0)
            #expect(scrape.value(#"brid_source_checks_total{source="dropped"}"#) == nil)
            #expect(scrape.value(#"brid_notifier_delivery_failures_total{notifier="hook"}"#) == 0)
            #expect(answer.text.contains("# HELP brid_source_consecutive_failures "))
            let head = try await HTTPTestClient.get(port: listener.port, "/metrics", method: "HEAD")
            #expect(head.status == 200 && head.body.isEmpty)
            #expect(head.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(try scrape.promtoolProblems() == nil)
        }
    }

    @Test("the counters of events, histograms included, pass promtool; the values are those recorded")
    func eventValues() async throws {
        let metrics = BridMetrics()
        let listener = try await RunningListener.start(config: Self.config(), metrics: metrics, prepare: Self.prepare)
        try await listener.stopping {
            let release = Release(id: 1, sourceID: "kz", ingestedAt: Self.t0, publishedAt: nil, origin: "kz.csv", sha256: "", added: 3,
                                  revised: 2, removed: 1, unchanged: 0)
            metrics.checked(source: "kz", outcome: .released(release))
            metrics.checked(source: "kz", outcome: .failed("HTTP 503"))
            metrics.fetched(source: "kz", bytes: 1_000, duration: .milliseconds(70))
            metrics.fetched(source: "kz", bytes: 0, duration: .seconds(3))
            metrics.ingested(source: "kz", duration: .milliseconds(2))
            metrics.delivery(notifier: "hook", succeeded: false)
            metrics.delivery(notifier: "hook", succeeded: true)
            let scrape = PrometheusText(try await HTTPTestClient.get(port: listener.port, "/metrics").text)
            #expect(scrape.value(#"brid_source_checks_total{source="kz"}"#) == 2)
            #expect(scrape.value(#"brid_source_check_failures_total{source="kz"}"#) == 1)
            #expect(scrape.value(#"brid_source_releases_total{source="kz"}"#) == 1)
            #expect(scrape.value(#"brid_source_observations_added_total{source="kz"}"#) == 3)
            #expect(scrape.value(#"brid_source_observations_revised_total{source="kz"}"#) == 2)
            #expect(scrape.value(#"brid_source_observations_removed_total{source="kz"}"#) == 1)
            #expect(scrape.value(#"brid_source_fetched_bytes_total{source="kz"}"#) == 1_000)
            #expect(scrape.value(#"brid_source_fetch_duration_seconds_bucket{source="kz",le="0.1"}"#) == 1)
            #expect(scrape.value(#"brid_source_fetch_duration_seconds_bucket{source="kz",le="5.0"}"#) == 2)
            #expect(scrape.value(#"brid_source_fetch_duration_seconds_count{source="kz"}"#) == 2)
            #expect(scrape.value(#"brid_source_fetch_duration_seconds_sum{source="kz"}"#) == 3.07)
            #expect(scrape.value(#"brid_source_ingest_duration_seconds_count{source="kz"}"#) == 1)
            #expect(scrape.value(#"brid_notifier_deliveries_total{notifier="hook"}"#) == 1)
            #expect(scrape.value(#"brid_notifier_delivery_failures_total{notifier="hook"}"#) == 1)
            #expect(try scrape.promtoolProblems() == nil)
        }
    }

    @Test("a source or notifier a reload removed is gone from the store's metrics of the next scrape")
    func reloadRemovesSeries() async throws {
        let current = Mutex(Self.config())
        let listener = try await RunningListener.start(config: nil, configProvider: ConfigProvider { current.withLock { $0 } }, prepare: Self.prepare)
        try await listener.stopping {
            let before = PrometheusText(try await HTTPTestClient.get(port: listener.port, "/metrics").text)
            #expect(before.value(#"brid_source_consecutive_failures{source="never"}"#) == 0)
            current.withLock { $0 = Self.config(sources: ["kz"]) }
            let after = PrometheusText(try await HTTPTestClient.get(port: listener.port, "/metrics").text)
            #expect(after.value(#"brid_source_consecutive_failures{source="never"}"#) == nil)
            #expect(after.value(#"brid_source_consecutive_failures{source="kz"}"#) == 2)
        }
    }

    @Test("without a store to read, brid_store_up is 0 and the counters are still served")
    func storeUnreadable() async throws {
        let listener = try await RunningListener.start(config: Self.config(), prepare: Self.prepare)
        try await listener.stopping {
            try FileManager.default.removeItem(atPath: listener.folder)
            listener.store.close()
            let scrape = PrometheusText(try await HTTPTestClient.get(port: listener.port, "/metrics").text)
            #expect(scrape.value("brid_store_up") == 0)
            #expect(scrape.value(#"brid_source_consecutive_failures{source="kz"}"#) == nil)
            #expect(scrape.value(#"brid_source_releases_total{source="kz"}"#) == 0)
        }
    }
}

struct ScrapeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// README "Metrics" lists every metric brid exposes.
@Suite struct MetricsDocumentationTests {
    @Test func theReadmeListsEveryMetric() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "\n### Metrics\n"))
        let section = text[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex  // the next chapter; its own subsections (####) belong to it
        let metrics = section[..<end]
        for name in MetricName.allCases {
            #expect(metrics.contains("| `\(name.rawValue)` |"), "README \"Metrics\" does not list \(name.rawValue)")
        }
    }
}
