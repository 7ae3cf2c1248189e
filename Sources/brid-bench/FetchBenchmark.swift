import BridCore
import BridFetch
import BridFormats
import BridRuntime
import BridStore
import Foundation

/// `brid-bench --fetch`: a bulk download — the long CSV of `writeLongCSV`, served by
/// publisher.py (Tests/BridEndToEndTests/Support) on 127.0.0.1 — fetched and ingested in
/// this process the way the daemon does it: the body spooled to an unnamed file in the
/// state folder and hashed while it downloads, then ingested through a mapping of it.
///
/// Phases, each with its wall time and peak RSS (VmHWM, reset between phases):
///   (a) the download alone, into a spool;
///   (b) download and ingest into an empty store;
///   (c) the same download again: unchanged by its digest.
/// Target: peak RSS ≤ 200 MB whatever the payload size (issue 10).
struct FetchBenchmark {
    static let targetPeakMB = 200.0

    let series: Int
    let periods: Int
    let publisherScript: String

    func run() async throws -> String {
        let dir = NSTemporaryDirectory() + "brid-bench-fetch-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/published", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeLongCSV(to: dir + "/published/bulk.csv", series: series, periods: periods)
        let size = (try FileManager.default.attributesOfItem(atPath: dir + "/published/bulk.csv")[.size] as? Int) ?? 0
        let publisher = try ChildProcess(["/usr/bin/env", "python3", publisherScript, dir + "/published"], stdin: true)
        defer { publisher.terminate() }
        guard let port = publisher.firstLine.flatMap(Int.init) else { throw BenchError("publisher.py did not start") }
        let request = GetRequest(url: "http://127.0.0.1:\(port)/bulk.csv", timeout: .seconds(600), maxBytes: 250 << 20)

        let store = try SQLiteStore(path: dir + "/brid.sqlite")
        let ingestor = Ingestor(store: store)
        let source = Ingestor.SourceSpec(id: "bulk", reader: try CSVFormat(settings: FormatSettings()), snapshot: false)
        let fetcher = CurlFetcher()
        var phases: [IngestBenchmark.Phase] = []

        resetPeakRSS()
        var start = ContinuousClock.now
        do {
            let spool = try BodySpool(directory: ingestor.folder)
            _ = try await fetcher.fetch(request, into: spool)
            _ = spool.sha256()
        }
        phases.append(.init(label: "(a) download into a spool", seconds: (ContinuousClock.now - start).seconds,
                            peakRSS: peakRSS(), outcome: "\(size / 1_000_000) MB"))

        for label in ["(b) download and ingest into an empty store", "(c) the same download again"] {
            resetPeakRSS()
            start = ContinuousClock.now
            let spool = try BodySpool(directory: ingestor.folder)
            _ = try await fetcher.fetch(request, into: spool)
            let file = try MappedFile(descriptor: spool.descriptor, path: request.url)
            let result = try ingestor.ingest(file: file, origin: request.url, source: source, sha256: spool.sha256(), at: Date())
            phases.append(.init(label: label, seconds: (ContinuousClock.now - start).seconds, peakRSS: peakRSS(),
                                outcome: IngestBenchmark.describe(result)))
        }

        var lines = ["brid-bench --fetch: \(series * periods) rows, \(size / 1_000_000) MB of CSV over HTTP (127.0.0.1), max_bytes 250MB",
                     "phase                                         time     peak RSS   outcome"]
        for phase in phases {
            let peak = Double(phase.peakRSS) / 1_048_576
            lines.append(phase.label.padding(toLength: 44, withPad: " ", startingAt: 0)
                + String(format: " %7.2f s  %7.1f MB %@  %@", phase.seconds, peak, peak <= Self.targetPeakMB ? "ok  " : "MISS", phase.outcome))
        }
        lines.append(String(format: "target: peak RSS ≤ %.0f MB in every phase (the payload is %.0f MB)", Self.targetPeakMB,
                            Double(size) / 1_048_576))
        return lines.joined(separator: "\n")
    }
}
