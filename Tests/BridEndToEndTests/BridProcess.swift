import BridTestSupport
import Foundation

/// Runs the built `brid` (or `brictl`) as a child process, without the caller's
/// `JOURNAL_STREAM`, `BRID_SOCKET` and `NO_COLOR`.
enum BridProcess {
    static var bridPath: String { BuiltProducts.brid }

    /// `brid --once` under `/usr/bin/time`: its result and its peak RSS in bytes (nil when
    /// `time` did not say).
    static func measuredOnce(config: String) throws -> (run: Result, peakRSS: Int?) {
        let run = try run(["--once", "--config", config], prefix: ["/usr/bin/time", "-f", "maxrss_kb=%M"])
        let line = run.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kb=") }
        return (run, line.flatMap { Int($0.dropFirst("maxrss_kb=".count)) }.map { $0 * 1024 })
    }
    static var brictlPath: String { BuiltProducts.brictl }

    typealias Result = ProcessRunner.Result

    /// `prefix` runs the executable under another program (`runuser -u nobody --`).
    static func run(_ arguments: [String], environment: [String: String] = [:], removing: [String] = [], in directory: String? = nil,
                    executable: String = bridPath, prefix: [String] = []) throws -> Result {
        try ProcessRunner.run(prefix.first ?? executable, prefix.isEmpty ? arguments : Array(prefix.dropFirst()) + [executable] + arguments,
                              environment: environment, removing: ["JOURNAL_STREAM", "BRID_SOCKET", "NO_COLOR"] + removing, in: directory)
    }
}

import Synchronization

/// A temporary folder with a config for one drop source, for end-to-end runs.
final class Workspace {
    let root: String

    init(config: String) throws {
        root = NSTemporaryDirectory() + "brid-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try write("brid.toml", config)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A daemon with its state and socket in the workspace and one CSV drop source `d`.
    static let oneDropSource = """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"

        [[source]]
        id = "d"
        drop = "drop/d"
        format = "csv"
        """

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func files(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + relative)) ?? []).sorted()
    }

    func brid(_ arguments: String...) throws -> BridProcess.Result {
        try BridProcess.run(arguments + ["--config", root + "/brid.toml"])
    }

    /// Runs a query with the sqlite3 shell, read-only, as an operator would.
    func sql(_ query: String, database: String = "state/brid.sqlite") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", root + "/" + database, query]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
