import BridProtocol
import BridCore
import BridStore
import BridTestSupport
import Foundation
import Synchronization

/// `brid-bench --control`: the control socket and brictl, against the built `brid` and
/// `brictl` (static release builds, as shipped).
///   1. `brictl status` and `brictl show` end to end (process start, connect, query,
///      print), 200 runs each: median and p99, beside `sqlite3 -readonly` answering the
///      same question, the two run in turns;
///   2. the socket alone: `status` requests per second over persistent connections, with
///      1 and with 16 concurrent clients;
///   3. `show` of a series with 500 vintages as of a middle date: the store's query time
///      in-process, and the round trip over the socket.
struct ControlBenchmark {
    let bridPath: String
    let brictlPath: String
    let runs: Int

    func run() async throws -> String {
        let root = NSTemporaryDirectory() + "brid-bench-control-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var lines: [String] = []
        func report(_ line: String) { lines.append(line); FileHandle.standardError.write(Data((line + "\n").utf8)) }

        // A store with a monthly series of 120 periods revised by 500 releases, and 50 others.
        let middle = try makeStore(root + "/state/brid.sqlite")
        let (brid, socket) = try startBenchDaemon(in: root, bridPath: bridPath)
        defer { brid.terminate() }

        // 1. End to end.
        let asOf = Timestamp.format(middle)
        // brictl and sqlite3 alternate, run by run, so that the shared machine's load drifts
        // over both alike and their ratio holds.
        let database = root + "/state/brid.sqlite"
        let (status, sqlStatus) = try timeRuns({ try run([brictlPath, "--socket", socket, "status"]) },
                                               { try run(["/usr/bin/sqlite3", "-readonly", database, "SELECT id, last_check_at, last_error, consecutive_failures FROM sources"]) })
        let millis = Int64(middle.timeIntervalSince1970 * 1000)
        let (show, sqlShow) = try timeRuns({ try run([brictlPath, "--socket", socket, "show", "bench.vintaged", "--as-of", asOf]) }, {
            try run(["/usr/bin/sqlite3", "-readonly", database, """
                SELECT v.period, v.value FROM observation_versions v JOIN series s ON s.id = v.series_id
                WHERE s.key = 'bench.vintaged' AND v.release_id = (SELECT max(w.release_id) FROM observation_versions w
                  WHERE w.series_id = v.series_id AND w.period = v.period
                    AND w.release_id <= (SELECT max(id) FROM releases WHERE ingested_at <= \(millis)))
                ORDER BY v.period
                """])
        })
        report(String(format: "brictl status, end to end, %d runs: median %.1f ms, p99 %.1f ms (target median ≤ 10 ms); sqlite3 -readonly, same question: median %.1f ms → %.2f×",
                      runs, status.median, status.p99, sqlStatus.median, status.median / sqlStatus.median))
        report(String(format: "brictl show (500 vintages, as of a middle date), end to end: median %.1f ms, p99 %.1f ms; sqlite3 -readonly: median %.1f ms → %.2f× (target ≤ 3×)",
                      show.median, show.p99, sqlShow.median, show.median / sqlShow.median))

        // 2. Requests per second.
        for clients in [1, 16] {
            let rate = try throughput(socket: socket, clients: clients, seconds: 3)
            report(String(format: "socket: %d client%@, status requests: %.0f/s (target ≥ 20,000/s with 16)", clients, clients == 1 ? "" : "s", rate))
        }

        // 3. Show, server side.
        let store = try SQLiteStore(path: database)
        var storeTimes: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            _ = try store.observations(series: "bench.vintaged", vintage: .time(middle))
            storeTimes.append((ContinuousClock.now - start).seconds * 1000)
        }
        let client = try LineSocket(path: socket)
        let request = Array(#"{"v":\#(ControlProtocol.protocolVersion),"id":1,"cmd":"series.show","args":{"series":"bench.vintaged","asOf":"\#(asOf)"}}"#.utf8) + [0x0A]
        var roundTrips: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try client.send(request)
            let reply = try client.readReply()  // header, rows, end: show streams
            roundTrips.append((ContinuousClock.now - start).seconds * 1000)
            guard reply[0].contains("\"ok\":true"), reply.last?.hasPrefix(#"{"end":"#) == true else {
                throw BenchError("show failed: \(reply[0].prefix(200))")
            }
        }
        report(String(format: "show of a series with 500 vintages as of a middle date: store query median %.3f ms, socket round trip median %.3f ms, p99 %.3f ms (target ≤ 2 ms)",
                      Stats(storeTimes).median, Stats(roundTrips).median, Stats(roundTrips).p99))
        return lines.joined(separator: "\n")
    }

    /// 500 releases of `bench.vintaged` (120 months; each release revises four values and
    /// adds nothing), one day apart; returns the ingest time of release 250.
    private func makeStore(_ path: String) throws -> Date {
        let store = try SQLiteStore(path: path)
        var values = (0..<120).map { "\(1000 + $0).5" }
        let start = Date().addingTimeInterval(-600 * 86_400)
        var middle = start
        for release in 1...500 {
            if release > 1 { for k in 0..<4 { values[(release * 7 + k * 31) % 120] = "\(1000 + release).\(k)" } }
            var builder = PayloadBuilder(origin: "vintage-\(release).csv") { $0 == "bench.vintaged" ? .monthly : nil }
            for (i, value) in values.enumerated() {
                try builder.add(series: "bench.vintaged", period: "\(2010 + i / 12)-\(String(format: "%02d", i % 12 + 1))", value: value,
                                ordinal: Int32(i + 2), place: .line(i + 2))
            }
            for s in 0..<50 where release == 1 {
                try builder.add(series: "bench.other\(s)", period: "2018", value: "\(s)", ordinal: 1, place: .line(1))
            }
            let at = start.addingTimeInterval(Double(release) * 86_400)
            if release == 250 { middle = at.addingTimeInterval(3600) }
            _ = try store.ingest(try builder.finish(), source: "bench", recordRemovals: false,
                                 sha256: String(format: "%064x", release), at: at)
        }
        return middle
    }

    /// Runs a command to its end with posix_spawn (Foundation's Process adds ~50 ms of its
    /// own per run here, which would swamp what is measured), output to /dev/null.
    private func run(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchError("cannot run \(arguments[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw BenchError("\(arguments.joined(separator: " ")) exited with status \(status)") }
    }

    /// `first` and `second` in turns, `runs` times each (after one warm-up run each).
    private func timeRuns(_ first: () throws -> Void, _ second: () throws -> Void) throws -> (Stats, Stats) {
        try first()  // warm the page cache
        try second()
        var times: ([Double], [Double]) = ([], [])
        for _ in 0..<runs {
            var start = ContinuousClock.now
            try first()
            times.0.append((ContinuousClock.now - start).seconds * 1000)
            start = ContinuousClock.now
            try second()
            times.1.append((ContinuousClock.now - start).seconds * 1000)
        }
        return (Stats(times.0), Stats(times.1))
    }

    private func throughput(socket: String, clients: Int, seconds: Double) throws -> Double {
        let total = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let deadline = Date().addingTimeInterval(seconds)
        let request = Array(#"{"v":\#(ControlProtocol.protocolVersion),"id":1,"cmd":"status"}"#.utf8) + [0x0A]
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for _ in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                guard let client = try? LineSocket(path: socket) else { failures.add(1, ordering: .relaxed); return }
                var count = 0
                while Date() < deadline {
                    guard let reply = try? client.roundTrip(request), reply.contains("\"ok\":true") else {
                        failures.add(1, ordering: .relaxed)
                        return
                    }
                    count += 1
                }
                total.add(count, ordering: .relaxed)
            }
            thread.start()
        }
        group.wait()
        let elapsed = (ContinuousClock.now - start).seconds
        guard failures.load(ordering: .relaxed) == 0 else { throw BenchError("\(failures.load(ordering: .relaxed)) clients failed") }
        return Double(total.load(ordering: .relaxed)) / elapsed
    }
}

struct Stats {
    let median: Double
    let p99: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        median = sorted[sorted.count / 2]
        p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
    }
}

