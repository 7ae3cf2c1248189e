import BridCore
import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The daemon's metrics (swift-metrics, exposed by swift-prometheus at `/metrics`): one per
/// daemon, never the process-wide `MetricsSystem`, so several daemons in one test process
/// keep their own counts.
///
/// These are the events brid counts as they happen (checks, fetches, ingests, releases,
/// deliveries); what the store knows (timestamps, failures in a row, firing alerts, the
/// outbox, the store's size) is read from it at each scrape (`MetricsRoutes`). Until
/// `/metrics` is routed nothing is recorded: without `[http]` a recording is one atomic
/// load, and the registry stays empty.
public final class BridMetrics: Sendable {
    /// The events' registry, for the daemon's lifetime.
    let registry = PrometheusCollectorRegistry()
    let factory: DescribedMetricsFactory
    private let served = Atomic<Bool>(false)

    public init() {
        factory = DescribedMetricsFactory(registry: registry)
    }

    /// Recording starts: called when `/metrics` is routed.
    func serve() { served.store(true, ordering: .relaxed) }

    var isServed: Bool { served.load(ordering: .relaxed) }

    // MARK: - Events

    /// A URL source was checked (a fetch whose outcome the store recorded; not one cut short by a stop).
    public func checked(source: String, outcome: PayloadOutcome) {
        guard isServed else { return }
        counter(.sourceChecks, source: source).increment()
        if !outcome.succeeded { counter(.sourceCheckFailures, source: source).increment() }
        received(source: source, outcome: outcome)
    }

    /// A payload was taken in (a check's, a dropped file's, one sent over the control socket).
    public func received(source: String, outcome: PayloadOutcome) {
        guard isServed, case let .released(release) = outcome else { return }
        counter(.sourceReleases, source: source).increment()
        counter(.sourceObservationsAdded, source: source).increment(by: Int64(release.added))
        counter(.sourceObservationsRevised, source: source).increment(by: Int64(release.revised))
        counter(.sourceObservationsRemoved, source: source).increment(by: Int64(release.removed))
    }

    /// A fetch ended (every page of it): how long it took and the bytes received.
    public func fetched(source: String, bytes: Int, duration: Duration) {
        guard isServed else { return }
        CoreMetrics.Timer(label: MetricName.sourceFetchDuration.rawValue, dimensions: [("source", source)], factory: factory).record(duration: duration)
        if bytes > 0 { counter(.sourceFetchedBytes, source: source).increment(by: Int64(bytes)) }
    }

    /// A payload was parsed and stored (or found unchanged, or refused): how long that took.
    public func ingested(source: String, duration: Duration) {
        guard isServed else { return }
        CoreMetrics.Timer(label: MetricName.sourceIngestDuration.rawValue, dimensions: [("source", source)], factory: factory).record(duration: duration)
    }

    /// A notification was delivered to a notifier, or its delivery failed (to be retried or given up).
    public func delivery(notifier: String, succeeded: Bool) {
        guard isServed else { return }
        CoreMetrics.Counter(label: (succeeded ? MetricName.notifierDeliveries : .notifierDeliveryFailures).rawValue,
                dimensions: [("notifier", notifier)], factory: factory).increment()
    }

    /// Every configured source and notifier shows its counters, at 0 before its first event
    /// (so that `rate()` and `increase()` see the first one).
    func declare(sources: [SourceConfig], notifiers: [NotifierConfig]) {
        for source in sources {
            let names: [MetricName] = if case .url = source.location {
                [.sourceChecks, .sourceCheckFailures, .sourceFetchedBytes] + MetricName.perRelease
            } else {
                MetricName.perRelease
            }
            for name in names { counter(name, source: source.id).increment(by: 0) }
        }
        for notifier in notifiers {
            for name in [MetricName.notifierDeliveries, .notifierDeliveryFailures] {
                CoreMetrics.Counter(label: name.rawValue, dimensions: [("notifier", notifier.id)], factory: factory).increment(by: 0)
            }
        }
    }

    private func counter(_ name: MetricName, source: String) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name.rawValue, dimensions: [("source", source)], factory: factory)
    }
}

