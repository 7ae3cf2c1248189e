import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation

/// The cost of alert rules at ingest: phases (a) and (b) again, on a store with three rules
/// that watch every series (a change, a revision and a level rule, thresholds that rarely
/// hold, as real ones do), against the same phases without rules.
struct AlertBenchmark {
    let original: String
    let revised: String
    let directory: String

    static let rules = [
        AlertRule(id: "jump", target: .series(glob: "bench.*"), condition: .changePct(above: 1_000, below: -99, compare: .previous)),
        AlertRule(id: "revised", target: .series(glob: "bench.*"), condition: .revisionPct(above: 1, below: -1)),
        AlertRule(id: "high", target: .series(glob: "bench.*"), condition: .level(above: 9_999.9, below: nil)),
    ]

    func run(without: (a: Double, b: Double), cpu cpuWithout: (a: Double, b: Double)) throws -> [String] {
        let store = try SQLiteStore(path: directory + "/alerts.sqlite")
        try store.setAlertPolicy(AlertPolicy(rules: Self.rules, notifiers: [NotifierConfig(id: "log", kind: .log)], sources: ["bench"]),
                                 at: Date())
        let ingestor = Ingestor(store: store)
        let source = Ingestor.SourceSpec(id: "bench", reader: try CSVFormat(settings: FormatSettings()), snapshot: false)
        var seconds: [Double] = [], cpu: [Double] = []
        var fired: [Int] = []
        for file in [original, revised] {
            let before = try store.alerts(includeResolved: true, limit: Int.max).count
            let start = ContinuousClock.now, cpuStart = processCPUSeconds()
            _ = try ingestor.ingest(file: try MappedFile(path: file), origin: file, source: source, at: Date())
            seconds.append((ContinuousClock.now - start).seconds)
            cpu.append(processCPUSeconds() - cpuStart)
            fired.append(try store.alerts(includeResolved: true, limit: Int.max).count - before)
        }
        let backlog = try store.alertStatistics().backlog
        return [
            String(format: "alerts: 3 rules on every series — (a) %.3f s (%+.0f %% over (a) without rules), %d alerts; (b) %.3f s (%+.0f %%), %d alerts; outbox %d",
                   seconds[0], (seconds[0] / without.a - 1) * 100, fired[0], seconds[1], (seconds[1] / without.b - 1) * 100, fired[1], backlog),
            String(format: "alerts, CPU time: (a) %.3f s (%+.0f %% over (a) without rules); (b) %.3f s (%+.0f %%)",
                   cpu[0], (cpu[0] / cpuWithout.a - 1) * 100, cpu[1], (cpu[1] / cpuWithout.b - 1) * 100),
        ]
    }
}
