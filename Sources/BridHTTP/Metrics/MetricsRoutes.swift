import Hummingbird

/// `/metrics`: Prometheus's text exposition (README "Metrics").
enum MetricsRoutes {
    static func register(on router: HTTPRouter, reads: HTTPReads, metrics: BridMetrics) {
    }
}
