import BridRuntime
import BridStore
import Foundation

// brid-bench — the ingest benchmark of README "Benchmarks".
//
//   swift run -c release brid-bench [--series N] [--periods N] [--keep DIR]
//
// Generates a long CSV of N series × M monthly periods and measures, in one run:
//   (a) ingesting it into an empty store, (b) ingesting a copy with 1 % of the values
//   changed, (c) ingesting that copy again (byte-identical), (d) the sqlite3 shell's
//   .import of the same CSV into a table with primary key (series, period).
// Each phase reports wall time and its peak RSS (VmHWM, reset between phases).

var series = 10_000
var periods = 100
var keep: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--series": series = Int(arguments.next() ?? "") ?? series
    case "--periods": periods = Int(arguments.next() ?? "") ?? periods
    case "--keep": keep = arguments.next()
    default:
        FileHandle.standardError.write("usage: brid-bench [--series N] [--periods N] [--keep DIR]\n".data(using: .utf8)!)
        exit(2)
    }
}

do {
    let report = try IngestBenchmark(series: series, periods: periods, directory: keep).run()
    print(report)
} catch {
    FileHandle.standardError.write("brid-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
