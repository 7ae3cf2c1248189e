/// The daemon's metrics (swift-metrics, exposed by swift-prometheus at `/metrics`): one per
/// daemon, never the process-wide `MetricsSystem`, so several daemons in one test process
/// keep their own counts.
public final class BridMetrics: Sendable {
    public init() {}
}
