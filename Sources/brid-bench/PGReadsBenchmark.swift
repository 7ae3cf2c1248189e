import BridCore
import BridFormats
import BridProtocol
import BridRuntime
import BridStore
import BridTestSupport
import Foundation

/// `brid-bench --pg-reads CONNINFO [--brid PATH] [--series N] [--periods N]`: the read figure
/// of issue 11 point 7, `show` and `history` round trips on PostgreSQL ≤ 2× SQLite's. The
/// same store is built on both backends through the store API (N series × M monthly
/// periods, then three releases that revise 1 % of the values each), a real brid daemon
/// is started on each (`[store] kind = "postgresql"` on CONNINFO, an empty database, for
/// one), and 200 `series.show SERIES` and 200 `series.history SERIES PERIOD` requests go
/// over each daemon's control socket (the control protocol on one persistent connection,
/// as `--control` part 3 does: no brictl process), the two backends in turns, request by
/// request. Then the same reads through the store API in this process (the cursor opened,
/// drained and closed; and with the `seriesInfo` the daemon asks first), to separate the
/// store from the socket. Each figure: median and p95, and PostgreSQL ÷ SQLite.
struct PGReadsBenchmark {
    let conninfo: String
    let bridPath: String
    let series: Int
    let periods: Int
    let runs: Int

