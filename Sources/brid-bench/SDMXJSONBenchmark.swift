import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation

/// Phase (e) of the ingest benchmark: the same observations as the long CSV of phase (a)
/// (`series` × `periods` monthly values from the same pseudo-random sequence), written as
/// an SDMX-JSON 2.x series-keyed data message and ingested into an empty store of its own.
/// Targets: at most 1.5 × the time of (a), peak RSS at most 300 MB.
struct SDMXJSONBenchmark {
    let series: Int
    let periods: Int

    struct Result {
        let phase: IngestBenchmark.Phase
        let bytes: Int
        /// The resident set when the phase started (what earlier phases still hold).
        let baselineRSS: Int
        /// Reading, hashing and parsing alone (no store), for the breakdown.
        let parseSeconds: Double
    }

    /// Areas × indicators cover the series: REF_AREA has up to 100 values.
    var areas: Int { min(series, 100) }
    var indicators: Int { (series + areas - 1) / areas }

    func run(in dir: String) throws -> Result {
        let file = dir + "/release-1.sdmx.json"
        try write(to: file)
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let store = try SQLiteStore(path: dir + "/sdmx-json.sqlite")
        let reader = try SDMXJSON(settings: FormatSettings())
        let source = Ingestor.SourceSpec(id: "bench-sdmx-json", reader: reader, snapshot: false)
        resetPeakRSS()
        let baseline = peakRSS()
        let start = ContinuousClock.now
        let bytes = try readFile(file)
        let result = try Ingestor(store: store).ingest(bytes, origin: file, source: source, at: Date())
        let seconds = (ContinuousClock.now - start).seconds
        let phase = IngestBenchmark.Phase(label: "(e) SDMX-JSON 2.x into an empty store", seconds: seconds, peakRSS: peakRSS(), outcome: IngestBenchmark.describe(result))

        let parseStart = ContinuousClock.now
        let again = try readFile(file)
        _ = SHA256.hex(again)
        var builder = PayloadBuilder(origin: file, ordinalKind: .record) { _ in nil }
        try reader.read(again, into: &builder)
        _ = try builder.finish()
        return Result(phase: phase, bytes: size, baselineRSS: baseline, parseSeconds: (ContinuousClock.now - parseStart).seconds)
    }

    /// The report lines for (e), measured against phase (a).
    static func summary(_ result: Result, against a: IngestBenchmark.Phase) -> [String] {
        let e = result.phase
        let ratio = e.seconds / a.seconds
        let rss = Double(e.peakRSS) / 1_048_576
        return [
            String(format: "(e) SDMX-JSON 2.x (%d MB): %.3f s = %.2f × (a) (target ≤ 1.50) %@; reading, hashing and parsing %.3f s, the store %.3f s",
                   result.bytes / 1_000_000, e.seconds, ratio, ratio <= 1.5 ? "ok" : "MISS", result.parseSeconds, e.seconds - result.parseSeconds),
            String(format: "peak RSS of (e): %.1f MB (target ≤ 300 MB) %@, of which %.1f MB held before it started", rss, rss <= 300 ? "ok" : "MISS",
                   Double(result.baselineRSS) / 1_048_576),
        ]
    }

    /// Writes the message, tab-indented like the SDMX-JSON samples (one array element a line).
    func write(to path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        defer { try? handle.close() }
        var out = [UInt8]()
        out.reserveCapacity(1 << 20)
        func emit(_ text: String) {
            out.append(contentsOf: text.utf8)
            if out.count > (1 << 20) - 256 {
                handle.write(Data(out))
                out.removeAll(keepingCapacity: true)
            }
        }
        func values(_ ids: [String]) -> String {
            ids.map { "\n\t\t\t\t\t\t\t{\"id\":\"\($0)\",\"name\":\"\($0)\"}" }.joined(separator: ",")
        }
        let areaIDs = (0..<areas).map { "R" + String($0).leftPadded(to: 3) }
        let indicatorIDs = (0..<indicators).map { "I" + String($0).leftPadded(to: 3) }
        let periodIDs = (0..<periods).map { String(2000 + $0 / 12) + "-" + String($0 % 12 + 1).leftPadded(to: 2) }
        emit("""
            {
            \t"$schema":"https://json.sdmx.org/2.1/sdmx-json-data-schema.json",
            \t"meta":{"id":"BENCH","prepared":"2024-05-01T06:00:00Z","test":true,"sender":{"id":"BRID"}},
            \t"data":{
            \t\t"structures":[{
            \t\t\t"name":"brid-bench",
            \t\t\t"dataSets":[0],
            \t\t\t"links":[{"rel":"dataflow","urn":"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=BRID:BENCH(1.0)"}],
            \t\t\t"dimensions":{
            \t\t\t\t"dataSet":[{"id":"FREQ","keyPosition":0,"roles":["FREQ"],"values":[{"id":"M","name":"Monthly"}]}],
            \t\t\t\t"series":[
            \t\t\t\t\t{"id":"REF_AREA","keyPosition":1,"values":[\(values(areaIDs))]},
            \t\t\t\t\t{"id":"INDICATOR","keyPosition":2,"values":[\(values(indicatorIDs))]}
            \t\t\t\t],
            \t\t\t\t"observation":[{"id":"TIME_PERIOD","keyPosition":3,"roles":["TIME_PERIOD"],"values":[\(values(periodIDs))]}]
            \t\t\t},
            \t\t\t"attributes":{"observation":[{"id":"OBS_STATUS","values":[{"id":"A","name":"Normal value"}]}]}
            \t\t}],
            \t\t"dataSets":[{
            \t\t\t"structure":0,
            \t\t\t"action":"Information",
            \t\t\t"series":{
            """)
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15  // the sequence of writeLongCSV
        for s in 0..<series {
            emit("\(s == 0 ? "" : ",")\n\t\t\t\t\"\(s / indicators):\(s % indicators)\":{\n\t\t\t\t\t\"observations\":{")
            for p in 0..<periods {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                let value = Int((random >> 33) % 10_000_000)
                let text = String(value / 1000) + "." + String(value % 1000).leftPadded(to: 3)
                emit("\(p == 0 ? "" : ",")\n\t\t\t\t\t\t\"\(p)\":[\n\t\t\t\t\t\t\t\(text),\n\t\t\t\t\t\t\t0\n\t\t\t\t\t\t]")
            }
            emit("\n\t\t\t\t\t}\n\t\t\t\t}")
        }
        emit("\n\t\t\t}\n\t\t}]\n\t}\n}\n")
        handle.write(Data(out))
    }
}