/// Every metric brid exposes, with its help line (README "Metrics" lists them all).
enum MetricName: String, CaseIterable, Sendable {
    // Counted as they happen.
    case sourceChecks = "brid_source_checks_total"
    case sourceCheckFailures = "brid_source_check_failures_total"
    case sourceReleases = "brid_source_releases_total"
    case sourceObservationsAdded = "brid_source_observations_added_total"
    case sourceObservationsRevised = "brid_source_observations_revised_total"
    case sourceObservationsRemoved = "brid_source_observations_removed_total"
    case sourceFetchDuration = "brid_source_fetch_duration_seconds"
    case sourceIngestDuration = "brid_source_ingest_duration_seconds"
    case sourceFetchedBytes = "brid_source_fetched_bytes_total"
    case notifierDeliveries = "brid_notifier_deliveries_total"
    case notifierDeliveryFailures = "brid_notifier_delivery_failures_total"
    // Read from the store at each scrape.
    case sourceLastCheck = "brid_source_last_check_timestamp_seconds"
    case sourceLastSuccess = "brid_source_last_success_timestamp_seconds"
    case sourceConsecutiveFailures = "brid_source_consecutive_failures"
    case sourcePaused = "brid_source_paused"
    case alertsFiring = "brid_alerts_firing"
    case outboxBacklog = "brid_outbox_backlog"
    case storeSize = "brid_store_size_bytes"
    case storeWALSize = "brid_store_wal_size_bytes"
    case storeUp = "brid_store_up"

    static let perRelease: [MetricName] = [.sourceReleases, .sourceObservationsAdded, .sourceObservationsRevised, .sourceObservationsRemoved]

    var help: String {
        switch self {
        case .sourceChecks: "Checks of a URL source (fetches whose outcome was recorded)."
        case .sourceCheckFailures: "Checks of a URL source that failed (HTTP error, timeout, rejected payload, store failure)."
        case .sourceReleases: "Releases stored for a source (checks, dropped files, payloads sent with brictl ingest)."
        case .sourceObservationsAdded: "Observations the source's releases added."
        case .sourceObservationsRevised: "Observations the source's releases revised."
        case .sourceObservationsRemoved: "Observations the source's releases removed."
        case .sourceFetchDuration: "Time a fetch of a URL source took, every page of it, whatever its outcome."
        case .sourceIngestDuration: "Time parsing and storing a payload took, whatever its outcome."
        case .sourceFetchedBytes: "Bytes of payload fetched from a URL source."
        case .notifierDeliveries: "Notifications delivered to a notifier."
        case .notifierDeliveryFailures: "Failed attempts to deliver a notification to a notifier (retried, or given up)."
        case .sourceLastCheck: "When the source was last checked or took a payload (Unix time)."
        case .sourceLastSuccess: "When the source last succeeded: a release, or nothing new (Unix time)."
        case .sourceConsecutiveFailures: "Failures of the source in a row since its last success."
        case .sourcePaused: "1 while the source is paused (brictl pause), else 0."
        case .alertsFiring: "Alerts firing (acknowledged ones included), by severity."
        case .outboxBacklog: "Notifications waiting to be delivered to a notifier (neither delivered nor given up)."
        case .storeSize: "Size of the store's database (SQLite: the database file; PostgreSQL: the database)."
        case .storeWALSize: "Size of SQLite's write-ahead log not yet folded into the database (0 on PostgreSQL)."
        case .storeUp: "1 when this scrape could read the store, 0 when it could not (the store's metrics are then missing)."
        }
    }

    /// Histogram buckets, in seconds: a fetch waits on the network, an ingest on the disk.
    static let fetchBuckets: [Duration] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .milliseconds(Int64($0 * 1000)) }
    static let ingestBuckets: [Duration] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60].map { .microseconds(Int64($0 * 1_000_000)) }
}

/// swift-prometheus's `PrometheusMetricsFactory`, but with each metric's `# HELP` line
/// (its factory registers every metric without one, which `promtool check metrics`
/// reports) and the histograms' buckets.
struct DescribedMetricsFactory: MetricsFactory {
    let prometheus: PrometheusMetricsFactory
    private var registry: PrometheusCollectorRegistry { prometheus.registry }

    init(registry: PrometheusCollectorRegistry) {
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.durationHistogramBuckets = [
            MetricName.sourceFetchDuration.rawValue: MetricName.fetchBuckets,
            MetricName.sourceIngestDuration.rawValue: MetricName.ingestBuckets,
        ]
        self.prometheus = prometheus
    }

    /// The name and help line of `label` (one brid does not list has none).
    private func describe(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricName(rawValue: label)?.help ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: describe(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: describe(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: describe(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: describe(label), labels: dimensions) }
        let buckets = prometheus.valueHistogramBuckets[label] ?? prometheus.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: describe(label), labels: dimensions, buckets: buckets)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = prometheus.durationHistogramBuckets[label] ?? prometheus.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: describe(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { prometheus.destroyFloatingPointCounter(handler) }
    func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
