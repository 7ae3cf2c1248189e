import BridCore
import BridFormats
import BridRuntime
import BridStore
import BridTestSupport
import Foundation

/// `brid-bench --stream`: reads that do not scan and replies that stream (issue 10,
/// points 4 and 5), against the built `brid` and `brictl`.
///   1. A store of 10,000 series × 100 months: release 1 adds the 1,000,000 observations,
///      release 2 revises 1 % of them (10,000 changes).
///   2. In the store: the changes of release 2, and `series` over all 10,000 series.
///   3. End to end: `brictl release 1` (1,000,000 changes) to /dev/null — time and brictl's
///      peak RSS — beside the sqlite3 shell answering the same query; the daemon's peak
///      RSS while it answers (VmHWM, reset first); then `brictl --json release 1`,
///      `brictl series` and `brictl export` of every series.
struct StreamBenchmark {
    let bridPath: String
    let brictlPath: String
    let series: Int
    let periods: Int
    /// Grow the store to this many million observations (filler releases of new series)
    /// and measure the read commands again; 0: don't.
    let growTo: Int

    func run() async throws -> String {
        let root = NSTemporaryDirectory() + "brid-bench-stream-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var lines: [String] = []
        func report(_ line: String) { lines.append(line); FileHandle.standardError.write(Data((line + "\n").utf8)) }

        let database = root + "/state/brid.sqlite"
        try {
            let store = try SQLiteStore(path: database)
            let ingestor = Ingestor(store: store)
            let source = Ingestor.SourceSpec(id: "bench", reader: try CSVFormat(settings: FormatSettings()), snapshot: false)
            for (file, changeEvery) in [("release-1.csv", nil), ("release-2.csv", 100)] as [(String, Int?)] {
                try writeLongCSV(to: root + "/" + file, series: series, periods: periods, changeEvery: changeEvery)
                _ = try ingestor.ingest(try readFile(root + "/" + file), origin: file, source: source, at: Date())
                try FileManager.default.removeItem(atPath: root + "/" + file)
            }
        }()
        let rows = series * periods

        // 2. In the store.
        let store = try SQLiteStore(path: database)
        let changes = try median(20) { _ = try store.changes(release: 2) }
        let changesCount = try store.changes(release: 2).count
        let list = try median(5) {
            let (cursor, _) = try store.seriesCursor(SeriesFilter())
            while try !cursor.next(1_000).isEmpty {}
        }
        report(String(format: "store: changes of release 2 (%d rows) %.1f ms (target ≤ 50 ms, at any store size); series over %d series %.1f ms",
                      changesCount, changes, series, list))

        // 3. End to end.
        let (brid, socket) = try startBenchDaemon(in: root, bridPath: bridPath)
        defer { brid.terminate() }
        let daemonBefore = Self.rss(pid: brid.pid)

        Self.resetPeak(pid: brid.pid)
        let release = try Self.measure([brictlPath, "--socket", socket, "--timeout", "5m", "release", "1"])
        let daemonPeak = Self.peak(pid: brid.pid)
        let sql = try Self.measure(["/usr/bin/sqlite3", "-readonly", database, Self.changesQuery(release: 1)])
        report(String(format: "brictl release 1 (%d changes) to /dev/null: %.2f s, brictl peak RSS %.1f MB (target ≤ 50 MB); sqlite3 -readonly, same query: %.2f s → %.2f× (target ≤ 2×)",
                      rows, release.seconds, release.peakMB, sql.seconds, release.seconds / sql.seconds))
        report(String(format: "brid while answering it: peak RSS %.1f MB (VmHWM reset before; %.1f MB before the query; target ≤ 100 MB)",
                      daemonPeak, daemonBefore))

        Self.resetPeak(pid: brid.pid)
        let json = try Self.measure([brictlPath, "--socket", socket, "--timeout", "5m", "--json", "release", "1"])
        report(String(format: "brictl --json release 1: %.2f s, brictl peak RSS %.1f MB; brid peak RSS %.1f MB",
                      json.seconds, json.peakMB, Self.peak(pid: brid.pid)))

        Self.resetPeak(pid: brid.pid)
        let all = try Self.measure([brictlPath, "--socket", socket, "series"])
        report(String(format: "brictl series (%d series): %.2f s, brictl peak RSS %.1f MB; brid peak RSS %.1f MB",
                      series, all.seconds, all.peakMB, Self.peak(pid: brid.pid)))

        Self.resetPeak(pid: brid.pid)
        let keys = (0..<series).map { "bench.s" + String($0).leftPadded(to: 5) }
        let export = try Self.measure([brictlPath, "--socket", socket, "--timeout", "5m", "export"] + keys)
        report(String(format: "brictl export of all %d series (%d rows): %.2f s, brictl peak RSS %.1f MB; brid peak RSS %.1f MB",
                      series, rows, export.seconds, export.peakMB, Self.peak(pid: brid.pid)))

        // 4. The read commands at this size and, after growing the store, at the larger one.
        report("read commands with \(rows / 1_000_000)M observations: " + (try readCommands(store: store, socket: socket)))
        if growTo * 1_000_000 > rows {
            let start = ContinuousClock.now
            var total = rows + 10_000
            var release = 0
            while total < growTo * 1_000_000 {
                release += 1
                var builder = PayloadBuilder(origin: "fill-\(release).csv") { _ in .monthly }
                var ordinal: Int32 = 2
                for s in 0..<series {
                    let key = "fill.r" + String(release).leftPadded(to: 3) + ".s" + String(s).leftPadded(to: 5)
                    for p in 0..<periods {
                        try builder.add(series: key, period: String(2000 + p / 12) + "-" + String(p % 12 + 1).leftPadded(to: 2),
                                        value: "\(s).\(p)", ordinal: ordinal, place: .line(Int(ordinal)))
                        ordinal += 1
                    }
                }
                _ = try store.ingest(try builder.finish(), source: "fill", recordRemovals: false,
                                     sha256: String(format: "%064x", 1_000 + release), at: Date())
                total += series * periods
            }
            let size = ["", "-wal"].reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: database + $1)[.size] as? Int) ?? 0) }
            report(String(format: "grew the store to %dM observations with %d releases of %d: %.0f s, database %.1f GB",
                          total / 1_000_000, release, series * periods, (ContinuousClock.now - start).seconds, Double(size) / 1e9))
            report("read commands with \(total / 1_000_000)M observations: " + (try readCommands(store: store, socket: socket)))
        }
        return lines.joined(separator: "\n")
    }

    /// The read commands on the benchmark's own series, whatever else the store holds: in
    /// the store (median of 20) and end to end with brictl (median of 5).
    private func readCommands(store: SQLiteStore, socket: String) throws -> String {
        let middle = "bench.s" + String(series / 2).leftPadded(to: 5)
        let glob = try Glob("bench.*")
        let inStore: [(String, () throws -> Void)] = [
            ("changes of release 2", { _ = try store.changes(release: 2) }),
            ("series 'bench.*'", {
                let (cursor, _) = try store.seriesCursor(SeriesFilter(glob: glob))
                while try !cursor.next(1_000).isEmpty {}
            }),
            ("series 'bench.*' --limit 50", {
                let (cursor, _) = try store.seriesCursor(SeriesFilter(glob: glob, limit: 50))
                while try !cursor.next(1_000).isEmpty {}
            }),
            ("show", { _ = try store.observations(series: middle) }),
            ("history", { _ = try store.history(series: middle, period: "2004-06") }),
            ("releases", { _ = try store.releases(limit: 20) }),
        ]
        var parts = try inStore.map { String(format: "%@ %.2f ms", $0.0, try median(20, $0.1)) }
        let endToEnd: [(String, [String])] = [
            ("brictl release 2", ["release", "2"]),
            ("brictl series 'bench.*' --limit 50", ["series", "bench.*", "--limit", "50"]),
            ("brictl show", ["show", middle]),
            ("brictl history", ["history", middle, "2004-06"]),
        ]
        for (label, arguments) in endToEnd {
            var times: [Double] = []
            for _ in 0..<5 { times.append(try Self.measure([brictlPath, "--socket", socket] + arguments).seconds * 1000) }
            parts.append(String(format: "%@ %.1f ms", label, Stats(times).median))
        }
        return parts.joined(separator: "; ")
    }

    private func median(_ runs: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            times.append((ContinuousClock.now - start).seconds * 1000)
        }
        return Stats(times).median
    }

    /// What `release N` answers, as one query for the sqlite3 shell: release_contents'
    /// periods split with json_each, each change's version and the one before it.
    static func changesQuery(release: Int64) -> String {
        """
        SELECT s.key, j.value, v.value, v.removed, p.value, p.removed, p.release_id
        FROM release_contents c JOIN series s ON s.id = c.series_id
        JOIN json_each('["' || replace(c.periods, ',', '","') || '"]') j
        JOIN observation_versions v ON v.series_id = c.series_id AND v.period = j.value AND v.release_id = c.release_id
        LEFT JOIN observation_versions p ON p.series_id = v.series_id AND p.period = v.period
          AND p.release_id = (SELECT max(q.release_id) FROM observation_versions q
                              WHERE q.series_id = v.series_id AND q.period = v.period AND q.release_id < v.release_id)
        WHERE c.release_id = \(release) ORDER BY c.series_id, j.key
        """
    }

    struct Run {
        let seconds: Double
        let peakMB: Double
    }

    /// Runs a command to its end, output to /dev/null: its wall time, and its peak RSS as
    /// GNU time reports it (wait4 here would count this process's own pages: posix_spawn
    /// shares them with the child until it execs).
    static func measure(_ command: [String]) throws -> Run {
        let report = NSTemporaryDirectory() + "brid-bench-time-\(getpid())"
        defer { unlink(report) }
        let arguments = ["/usr/bin/time", "-f", "%M", "-o", report] + command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let start = ContinuousClock.now
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchError("cannot run \(arguments[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let seconds = (ContinuousClock.now - start).seconds
        guard status == 0 else { throw BenchError("\(command.prefix(8).joined(separator: " ")) exited with status \(status)") }
        let kB = (try? String(contentsOfFile: report, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return Run(seconds: seconds, peakMB: (kB ?? .nan) / 1024)
    }

    /// Resets a process's VmHWM to its current RSS (`/proc/PID/clear_refs`, "5").
    static func resetPeak(pid: Int32) {
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(pid)/clear_refs"))
    }

    static func peak(pid: Int32) -> Double { status(pid: pid, "VmHWM:") }
    static func rss(pid: Int32) -> Double { status(pid: pid, "VmRSS:") }

    private static func status(pid: Int32, _ field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kB = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kB / 1024
    }
}
