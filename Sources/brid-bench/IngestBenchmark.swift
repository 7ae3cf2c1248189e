import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation

struct IngestBenchmark {
    let series: Int
    let periods: Int
    let directory: String?

    struct Phase {
        let label: String
        let seconds: Double
        /// User plus system CPU time of this process (0 for a child): steadier than wall
        /// time on a shared machine.
        var cpuSeconds = 0.0
        let peakRSS: Int
        let outcome: String
    }

    func run() throws -> String {
        let dir = directory ?? NSTemporaryDirectory() + "brid-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let original = dir + "/release-1.csv"
        let revised = dir + "/release-2.csv"
        try writeLongCSV(to: original, series: series, periods: periods)
        try writeLongCSV(to: revised, series: series, periods: periods, changeEvery: 100)
        let rows = series * periods
        // The files at rest, as a dropped file is: their writeback does not compete with
        // the first phase's commit.
        sync()
        let size = (try FileManager.default.attributesOfItem(atPath: original)[.size] as? Int) ?? 0

        // (a)–(c) and the queries on their store, which is closed before the other phases
        // so that its caches do not count in their peak RSS.
        var phases: [Phase] = []
        let (changesCount, changesSeconds, asOfCount, asOfSeconds) = try {
            let store = try SQLiteStore(path: dir + "/brid.sqlite")
            let ingestor = Ingestor(store: store)
            let source = Ingestor.SourceSpec(id: "bench", reader: try CSVFormat(settings: FormatSettings()), snapshot: false)
            for (label, file) in [("(a) ingest into an empty store", original),
                                  ("(b) ingest with 1 % of values changed", revised),
                                  ("(c) ingest the identical file again", revised)] {
                resetPeakRSS()
                let start = ContinuousClock.now, cpu = processCPUSeconds()
                let result = try ingestor.ingest(file: try MappedFile(path: file), origin: file, source: source, at: Date())
                let seconds = (ContinuousClock.now - start).seconds
                phases.append(Phase(label: label, seconds: seconds, cpuSeconds: processCPUSeconds() - cpu, peakRSS: peakRSS(),
                                    outcome: Self.describe(result)))
            }
            var start = ContinuousClock.now
            let changes = try store.changes(release: 2)
            let changesSeconds = (ContinuousClock.now - start).seconds
            start = ContinuousClock.now
            let asOf = try store.observations(series: "bench.s05000", vintage: .release(1)) ?? []
            return (changes.count, changesSeconds, asOf.count, (ContinuousClock.now - start).seconds)
        }()

        // Where (a)'s time goes: the same file hashed and parsed, without the store.
        let parseSeconds = try {
            let parseStart = ContinuousClock.now
            let bytes = try readFile(original)
            _ = SHA256.hex(bytes)
            var builder = PayloadBuilder(origin: original) { _ in nil }
            try CSVReader.read(bytes, into: &builder)
            _ = try builder.finish()
            return (ContinuousClock.now - parseStart).seconds
        }()
        let reference = try sqliteImport(csv: original, database: dir + "/reference.sqlite", withoutRowID: true)
        phases.append(reference)
        phases.append(try sqliteImport(csv: original, database: dir + "/reference-rowid.sqlite", withoutRowID: false))
        let sdmxJSON = try SDMXJSONBenchmark(series: series, periods: periods).run(in: dir)
        phases.append(sdmxJSON.phase)

        let d = reference.seconds
        let targets = [0.9, 0.35, 0.05]
        var lines = ["brid-bench: \(rows) rows (\(series) series × \(periods) monthly periods), CSV \(size / 1_000_000) MB, \(ProcessInfo.processInfo.activeProcessorCount) cores", ""]
        lines.append("phase                                       time      × (d)   target   peak RSS   outcome")
        for (i, phase) in phases.enumerated() {
            let ratio = phase.seconds / d
            let target = i < targets.count ? String(format: "≤ %.2f", targets[i]) : "      "
            let verdict = i < targets.count ? (ratio <= targets[i] ? " ok " : "MISS") : "    "
            lines.append(String(format: "%@ %7.3f s  %6.3f   %@ %@ %6.1f MB   %@",
                                phase.label.padding(toLength: 42, withPad: " ", startingAt: 0), phase.seconds, ratio,
                                target, verdict, Double(phase.peakRSS) / 1_048_576, phase.outcome))
        }
        lines.append(String(format: "reading, hashing and parsing (a)'s file alone: %.3f s (in (a) it runs on a thread of its own beside the store transaction)", parseSeconds))
        lines.append(String(format: "queries: changes of release 2 (%d rows) %.3f s; one series as of release 1 (%d rows) %.4f s", changesCount, changesSeconds, asOfCount, asOfSeconds))
        let peakA = Double(phases[0].peakRSS) / 1_048_576
        lines.append(String(format: "peak RSS of (a): %.1f MB (target ≤ 200 MB for any ingest) %@", peakA, peakA <= 200 ? "ok" : "MISS"))
        lines.append(String(format: "CPU time (user + system, all threads): (a) %.3f s, (b) %.3f s", phases[0].cpuSeconds, phases[1].cpuSeconds))
        lines += try AlertBenchmark(original: original, revised: revised, directory: dir)
            .run(without: (phases[0].seconds, phases[1].seconds), cpu: (phases[0].cpuSeconds, phases[1].cpuSeconds))
        lines += try SDMXCSVBenchmark(series: series, periods: periods, directory: dir).run(phaseA: phases[0])
        lines.append(contentsOf: SDMXJSONBenchmark.summary(sdmxJSON, against: phases[0]))
        return lines.joined(separator: "\n")
    }

    /// An ingest's outcome in a benchmark line; every phase of every benchmark says it so.
    static func describe(_ result: PayloadOutcome) -> String {
        switch result {
        case let .released(release):
            "release \(release.id): +\(release.added) ~\(release.revised) -\(release.removed) =\(release.unchanged)"
        case .unchangedPayload: "unchanged (same SHA-256)"
        case let .unchangedValues(n): "unchanged values (\(n))"
        case let .rejected(error): "REJECTED: \(error)"
        case .notModified, .failed, .cancelled: "\(result)"
        }
    }

    /// (d): the sqlite3 shell importing the same CSV into a table keyed by (series, period),
    /// WITHOUT ROWID (the reference) or, as before issue 10, a rowid table with its index.
    private func sqliteImport(csv: String, database: String, withoutRowID: Bool) throws -> Phase {
        let run = try SweepBenchmark.sqliteImport(csv: csv, database: database, withoutRowID: withoutRowID)
        return Phase(label: withoutRowID ? "(d) sqlite3 .import (reference)" : "(d') sqlite3 .import, rowid table",
                     seconds: run.seconds, peakRSS: run.peakRSS,
                     outcome: withoutRowID ? "WITHOUT ROWID, WAL" : "rowid table + key index (the old reference)")
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
    return [UInt8](data)
}

/// Returns freed heap to the system, then resets VmHWM, so the next reading is the peak
/// of one phase (Linux: clear_refs 5).
func resetPeakRSS() {
    MemoryTrim.releaseFreedMemory()
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// User plus system CPU time this process has used, all threads.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Peak resident set size since the last reset, in bytes.
func peakRSS() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}
