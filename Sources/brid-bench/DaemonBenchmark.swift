import BridCore
import BridDaemon
import BridRuntime
import Foundation
import Logging

/// `brid-bench --daemon`: the daemon's footprint, with the built `brid` binary and a
/// publisher (Tests/BridEndToEndTests/Support/publisher.py) on 127.0.0.1.
///   1. 50 URL sources on 1 h schedules in-process on a manual clock: RSS after one
///      hour-equivalent (the second round of fetches done), measured first so that the
///      benchmark's own child processes do not count;
///   2. the same 50 sources with the real binary: CPU time and RSS of brid over 60 s of
///      real idle after the first round of fetches;
///   3. drop-to-ingested latency of a small file, 20 times: median and worst;
///   4. 200 URL sources fetched in one cycle with max_concurrent_fetches = 8 (`brid --once`).
struct DaemonBenchmark {
    let bridPath: String
    let publisherScript: String
    let idleSeconds: Double

    func run() async throws -> String {
        let root = NSTemporaryDirectory() + "brid-bench-daemon-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root + "/published", withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["BRID_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } }
        for i in 0..<200 {
            try Data("series,period,value\nbench.url\(i),2018,\(i).5\n".utf8).write(to: URL(fileURLWithPath: root + "/published/s\(i).csv"))
        }
        let publisher = try ChildProcess(["/usr/bin/env", "python3", publisherScript, root + "/published"], stdin: true)
        guard let port = publisher.firstLine.flatMap(Int.init) else { throw BenchError("publisher.py did not start") }
        var lines: [String] = []
        func report(_ line: String) { lines.append(line); FileHandle.standardError.write(Data((line + "\n").utf8)) }
        FileHandle.standardError.write(Data("brid-bench --daemon: brid \(bridPath), publisher on 127.0.0.1:\(port)\n".utf8))

        // 1. One hour-equivalent on a manual clock, in-process.
        let configPath = try writeConfig(root + "/clock", port: port, sources: 50, every: "1h", maxConcurrent: 4, drop: false)
        let config = try ConfigLoader.load(path: configPath).get()
        let clock = ManualClock(now: Date())
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let built = try buildDaemon(config: config, environment: DaemonEnvironment(clock: clock, logger: logger, variables: [:]))
        let group = Task { try await built.group?.run() }
        try await waitForAsync(seconds: 30) { try built.daemon.store.releases(limit: 100).count == 50 }
        // One hour plus the largest jitter (a tenth of the interval, at most 5 minutes).
        for _ in 0..<66 {
            clock.advance(by: 60)
            try await Task.sleep(for: .milliseconds(5))
        }
        try await waitForAsync(seconds: 30) {
            let states = try built.daemon.store.sourceStates()
            return states.filter { ($0.lastCheckAt ?? .distantPast) > clock.now().addingTimeInterval(-3000) }.count == 50
        }
        try await Task.sleep(for: .milliseconds(200))
        let inProcess = try ProcessStats(pid: getpid())
        group.cancel()
        _ = await group.result
        report(String(format: "after one hour-equivalent on a manual clock (two checks of each of 50 sources), in-process RSS %.1f MB (target ≤ 30 MB)",
                            Double(inProcess.rssBytes) / 1_048_576))

        // 2. Real idle of the real binary.
        let config50 = try writeConfig(root + "/idle", port: port, sources: 50, every: "1h", maxConcurrent: 4, drop: true)
        let brid = try ChildProcess([bridPath, "--config", config50], stderrPath: root + "/idle/brid.log")
        try waitFor(seconds: 30) { (try? String(contentsOfFile: root + "/idle/brid.log", encoding: .utf8))?.components(separatedBy: "fetched: release").count == 51 }
        try await Task.sleep(for: .seconds(1))
        let before = try ProcessStats(pid: brid.pid)
        try await Task.sleep(for: .seconds(idleSeconds))
        let after = try ProcessStats(pid: brid.pid)
        report(String(format: "idle, 50 URL sources every 1h: CPU %.3f s over %.0f s of real idle (target ≤ 0.05 s), RSS %.1f MB",
                            after.cpuSeconds - before.cpuSeconds, idleSeconds, Double(after.rssBytes) / 1_048_576))

        // 3. Drop latency against the same running daemon.
        var latencies: [Double] = []
        let drop = root + "/idle/state/drop/bench"
        for i in 0..<20 {
            let staged = root + "/idle/staged-\(i).csv"
            try Data("series,period,value\nbench.drop,\(2000 + i),\(i)\n".utf8).write(to: URL(fileURLWithPath: staged))
            let start = ContinuousClock.now
            rename(staged, drop + "/d\(i).csv")
            try waitFor(seconds: 5, poll: 0.0005) { FileManager.default.fileExists(atPath: drop + "/processed/d\(i).csv") }
            latencies.append((ContinuousClock.now - start).seconds * 1000)
        }
        brid.terminate()
        latencies.sort()
        report(String(format: "drop to ingested, 20 small files: median %.1f ms, worst %.1f ms (target median ≤ 1000 ms)",
                            latencies[latencies.count / 2], latencies.last!))

        // 4. 200 sources in one cycle.
        let config200 = try writeConfig(root + "/cycle", port: port, sources: 200, every: "1h", maxConcurrent: 8, drop: false)
        let start = ContinuousClock.now
        let once = try ChildProcess([bridPath, "--once", "--config", config200], stderrPath: root + "/cycle/brid.log")
        let status = once.wait()
        let seconds = (ContinuousClock.now - start).seconds
        let log = (try? String(contentsOfFile: root + "/cycle/brid.log", encoding: .utf8)) ?? ""
        report(String(format: "200 URL sources in one cycle, max_concurrent_fetches = 8: %.2f s (brid --once, exit %d, %d releases)",
                            seconds, status, log.components(separatedBy: "fetched: release").count - 1))
        publisher.terminate()
        return lines.joined(separator: "\n")
    }

    private func writeConfig(_ folder: String, port: Int, sources: Int, every: String, maxConcurrent: Int, drop: Bool) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var text = "[daemon]\nstate_dir = \"state\"\nmax_concurrent_fetches = \(maxConcurrent)\n"
        if drop { text += "\n[[source]]\nid = \"bench\"\ndrop = \"drop/bench\"\nformat = \"csv\"\n" }
        for i in 0..<sources {
            text += "\n[[source]]\nid = \"s\(i)\"\nurl = \"http://127.0.0.1:\(port)/s\(i).csv\"\nformat = \"csv\"\nevery = \"\(every)\"\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/brid.toml"))
        return folder + "/brid.toml"
    }
}

