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