    func run() async throws -> String {
        let root = NSTemporaryDirectory() + "brid-bench-pg-reads-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        for backend in ["sqlite", "postgresql"] {
            try FileManager.default.createDirectory(atPath: root + "/\(backend)/state", withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        var lines: [String] = []
        func report(_ line: String) { lines.append(line) }

        // The same releases into both stores.
        let files = try (0..<4).map { release in
            let path = root + "/release-\(release + 1).csv"
            try writeLongCSV(to: path, series: series, periods: periods, changeEvery: [nil, 100, 50, 25][release])
            return path
        }
        let sqlitePath = root + "/sqlite/state/brid.sqlite"
        var built: [String] = []
        for backend in ["sqlite", "postgresql"] {
            let start = ContinuousClock.now
            let store: any VintageStore = backend == "sqlite" ? try SQLiteStore(path: sqlitePath)
                : try PostgresStore(url: conninfo, password: nil, instance: "bench-build")
            defer { store.close() }
            let ingestor = Ingestor(store: store, folder: root)
            let source = Ingestor.SourceSpec(id: "bench", reader: try CSVFormat(settings: FormatSettings()), snapshot: false)
            var outcomes: [String] = []
            for file in files {
                outcomes.append(IngestBenchmark.describe(try ingestor.ingest(file: try MappedFile(path: file), origin: file, source: source, at: Date())))
            }
            built.append(String(format: "%@ %.1f s (%@)", backend, (ContinuousClock.now - start).seconds, outcomes.joined(separator: "; ")))
        }
        for file in files { try? FileManager.default.removeItem(atPath: file) }
        report("brid-bench --pg-reads: \(series) series × \(periods) monthly periods, 4 releases (1 % revised in each of the last three); \(ProcessInfo.processInfo.activeProcessorCount) cores")
        report("built through the store API: " + built.joined(separator: ", "))

        // The keys asked for: `runs` series spread over the store; the period revised by release 2.
        let keys = (0..<runs).map { "bench.s" + String($0 * series / runs).leftPadded(to: 5) }
        let revised = periods - 1
        let period = String(2000 + revised / 12) + "-" + String(revised % 12 + 1).leftPadded(to: 2)

        // 1. The control socket of a real daemon on each backend.
        let (sqliteDaemon, sqliteSocket) = try startBenchDaemon(in: root + "/sqlite", bridPath: bridPath)
        defer { sqliteDaemon.terminate() }
        let pgStore = """
            [store]
            kind = "postgresql"
            url = "\(conninfo)"
            """
        let (pgDaemon, pgSocket) = try startBenchDaemon(in: root + "/postgresql", bridPath: bridPath, instance: "bench-reads", store: pgStore)
        defer { pgDaemon.terminate() }
        let sqliteClient = try LineSocket(path: sqliteSocket)
        let pgClient = try LineSocket(path: pgSocket)
        func show(_ key: String) -> [UInt8] {
            Array(#"{"v":\#(ControlProtocol.protocolVersion),"id":1,"cmd":"series.show","args":{"series":"\#(key)"}}"#.utf8) + [0x0A]
        }
        func history(_ key: String) -> [UInt8] {
            Array(#"{"v":\#(ControlProtocol.protocolVersion),"id":1,"cmd":"series.history","args":{"series":"\#(key)","period":"\#(period)"}}"#.utf8) + [0x0A]
        }
        func roundTrip(_ client: LineSocket, _ request: [UInt8], rows: Int) throws {
            try client.send(request)
            let reply = try client.readReply()  // header, lines of rows, end: both stream
            guard reply[0].contains("\"ok\":true"), reply.last?.hasPrefix(#"{"end":{"rows":\#(rows)"#) == true else {
                throw BenchError("\(String(decoding: request.dropLast(), as: UTF8.self)) failed: \(reply.count) lines, \(reply[0].prefix(300))")
            }
        }
        let versions = 2
        let showSocket = try inTurns(keys) { try roundTrip(sqliteClient, show($0), rows: periods) }
                                       postgresql: { try roundTrip(pgClient, show($0), rows: periods) }
        let historySocket = try inTurns(keys) { try roundTrip(sqliteClient, history($0), rows: versions) }
                                          postgresql: { try roundTrip(pgClient, history($0), rows: versions) }
        report("")
        report("round trip over the daemon's control socket (one persistent connection, the control protocol; \(runs) requests each, the backends in turns)")
        report(header)
        report(row("show SERIES (\(periods) rows)", showSocket))
        report(row("history SERIES \(period) (\(versions) rows)", historySocket))

        // 2. The store API in this process, beside the running daemons.
        let sqlite = try SQLiteStore(path: sqlitePath)
        defer { sqlite.close() }
        let pg = try PostgresStore(url: conninfo, password: nil, instance: "bench-reads-api")
        defer { pg.close() }
        func drainShow(_ store: any VintageStore, _ key: String, info: Bool) throws {
            if info { guard try store.seriesInfo(key) != nil else { throw BenchError("no series \(key)") } }
            let cursor = try store.observationsCursor(series: key, vintage: .latest, from: nil, to: nil)
            defer { cursor.close() }
            var count = 0
            while case let batch = try cursor.next(256), !batch.isEmpty { count += batch.count }
            guard count == periods else { throw BenchError("show \(key): \(count) rows, not \(periods)") }
        }
        func drainHistory(_ store: any VintageStore, _ key: String, info: Bool) throws {
            if info { guard try store.seriesInfo(key) != nil else { throw BenchError("no series \(key)") } }
            let cursor = try store.historyCursor(series: key, period: period)
            defer { cursor.close() }
            var count = 0
            while case let batch = try cursor.next(256), !batch.isEmpty { count += batch.count }
            guard count == versions else { throw BenchError("history \(key) \(period): \(count) versions, not \(versions)") }
        }
        report("")
        report("the store API in this process (cursor opened, drained, closed; “+ seriesInfo”: the lookup the daemon makes first)")
        report(header)
        report(row("observationsCursor, latest", try inTurns(keys) { try drainShow(sqlite, $0, info: false) } postgresql: { try drainShow(pg, $0, info: false) }))
        report(row("seriesInfo + observationsCursor", try inTurns(keys) { try drainShow(sqlite, $0, info: true) } postgresql: { try drainShow(pg, $0, info: true) }))
        report(row("historyCursor", try inTurns(keys) { try drainHistory(sqlite, $0, info: false) } postgresql: { try drainHistory(pg, $0, info: false) }))
        report(row("seriesInfo + historyCursor", try inTurns(keys) { try drainHistory(sqlite, $0, info: true) } postgresql: { try drainHistory(pg, $0, info: true) }))
        return lines.joined(separator: "\n")
    }

    private struct Times {
        let sqlite: [Double]
        let postgresql: [Double]
    }

    /// `first` and `second` in turns for each key (after one warm-up round over all keys,
    /// so that both read from warm caches), in milliseconds.
    private func inTurns(_ keys: [String], _ first: (String) throws -> Void, postgresql second: (String) throws -> Void) throws -> Times {
        for key in keys {
            try first(key)
            try second(key)
        }
        var times: ([Double], [Double]) = ([], [])
        for key in keys {
            var start = ContinuousClock.now
            try first(key)
            times.0.append((ContinuousClock.now - start).seconds * 1000)
            start = ContinuousClock.now
            try second(key)
            times.1.append((ContinuousClock.now - start).seconds * 1000)
        }
        return Times(sqlite: times.0, postgresql: times.1)
    }

    private let header = "                                      SQLite median    p95   PostgreSQL median    p95   PG ÷ SQLite (median, p95)   target"

    private func row(_ label: String, _ times: Times) -> String {
        let (s, p) = (Percentiles(times.sqlite), Percentiles(times.postgresql))
        let ratio = p.median / s.median
        return String(format: "%@ %8.3f ms %7.3f ms %10.3f ms %7.3f ms   %6.2f×  %6.2f×                ≤ 2× %@",
                      label.padding(toLength: 36, withPad: " ", startingAt: 0), s.median, s.p95, p.median, p.p95,
                      ratio, p.p95 / s.p95, ratio <= 2 ? "ok" : "MISS")
    }
}

private struct Percentiles {
    let median: Double
    let p95: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        median = sorted[sorted.count / 2]
        p95 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))]
    }
}
