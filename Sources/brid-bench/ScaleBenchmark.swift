import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation

/// Ingest speed into a large store (issue 10, point 6): a store grown to N million
/// observations by appending releases of 1,000,000 new observations (10,000 new series
/// × 100 months each), then (a) a new 1M-row release, (b) a copy with 1 % of its values
/// changed, (c) that copy again — timed in this process through the drop-file path — and
/// the reference: the sqlite3 shell's `.import` of (a)'s CSV into a WITHOUT ROWID table
/// that already holds the same N million rows.
///
///   .build/release/brid-bench --scale 100 [--keep DIR]
struct ScaleBenchmark {
    let millions: Int
    let directory: String?

    func run() throws -> String {
        let dir = directory ?? NSTemporaryDirectory() + "brid-scale-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let store = try SQLiteStore(path: dir + "/brid.sqlite")
        let ingestor = Ingestor(store: store)
        let source = Ingestor.SourceSpec(id: "scale", reader: try CSVFormat(settings: FormatSettings()), snapshot: false)
        let reference = dir + "/reference.sqlite"
        _ = try SweepBenchmark.runChild("/usr/bin/sqlite3", [reference], stdin: """
            PRAGMA journal_mode = WAL;
            CREATE TABLE obs (series TEXT NOT NULL, period TEXT NOT NULL, value TEXT, PRIMARY KEY (series, period)) WITHOUT ROWID;

            """)
        var lines = ["brid-bench --scale \(millions): a store grown to \(millions)M observations, then 1M-row releases into it", ""]
        let growStart = ContinuousClock.now
        var referenceGrow = 0.0
        for release in 0..<millions {
            let file = dir + "/grow.csv"
            try writeLongCSV(to: file, series: 10_000, periods: 100, prefix: "grow\(release).s")
            _ = try ingestor.ingest(file: try MappedFile(path: file), origin: "grow-\(release).csv", source: source, at: Date())
            referenceGrow += try Self.importInto(reference, csv: file).seconds
        }
        let grown = (ContinuousClock.now - growStart).seconds - referenceGrow
        let size = ((try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0) / 1_000_000
        lines.append(String(format: "grown to %dM observations by %d releases of 1M: brid %.0f s, the sqlite3 reference %.0f s; store %d MB",
                            millions, millions, grown, referenceGrow, size))
        let original = dir + "/release-1.csv", revised = dir + "/release-2.csv"
        try writeLongCSV(to: original, series: 10_000, periods: 100, prefix: "new.s")
        try writeLongCSV(to: revised, series: 10_000, periods: 100, changeEvery: 100, prefix: "new.s")
        sync()
        var phases: [(String, Double, String)] = []
        for (label, file) in [("(a) a new 1M-row release", original), ("(b) 1 % of it revised", revised), ("(c) the identical file again", revised)] {
            let start = ContinuousClock.now
            let result = try ingestor.ingest(file: try MappedFile(path: file), origin: file, source: source, at: Date())
            phases.append((label, (ContinuousClock.now - start).seconds, IngestBenchmark.describe(result)))
        }
        let d = try Self.importInto(reference, csv: original).seconds
        lines.append("")
        lines.append("phase                                  time      × (d)   target   outcome")
        for (i, phase) in phases.enumerated() {
            let target = [0.9, 0.35, 0.05][i]
            lines.append(String(format: "%@ %7.3f s  %6.3f   ≤ %.2f %@  %@", phase.0.padding(toLength: 38, withPad: " ", startingAt: 0),
                                phase.1, phase.1 / d, target, phase.1 / d <= target ? " ok " : "MISS", phase.2))
        }
        lines.append(String(format: "(d) sqlite3 .import of (a) into the %dM-row reference   %7.3f s", millions, d))
        return lines.joined(separator: "\n")
    }

    static func importInto(_ database: String, csv: String) throws -> SweepBenchmark.ChildRun {
        try SweepBenchmark.runChild("/usr/bin/sqlite3", [database], stdin: ".mode csv\n.import --skip 1 \(csv) obs\n")
    }
}
