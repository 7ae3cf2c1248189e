import BridCore
@testable import BridDaemon
@testable import BridHTTP
import BridRuntime
import BridStore
import BridTestSupport
import Foundation
import Logging
import Testing

/// The counters and histograms of `/metrics` as the daemon records them: real checks
/// (scripted fetcher, manual clock), a real drop scan and real deliveries over a real
/// SQLite store, scraped over HTTP from the daemon's own listener.
@Suite struct MetricsRecordingTests {
    static let csv1 = "series,period,value\nkz.exports,2017,7.2\nkz.exports,2018,8.535\n"
    static let csv2 = "series,period,value\nkz.exports,2017,7.2\nkz.exports,2018,8.6\n"
    static let url = "http://publisher.test/kz.csv"

    static let config = """
        [daemon]
        state_dir = "state"

        [[source]]
        id = "kz"
        url = "\(url)"
        format = "csv"
        every = "1h"

        [[source]]
        id = "dropped"
        drop = "drop/dropped"
        format = "csv"

        [[alert]]
        id = "moved"
        series = "kz.*"
        when = "revision_abs"
        above = 0.0
        severity = "warning"

        [[notify]]
        id = "hook"
        kind = "webhook"
        url = "http://127.0.0.1:9/hook"
        """

    @Test func checksDropsAndDeliveriesAreCountedWhereTheyHappen() async throws {
        let h = try DaemonHarness(config: Self.config)
        let config = try ConfigLoader.load(path: h.configPath).get()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let daemon = try standaloneDaemon(config, clock: h.clock, fetcher: h.fetcher, logger: logger)
        h.daemon = daemon
        // The daemon's listener, as `[http]` starts it: its metrics are recorded from then on.
        let bound = AsyncStream<Int>.makeStream()
        let reads = HTTPReads(store: daemon.store, config: { await daemon.config }, now: { h.clock.now() })
        let app = HTTPListener.application(listen: ListenAddress(host: "127.0.0.1", port: 0), reads: reads, tokens: HTTPTokens(),
                                           metrics: daemon.metrics, logger: logger) { bound.continuation.yield($0.port) }
        let listener = Task { try await app.run() }
        defer { listener.cancel() }
        var port = 0
        for await p in bound.stream { port = p; break }
        func scrape() async throws -> PrometheusText { PrometheusText(try await HTTPTestClient.get(port: port, "/metrics").text) }

        let scheduler = SchedulerService(daemon: daemon, clock: h.clock, notifier: SystemdNotifier(environment: [:]), watchdogInterval: nil)
        let schedulerTask = Task { try await scheduler.run() }
        defer { schedulerTask.cancel() }

        // A release (2 added), a 304, a release revising 1, a 503.
        h.fetcher.serve(Self.url, Self.csv1)
        try await h.settle()
        try await h.advance(by: 3900)
        h.fetcher.serve(Self.url, Self.csv2)
        try await h.advance(by: 3900)
        h.fetcher.fail(Self.url, status: 503)
        try await h.advance(by: 3900)
        #expect(h.fetcher.requestCount(Self.url) == 4)
        var s = try await scrape()
        #expect(s.value(#"brid_source_checks_total{source="kz"}"#) == 4)
        #expect(s.value(#"brid_source_check_failures_total{source="kz"}"#) == 1)
        #expect(s.value(#"brid_source_releases_total{source="kz"}"#) == 2)
        #expect(s.value(#"brid_source_observations_added_total{source="kz"}"#) == 2)
        #expect(s.value(#"brid_source_observations_revised_total{source="kz"}"#) == 1)
        #expect(s.value(#"brid_source_observations_removed_total{source="kz"}"#) == 0)
        #expect(s.value(#"brid_source_fetched_bytes_total{source="kz"}"#) == Double(Self.csv1.utf8.count + Self.csv2.utf8.count))
        #expect(s.value(#"brid_source_fetch_duration_seconds_count{source="kz"}"#) == 4)
        #expect(s.value(#"brid_source_ingest_duration_seconds_count{source="kz"}"#) == 2)
        let state = try #require(try await h.state("kz"))
        #expect(s.value(#"brid_source_consecutive_failures{source="kz"}"#) == 1)
        #expect(s.value(#"brid_source_last_check_timestamp_seconds{source="kz"}"#) == state.lastCheckAt?.timeIntervalSince1970)
        #expect(s.value(#"brid_source_last_success_timestamp_seconds{source="kz"}"#) == state.lastSuccessAt?.timeIntervalSince1970)

        // A dropped file: a release of the drop source, no check.
        guard case let .drop(folder) = try #require(config.source(id: "dropped")).location else { throw Timeout(description: "no drop folder") }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("series,period,value\nkz.imports,2018,1\nkz.imports,2019,2\nkz.imports,2020,3\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/r1.csv"))
        _ = await daemon.drops.scan(folder, settle: false)
        s = try await scrape()
        #expect(s.value(#"brid_source_releases_total{source="dropped"}"#) == 1)
        #expect(s.value(#"brid_source_observations_added_total{source="dropped"}"#) == 3)
        #expect(s.value(#"brid_source_ingest_duration_seconds_count{source="dropped"}"#) == 1)
        #expect(s.value(#"brid_source_checks_total{source="dropped"}"#) == nil)

        // The revision fired the rule. The checks done, the alert service starts (alone on
        // the clock): the notification's first post fails (503), its retry 2 s later goes through.
        schedulerTask.cancel()
        _ = await schedulerTask.result
        let poster = ScriptedPoster(clock: h.clock, failures: 1)
        let notifiers = Notifiers(poster: poster, logger: logger, environment: [:], readFile: { _ in "" })
        let alerts = AlertService(daemon: daemon, delivery: AlertDelivery(daemon: daemon, notifiers: notifiers), clock: h.clock)
        let alertTask = Task { try await alerts.run() }
        defer { alertTask.cancel() }
        try await eventually("the first delivery failed") { poster.requests.count == 1 }
        s = try await scrape()
        #expect(s.value(#"brid_notifier_delivery_failures_total{notifier="hook"}"#) == 1)
        #expect(s.value(#"brid_notifier_deliveries_total{notifier="hook"}"#) == 0)
        #expect(s.value(#"brid_outbox_backlog{notifier="hook"}"#) == 1)
        #expect(s.value(#"brid_alerts_firing{severity="warning"}"#) == 1)
        // Both loops (the rules' timer, the notifier's) asleep on the clock: the retry is due after 2 s.
        try await eventually("the alert service is idle") { h.clock.sleeperCount == 2 }
        h.clock.advance(by: 2)
        try await eventually("the retry is delivered") { try daemon.store.alertStatistics().backlog == 0 }
        s = try await scrape()
        #expect(s.value(#"brid_notifier_deliveries_total{notifier="hook"}"#) == 1)
        #expect(s.value(#"brid_notifier_delivery_failures_total{notifier="hook"}"#) == 1)
        #expect(s.value(#"brid_outbox_backlog{notifier="hook"}"#) == 0)
        #expect(try s.promtoolProblems() == nil)
    }

    @Test func withoutTheListenerNothingIsRecorded() async throws {
        let h = try DaemonHarness(config: Self.config)
        h.fetcher.serve(Self.url, Self.csv1)
        try await h.start()
        try await h.settle()
        #expect(try await h.store.releases().count == 1)
        // Nothing routed `/metrics`: the registry stayed empty (no allocation per source).
        let metrics: BridMetrics = h.daemon.metrics
        #expect(metrics.registry.emitToString().isEmpty)
        await h.stop()
    }
}
