import BridCore
import BridStore
import Foundation
import Hummingbird
import CoreMetrics
import Metrics
import NIOCore
import Prometheus

/// `/metrics`: Prometheus's text exposition (README "Metrics").
enum MetricsRoutes {
    static func register(on router: HTTPRouter, reads: HTTPReads, metrics: BridMetrics) {
        metrics.serve()
        router.get("/metrics") { _, _ in
            let body = await exposition(reads: reads, metrics: metrics)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// What the store knows, read at each scrape: right after a restart, and the same from
    /// every instance of a cluster.
    struct StoreSnapshot: Sendable {
        let states: [SourceState]
        let alerts: AlertStatistics
        let sizes: StorageSizes
    }

    /// The events counted since brid started, then what the store holds now.
    static func exposition(reads: HTTPReads, metrics: BridMetrics) async -> [UInt8] {
        let config = await reads.config()
        metrics.declare(sources: config.sources, notifiers: config.notifiers)
        let snapshot = try? await reads.read { store in
            StoreSnapshot(states: try store.sourceStates(), alerts: try store.alertStatistics(), sizes: store.storageSizes())
        }
        // A registry of this scrape's own: a source or notifier a reload removed is gone from the next one.
        let scrape = PrometheusCollectorRegistry()
        let factory = DescribedMetricsFactory(registry: scrape)
        func gauge(_ name: MetricName, _ labels: [(String, String)], _ value: Double) {
            CoreMetrics.Gauge(label: name.rawValue, dimensions: labels, factory: factory).record(value)
        }
        gauge(.storeUp, [], snapshot == nil ? 0 : 1)
        if let snapshot {
            let states = Dictionary(snapshot.states.map { ($0.id, $0) }) { first, _ in first }
            for source in config.sources {
                let labels = [("source", source.id)]
                let state = states[source.id]
                if let at = state?.lastCheckAt { gauge(.sourceLastCheck, labels, at.timeIntervalSince1970) }
                if let at = state?.lastSuccessAt { gauge(.sourceLastSuccess, labels, at.timeIntervalSince1970) }
                gauge(.sourceConsecutiveFailures, labels, Double(state?.consecutiveFailures ?? 0))
                gauge(.sourcePaused, labels, state?.paused == true ? 1 : 0)
            }
            for severity in Severity.allCases {
                gauge(.alertsFiring, [("severity", severity.rawValue)], Double(snapshot.alerts.firing[severity] ?? 0))
            }
            var backlog = snapshot.alerts.backlogByNotifier
            for notifier in config.notifiers where backlog[notifier.id] == nil { backlog[notifier.id] = 0 }
            for (notifier, count) in backlog.sorted(by: { $0.key < $1.key }) {
                gauge(.outboxBacklog, [("notifier", notifier)], Double(count))
            }
            gauge(.storeSize, [], Double(snapshot.sizes.databaseBytes))
            gauge(.storeWALSize, [], Double(snapshot.sizes.walBytes))
        }
        var buffer: [UInt8] = []
        metrics.registry.emit(into: &buffer)
        scrape.emit(into: &buffer)
        return buffer
    }
}
