import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation

/// `brid-bench --pg-ingest CONNINFO [--psql PATH] [--series N] [--periods N]`: the ingest
/// benchmark of issue 11 point 7 on a PostgreSQL store (an empty database, e.g. the one
/// scripts/bench-pg.sh starts): (a) 1M new observations, (b) the same with 1 % revised,
/// (c) the identical file again, each through `PostgresStore.ingest` with the payload read
/// on a thread of its own as the daemon does; against (d) `psql \copy` of the same CSV into
/// a table with PRIMARY KEY (series, period), in the same run. Targets: (a) ≤ 1.5×,
/// (b) ≤ 0.5×, (c) ≤ 0.05× of (d); peak RSS ≤ 200 MB.
struct PGIngestBenchmark {
    let conninfo: String
    let psql: String
    let series: Int
    let periods: Int

    func run() throws -> String {
        let dir = NSTemporaryDirectory() + "brid-bench-pg-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = dir + "/release-1.csv"
        let revised = dir + "/release-2.csv"
        try writeLongCSV(to: original, series: series, periods: periods)
        try writeLongCSV(to: revised, series: series, periods: periods, changeEvery: 100)
        sync()
        let rows = series * periods

        var phases: [IngestBenchmark.Phase] = []
        let store = try PostgresStore(url: conninfo, password: nil, instance: "bench")
        defer { store.close() }
        for (label, file) in [("(a) ingest into an empty store", original),
                              ("(b) ingest with 1 % of values changed", revised),
                              ("(c) ingest the identical file again", revised)] {
            resetPeakRSS()
            let start = ContinuousClock.now, cpu = processCPUSeconds()
            let result = try ingest(file, into: store)
            phases.append(IngestBenchmark.Phase(label: label, seconds: (ContinuousClock.now - start).seconds,
                                                cpuSeconds: processCPUSeconds() - cpu, peakRSS: peakRSS(),
                                                outcome: IngestBenchmark.describe(result)))
        }
        phases.append(try psqlCopy(original))

        let d = phases[3].seconds
        let targets = [1.5, 0.5, 0.05]
        var lines = ["brid-bench --pg-ingest: \(rows) rows (\(series) series × \(periods) monthly periods), \(store.location), \(ProcessInfo.processInfo.activeProcessorCount) cores", ""]
        lines.append("phase                                       time      × (d)   target   peak RSS   outcome")
        for (i, phase) in phases.enumerated() {
            let ratio = phase.seconds / d
            let target = i < targets.count ? String(format: "≤ %.2f", targets[i]) : "      "
            let verdict = i < targets.count ? (ratio <= targets[i] ? " ok " : "MISS") : "    "
            lines.append(String(format: "%@ %7.3f s  %6.3f   %@ %@ %6.1f MB   %@",
                                phase.label.padding(toLength: 42, withPad: " ", startingAt: 0), phase.seconds, ratio,
                                target, verdict, Double(phase.peakRSS) / 1_048_576, phase.outcome))
        }
        let peak = phases.prefix(3).map(\.peakRSS).max() ?? 0
        lines.append(String(format: "peak RSS of brid's ingests: %.1f MB (target ≤ 200 MB) %@", Double(peak) / 1_048_576,
                            Double(peak) / 1_048_576 <= 200 ? "ok" : "MISS"))
        lines.append(String(format: "CPU time of this process (user + system): (a) %.3f s, (b) %.3f s", phases[0].cpuSeconds, phases[1].cpuSeconds))
        return lines.joined(separator: "\n")
    }

    /// What the daemon does with a dropped file: its SHA-256 (an identical payload ends
    /// there), then the CSV read on a thread of its own, each series handed to the store's
    /// transaction as soon as the reader moves on (`PayloadBuilder.stream(to:)`).
    private func ingest(_ path: String, into store: PostgresStore) throws -> PayloadOutcome {
        let file = try MappedFile(path: path)
        defer { file.releasePages() }
        let digest = file.sha256()
        let now = Date()
        if try store.lastPayloadDigest(source: "bench") == digest {
            try store.recordUnchangedPayload(source: "bench", sha256: digest, at: now)
            return .unchangedPayload
        }
        let frequencies = try store.frequencyLookup()
        let channel = SeriesChannel()
        let done = DispatchSemaphore(value: 0)
        PosixThread.start(named: "brid-read") {
            defer { done.signal() }
            var builder = PayloadBuilder(origin: path) { frequencies.frequency(of: $0) }
            builder.onProgress = { file.releasePages() }
            builder.stream(to: channel)
            do throws(InputError) {
                try CSVReader.read(file.bytes, into: &builder)
                try builder.finishStream()
            } catch {
                if !builder.streamStopped { channel.send(.failed(error)) }
            }
        }
        defer {
            channel.hangUp()
            done.wait()
        }
        return try store.ingest(StreamedPayload(origin: path, channel: channel, publishedAt: nil),
                                source: "bench", recordRemovals: false, sha256: digest, at: now)
    }

    /// (d): psql's \copy of the same CSV into a table keyed by (series, period), in the same database.
    private func psqlCopy(_ csv: String) throws -> IngestBenchmark.Phase {
        let setup = try SweepBenchmark.runChild(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c",
                                                       "DROP TABLE IF EXISTS bench_reference; CREATE TABLE bench_reference (series TEXT COLLATE \"C\", period TEXT COLLATE \"C\", value TEXT, PRIMARY KEY (series, period))"])
        guard setup.status == 0 else { throw BenchError("psql failed with status \(setup.status): \(setup.stderr)") }
        let run = try SweepBenchmark.runChild(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c",
                                                     "\\copy bench_reference FROM '\(csv)' WITH (FORMAT csv, HEADER true)"])
        guard run.status == 0 else { throw BenchError("psql \\copy failed with status \(run.status): \(run.stderr)") }
        _ = try? SweepBenchmark.runChild(psql, ["-X", "-q", "-d", conninfo, "-c", "DROP TABLE bench_reference"])
        return IngestBenchmark.Phase(label: "(d) psql \\copy (reference)", seconds: run.seconds, peakRSS: run.peakRSS,
                                     outcome: "PRIMARY KEY (series, period)")
    }
}
