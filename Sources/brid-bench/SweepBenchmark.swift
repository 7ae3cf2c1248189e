import Foundation
import Glibc

/// The payload sweep of issue 10: long CSVs of 1M, 10M, 60M… rows, each ingested by the
/// built `brid --once` as a child process (new release into an empty store, then the same
/// file with 1 % of the values changed, then the identical file), timed, with the child's
/// peak RSS from `wait4`; beside each, the sqlite3 shell's `.import` of the same CSV into a
/// `WITHOUT ROWID` table keyed by (series, period), in WAL mode — the reference.
///
///   swift build -c release --product brid --product brid-bench
///   .build/release/brid-bench --sweep 1,10,60 [--brid PATH] [--keep DIR]
struct SweepBenchmark {
    let millions: [Int]
    let bridPath: String
    let directory: String?
    /// `csv` (all three phases and the reference), `sdmx-csv`, `sdmx-ml`, `sdmx-json` (a new
    /// release and the identical file: memory and time).
    var format = "csv"

    /// Series in every payload; the periods per series grow with the payload.
    static let series = 100_000

    func run() throws -> String {
        let root = directory ?? NSTemporaryDirectory() + "brid-sweep-\(getpid())"
        var lines = ["brid-bench --sweep: brid --once (\(bridPath)) on long CSVs of \(Self.series) series, \(ProcessInfo.processInfo.activeProcessorCount) cores", ""]
        lines.append("rows     CSV      phase                 time      s/M rows  × ref   peak RSS   outcome")
        for m in millions {
            let dir = root + "/\(m)M"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir + "/state/drop/big", withIntermediateDirectories: true)
            let rows = m * 1_000_000
            let periods = rows / Self.series
            let ext = format == "sdmx-ml" ? ".xml" : format == "sdmx-json" ? ".json" : ".csv"
            let original = dir + "/release-1" + ext, revised = dir + "/release-2" + ext
            switch format {
            case "sdmx-csv": try writeSDMXCSV(to: original, series: Self.series, periods: periods)
            case "sdmx-ml": try writeSDMXML(to: original, series: Self.series, periods: periods)
            case "sdmx-json": try SDMXJSONBenchmark(series: Self.series, periods: periods).write(to: original)
            default:
                try writeLongCSV(to: original, series: Self.series, periods: periods)
                try writeLongCSV(to: revised, series: Self.series, periods: periods, changeEvery: 100)
            }
            let size = (try FileManager.default.attributesOfItem(atPath: original)[.size] as? Int) ?? 0
            let config = dir + "/brid.toml"
            try """
                [daemon]
                state_dir = "state"

                [[source]]
                id = "big"
                drop = "drop/big"
                format = "\(format)"
                max_bytes = "8GB"
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let reference = format == "csv" ? try Self.sqliteImport(csv: original, database: dir + "/reference.sqlite", withoutRowID: true) : nil
            try? FileManager.default.removeItem(atPath: dir + "/reference.sqlite")
            let phases = format == "csv" ? [("(a) new release", original), ("(b) 1 % revised", revised), ("(c) identical", revised)]
                : [("(a) new release", original), ("(c) identical", original)]
            for (label, file) in phases {
                let dropped = dir + "/state/drop/big/" + URL(fileURLWithPath: file).lastPathComponent
                try? FileManager.default.removeItem(atPath: dropped)
                if label.hasPrefix("(c)") {
                    try FileManager.default.copyItem(atPath: file, toPath: dir + "/state/drop/big/again" + ext)
                } else {
                    try FileManager.default.copyItem(atPath: file, toPath: dropped)
                }
                let run = try Self.runChild(bridPath, ["--once", "--config", config])
                let outcome = Self.outcome(of: run)
                lines.append(String(format: "%-8@ %5d MB  %-20@ %8.2f s  %6.2f   %5.2f  %6.1f MB   %@",
                                    "\(m)M \(format)", size / 1_000_000, label, run.seconds, run.seconds / Double(m),
                                    reference.map { run.seconds / $0.seconds } ?? Double.nan, Double(run.peakRSS) / 1_048_576, outcome))
            }
            if let reference {
                lines.append(String(format: "%-8@ %5d MB  %-20@ %8.2f s  %6.2f   %5.2f  %6.1f MB   %@", "\(m)M", size / 1_000_000,
                                    "(d) sqlite3 .import", reference.seconds, reference.seconds / Double(m), 1.0, Double(reference.peakRSS) / 1_048_576,
                                    "WITHOUT ROWID, WAL"))
            }
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/state"))?.filter { $0.hasPrefix("brid.sqlite-") } ?? []
            lines.append("         store after 3 runs: \(((try? FileManager.default.attributesOfItem(atPath: dir + "/state/brid.sqlite")[.size] as? Int) ?? 0) / 1_000_000) MB; left beside it: \(leftovers.isEmpty ? "nothing" : leftovers.joined(separator: ", "))")
            if directory == nil { try? FileManager.default.removeItem(atPath: dir) }
        }
        return lines.joined(separator: "\n")
    }

    /// The outcome part of `brid --once`'s log line about the file ("accepted: release 1, …").
    static func outcome(of run: ChildRun) -> String {
        for line in run.stderr.split(separator: "\n").reversed() {
            for word in ["accepted:", "unchanged:", "rejected:"] {
                if let start = line.range(of: word) {
                    let rest = line[start.lowerBound...]
                    return String(rest[..<(rest.range(of: " file=")?.lowerBound ?? rest.endIndex)])
                }
            }
        }
        return "exit \(run.status): \(run.stderr.suffix(200))"
    }

    struct ChildRun {
        var status: Int32
        var seconds: Double
        var peakRSS: Int
        var stderr: String
    }

    /// Runs a program to its end under `/usr/bin/time`; its wall time and its peak RSS.
    /// (`ru_maxrss` of the child itself would not do: a child spawned from this large
    /// process starts its high-water mark at this process's size.)
    static func runChild(_ program: String, _ programArguments: [String], stdin: String? = nil) throws -> ChildRun {
        let path = "/usr/bin/time"
        let arguments = ["-f", "brid-bench-maxrss-kb=%M", program] + programArguments
        var inPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&errPipe) == 0 else { throw BenchError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // The child keeps only its ends, as 0 and 2: a write end left open in it would keep
        // its own stdin from ever ending.
        for fd in [inPipe[0], inPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(inPipe[0])
        close(errPipe[1])
        guard rc == 0 else { throw BenchError("cannot run \(path): \(String(cString: strerror(rc)))") }
        if let stdin {
            var text = stdin
            text.withUTF8 { buffer in
                var done = 0
                while done < buffer.count {
                    let n = write(inPipe[1], buffer.baseAddress! + done, buffer.count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
        }
        close(inPipe[1])
        var errBytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(errPipe[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            errBytes += chunk[0..<n]
        }
        close(errPipe[0])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = (ContinuousClock.now - start).seconds
        var stderr = String(decoding: errBytes, as: UTF8.self)
        var peak = 0
        if let range = stderr.range(of: "brid-bench-maxrss-kb=", options: .backwards) {
            peak = (Int(stderr[range.upperBound...].prefix { $0.isNumber }) ?? 0) * 1024
            stderr = String(stderr[..<range.lowerBound])
        }
        return ChildRun(status: (status >> 8) & 0xFF, seconds: seconds, peakRSS: peak, stderr: stderr)
    }

    /// The sqlite3 shell importing a CSV into a keyed table, as a child process.
    static func sqliteImport(csv: String, database: String, withoutRowID: Bool) throws -> ChildRun {
        let script = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE obs (series TEXT NOT NULL, period TEXT NOT NULL, value TEXT, PRIMARY KEY (series, period))\(withoutRowID ? " WITHOUT ROWID" : "");
            .mode csv
            .import --skip 1 \(csv) obs

            """
        let run = try runChild("/usr/bin/sqlite3", [database], stdin: script)
        guard run.status == 0 else { throw BenchError("sqlite3 .import failed with status \(run.status): \(run.stderr)") }
        return run
    }
}
