import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation

/// Phase (f): the benchmark's long table as SDMX-CSV 2.0, ingested into an empty store of
/// its own. The values are writeLongCSV's; series `s` is `BENCH.M.R<s/100>.I<s%100>`.
struct SDMXCSVBenchmark {
    let series: Int
    let periods: Int
    let directory: String

    static let targetRatio = 1.5
    static let targetPeakMB = 300.0

    /// Runs phase (f) and returns its report lines, comparing it with phase (a).
    func run(phaseA: IngestBenchmark.Phase) throws -> [String] {
        let file = directory + "/release-1.sdmx.csv"
        try writeSDMXCSV(to: file)
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let store = try SQLiteStore(path: directory + "/sdmx.sqlite")
        let ingestor = Ingestor(store: store)
        let source = Ingestor.SourceSpec(id: "bench-sdmx", reader: try SDMXCSVFormat(settings: FormatSettings()), snapshot: false)
        resetPeakRSS()
        let baseline = Double(peakRSS()) / 1_048_576
        let start = ContinuousClock.now
        let result = try ingestor.ingest(file: try MappedFile(path: file), origin: file, source: source, at: Date())
        let seconds = (ContinuousClock.now - start).seconds
        let peak = Double(peakRSS()) / 1_048_576
        let outcome = IngestBenchmark.describe(result)
        let ratio = seconds / phaseA.seconds
        let parseStart = ContinuousClock.now
        var builder = PayloadBuilder(origin: file) { _ in nil }
        try SDMXCSVFormat(settings: FormatSettings()).read(try readFile(file), into: &builder)
        _ = try builder.finish()
        let parseSeconds = (ContinuousClock.now - parseStart).seconds
        return [
            String(format: "(f) SDMX-CSV 2.0 ingest into an empty store %7.3f s, %.2f × (a) (target ≤ %.1f) %@, peak RSS %.1f MB (target ≤ %.0f MB) %@, file %d MB, %@",
                   seconds, ratio, Self.targetRatio, ratio <= Self.targetRatio ? "ok" : "MISS", peak, Self.targetPeakMB,
                   peak <= Self.targetPeakMB ? "ok" : "MISS", size / 1_000_000, outcome),
            String(format: "of (f): reading and parsing alone %.3f s; RSS at the start of (f) %.1f MB", parseSeconds, baseline),
        ]
    }

    /// Writes `STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,OBS_STATUS`
    /// rows with writeLongCSV's values.
    func writeSDMXCSV(to path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        defer { try? handle.close() }
        var chunk = [UInt8]()
        chunk.reserveCapacity(1 << 20)
        chunk.append(contentsOf: "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n".utf8)
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        for s in 0..<series {
            let dimensions = "dataflow,BRI:BENCH(1.0),I,M,R" + String(s / 100).leftPadded(to: 3) + ",I" + String(s % 100).leftPadded(to: 2) + ","
            for p in 0..<periods {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                let value = Int((random >> 33) % 10_000_000)
                chunk.append(contentsOf: dimensions.utf8)
                chunk.append(contentsOf: (String(2000 + p / 12) + "-" + String(p % 12 + 1).leftPadded(to: 2)).utf8)
                chunk.append(UInt8(ascii: ","))
                chunk.append(contentsOf: String(value / 1000).utf8)
                chunk.append(UInt8(ascii: "."))
                chunk.append(contentsOf: String(value % 1000).leftPadded(to: 3).utf8)
                chunk.append(contentsOf: ",A\n".utf8)
                if chunk.count > (1 << 20) - 128 {
                    handle.write(Data(chunk))
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        handle.write(Data(chunk))
    }
}