/// CPU time and resident memory of a process, from /proc.
struct ProcessStats {
    let cpuSeconds: Double
    let rssBytes: Int

    init(pid: Int32) throws {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        cpuSeconds = (Double(fields[11])! + Double(fields[12])!) / ticks
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        rssBytes = (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }
}

/// A child process with optional stdin pipe (closing it stops publisher.py) and stderr file.
final class ChildProcess {
    let process = Process()
    private var input: Pipe?
    private(set) var firstLine: String?

    init(_ arguments: [String], stdin: Bool = false, stderrPath: String? = nil, quiet: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID"] { env.removeValue(forKey: name) }
        process.environment = env
        let output = Pipe()
        process.standardOutput = quiet ? FileHandle.nullDevice : output
        if stdin {
            let pipe = Pipe()
            input = pipe
            process.standardInput = pipe
        }
        if quiet { process.standardError = FileHandle.nullDevice }
        if let stderrPath {
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
        }
        try process.run()
        if stdin {
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) { line += byte }
            firstLine = String(decoding: line, as: UTF8.self)
        }
    }

    var pid: Int32 { process.processIdentifier }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    func terminate() {
        try? input?.fileHandleForWriting.close()
        if process.isRunning { kill(pid, SIGTERM) }
        process.waitUntilExit()
    }
}

/// Polls without blocking a thread (the in-process daemon needs the cooperative pool).
func waitForAsync(seconds: Double, poll: Double = 0.01, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(Int64(poll * 1000)))
    }
    throw BenchError("timed out after \(seconds) s")
}

func waitFor(seconds: Double, poll: Double = 0.01, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: poll)
    }
    throw BenchError("timed out after \(seconds) s")
}
