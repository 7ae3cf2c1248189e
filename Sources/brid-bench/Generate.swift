import BridTestSupport
import Foundation

/// Writes the benchmark's long CSV: `series` × `periods` monthly rows, values with three
/// decimals from a fixed pseudo-random sequence. Every `changeEvery`-th row gets another
/// value when `changeEvery` is set (the "1 % revised" copy).
/// Keys are `prefix` + the series number (`bench.s00042`).
func writeLongCSV(to path: String, series: Int, periods: Int, changeEvery: Int? = nil, prefix: String = "bench.s") throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
    defer { try? handle.close() }
    var chunk = [UInt8]()
    chunk.reserveCapacity(1 << 20)
    chunk.append(contentsOf: "series,period,value\n".utf8)
    var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    var row = 0
    for s in 0..<series {
        let key = prefix + String(s).leftPadded(to: 5)
        for p in 0..<periods {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            var value = Int((random >> 33) % 10_000_000)
            if let every = changeEvery, row % every == every - 1 { value += 1 }
            let period = String(2000 + p / 12) + "-" + String(p % 12 + 1).leftPadded(to: 2)
            chunk.append(contentsOf: key.utf8)
            chunk.append(UInt8(ascii: ","))
            chunk.append(contentsOf: period.utf8)
            chunk.append(UInt8(ascii: ","))
            chunk.append(contentsOf: String(value / 1000).utf8)
            chunk.append(UInt8(ascii: "."))
            chunk.append(contentsOf: String(value % 1000).leftPadded(to: 3).utf8)
            chunk.append(0x0A)
            row += 1
            if chunk.count > (1 << 20) - 64 {
                handle.write(Data(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
        }
    }
    handle.write(Data(chunk))
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The same kind of observations as SDMX-CSV 2.0 (`format = "sdmx-csv"`): series keyed by
/// REF_AREA × INDICATOR, rows grouped by series.
func writeSDMXCSV(to path: String, series: Int, periods: Int) throws {
    try writeGenerated(to: path, header: "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n", footer: "",
                       series: series, periods: periods) { s, period, value in
        "dataflow,BRI:BENCH(1.0),I,M,R\(String(s / 1000).leftPadded(to: 4)),I\(String(s % 1000).leftPadded(to: 3)),\(period),\(value)\n"
    } seriesStart: { _ in "" } seriesEnd: { _ in "" }
}

/// The same as an SDMX-ML 2.1 StructureSpecificData message (`format = "sdmx-ml"`).
func writeSDMXML(to path: String, series: Int, periods: Int) throws {
    let header = """
        <?xml version="1.0" encoding="UTF-8"?>
        <mes:StructureSpecificData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific">
        <mes:Header><mes:ID>bench</mes:ID><mes:Prepared>2026-12-07T00:00:00</mes:Prepared>
        <mes:Structure structureID="BENCH" dimensionAtObservation="TIME_PERIOD"/></mes:Header>
        <mes:DataSet ss:structureRef="BENCH">

        """
    try writeGenerated(to: path, header: header, footer: "</mes:DataSet>\n</mes:StructureSpecificData>\n",
                       series: series, periods: periods) { _, period, value in
        "<Obs TIME_PERIOD=\"\(period)\" OBS_VALUE=\"\(value)\"/>\n"
    } seriesStart: { s in
        "<Series FREQ=\"M\" REF_AREA=\"R\(String(s / 1000).leftPadded(to: 4))\" INDICATOR=\"I\(String(s % 1000).leftPadded(to: 3))\">\n"
    } seriesEnd: { _ in "</Series>\n" }
}

private func writeGenerated(to path: String, header: String, footer: String, series: Int, periods: Int,
                            row: (Int, String, String) -> String, seriesStart: (Int) -> String, seriesEnd: (Int) -> String) throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
    defer { try? handle.close() }
    var chunk = [UInt8]()
    chunk.reserveCapacity(1 << 20)
    chunk.append(contentsOf: header.utf8)
    var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    for s in 0..<series {
        chunk.append(contentsOf: seriesStart(s).utf8)
        for p in 0..<periods {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            let value = Int((random >> 33) % 10_000_000)
            let period = String(2000 + p / 12) + "-" + String(p % 12 + 1).leftPadded(to: 2)
            chunk.append(contentsOf: row(s, period, String(value / 1000) + "." + String(value % 1000).leftPadded(to: 3)).utf8)
            if chunk.count > (1 << 20) - 256 {
                handle.write(Data(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.append(contentsOf: seriesEnd(s).utf8)
    }
    chunk.append(contentsOf: footer.utf8)
    handle.write(Data(chunk))
}

/// The built brid as a daemon on `root`'s state folder (one drop source "bench"), once its
/// control socket answers; the socket's path. `store`: a `[store]` table (PostgreSQL), with
/// `instance` the daemon's name; the SQLite store under the state folder otherwise.
func startBenchDaemon(in root: String, bridPath: String, instance: String? = nil, store: String = "") throws -> (ChildProcess, String) {
    let config = """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"
        \(instance.map { "instance = \"\($0)\"" } ?? "")

        \(store)

        [[source]]
        id = "bench"
        drop = "drop/bench"
        format = "csv"
        """
    try Data(config.utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
    let brid = try ChildProcess([bridPath, "--config", root + "/brid.toml"], stderrPath: root + "/brid.log")
    let socket = root + "/state/control.sock"
    do {
        try waitFor(seconds: 20) { FileManager.default.fileExists(atPath: socket) && LineSocket.canConnect(socket) }
    } catch {
        brid.terminate()
        throw error
    }
    return (brid, socket)
}
