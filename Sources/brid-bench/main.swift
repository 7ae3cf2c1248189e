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
//
//   swift run -c release brid-bench --daemon [--idle SECONDS] [--brid PATH]
//
// The daemon's footprint instead: see DaemonBenchmark.swift.
//
//   swift run -c release brid-bench --sweep 1,10,60 [--brid PATH] [--keep DIR]
//
// The payload sweep: the built brid --once on 1M, 10M, 60M-row CSVs: SweepBenchmark.swift.
//
//   swift run -c release brid-bench --scale 100 [--keep DIR]
//
// Ingest speed into a store grown to 100M observations: ScaleBenchmark.swift.
//
//   swift run -c release brid-bench --control [--brid PATH]
//
// The control socket and brictl (brictl is taken from beside brid): ControlBenchmark.swift.
//
//   swift run -c release brid-bench --fetch [--series N] [--periods N]
//
// A bulk URL download fetched and ingested in bounded memory: FetchBenchmark.swift.
//
//   swift run -c release brid-bench --stream [--brid PATH] [--series N] [--periods N] [--grow MILLIONS]
//
// Reads that do not scan and replies that stream (brictl release 1 with 1,000,000 changes
// vs the sqlite3 shell, brictl's and brid's peak RSS): StreamBenchmark.swift.
//
//   swift run -c release brid-bench --pg-ingest CONNINFO [--psql PATH] [--series N] [--periods N]
//
// (a)–(c) on a PostgreSQL store in an empty database against psql's \copy: PGIngestBenchmark.swift
// (scripts/bench-pg.sh starts a throwaway server and runs it).
//
//   swift run -c release brid-bench --pg-reads CONNINFO [--brid PATH] [--series N] [--periods N]
//
// show/history round trips over a brid daemon's socket, and through the store API, on
// PostgreSQL (an empty database) against SQLite: PGReadsBenchmark.swift (scripts/bench-pg.sh --pg-reads).

var series = 10_000
var periods = 100
var keep: String?
var daemonMode = false
var idleSeconds = 60.0
var bridPath: String?
var controlMode = false
var sweep: [Int]?
var scale: Int?
var sweepFormat = "csv"
var fetchMode = false
var streamMode = false
var growTo = 0
var pgIngest: String?
var psqlPath = "psql"
var pgReads: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--series": series = Int(arguments.next() ?? "") ?? series
    case "--periods": periods = Int(arguments.next() ?? "") ?? periods
    case "--keep": keep = arguments.next()
    case "--daemon": daemonMode = true
    case "--idle": idleSeconds = Double(arguments.next() ?? "") ?? idleSeconds
    case "--brid": bridPath = arguments.next()
    case "--control": controlMode = true
    case "--sweep": sweep = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--scale": scale = Int(arguments.next() ?? "")
    case "--format": sweepFormat = arguments.next() ?? sweepFormat
    case "--fetch": fetchMode = true
    case "--stream": streamMode = true
    case "--grow": growTo = Int(arguments.next() ?? "") ?? growTo
    case "--pg-ingest": pgIngest = arguments.next()
    case "--psql": psqlPath = arguments.next() ?? psqlPath
    case "--pg-reads": pgReads = arguments.next()
    default:
        FileHandle.standardError.write("usage: brid-bench [--series N] [--periods N] [--keep DIR] | --sweep 1,10,60 [--format csv|sdmx-csv|sdmx-ml|sdmx-json] [--brid PATH] [--keep DIR] | --scale MILLIONS [--keep DIR] | --daemon [--idle SECONDS] [--brid PATH] | --control [--brid PATH] | --fetch [--series N] [--periods N] | --stream [--brid PATH] [--series N] [--periods N] [--grow MILLIONS] | --pg-ingest CONNINFO [--psql PATH] [--series N] [--periods N] | --pg-reads CONNINFO [--brid PATH] [--series N] [--periods N]\n".data(using: .utf8)!)
        exit(2)
    }
}

do {
    if let pgReads {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        print(try await PGReadsBenchmark(conninfo: pgReads, bridPath: bridPath ?? products + "/brid", series: series, periods: periods, runs: 200).run())
    } else if let pgIngest {
        print(try PGIngestBenchmark(conninfo: pgIngest, psql: psqlPath, series: series, periods: periods).run())
    } else if let scale {
        print(try ScaleBenchmark(millions: scale, directory: keep).run())
    } else if let sweep {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        print(try SweepBenchmark(millions: sweep, bridPath: bridPath ?? products + "/brid", directory: keep, format: sweepFormat).run())
    } else if streamMode {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let brid = bridPath ?? products + "/brid"
        let brictl = URL(fileURLWithPath: brid).deletingLastPathComponent().path + "/brictl"
        print(try await StreamBenchmark(bridPath: brid, brictlPath: brictl, series: series, periods: periods, growTo: growTo).run())
    } else if controlMode {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let brid = bridPath ?? products + "/brid"
        let brictl = URL(fileURLWithPath: brid).deletingLastPathComponent().path + "/brictl"
        print(try await ControlBenchmark(bridPath: brid, brictlPath: brictl, runs: 200).run())
    } else if fetchMode {
        let script = FileManager.default.currentDirectoryPath + "/Tests/BridEndToEndTests/Support/publisher.py"
        print(try await FetchBenchmark(series: series, periods: periods, publisherScript: script).run())
    } else if daemonMode {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let script = FileManager.default.currentDirectoryPath + "/Tests/BridEndToEndTests/Support/publisher.py"
        print(try await DaemonBenchmark(bridPath: bridPath ?? products + "/brid", publisherScript: script, idleSeconds: idleSeconds).run())
    } else {
        print(try IngestBenchmark(series: series, periods: periods, directory: keep).run())
    }
} catch {
    FileHandle.standardError.write("brid-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
