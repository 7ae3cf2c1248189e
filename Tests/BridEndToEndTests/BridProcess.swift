import Foundation

/// Runs the built `brid` executable as a child process.
enum BridProcess {
    /// The folder holding the built products (`brid`, the test bundle).
    static let productsFolder: String = {
        if let override = ProcessInfo.processInfo.environment["BRID_PRODUCTS"] { return override }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test bundle may be a folder (…/bridPackageTests.xctest/…) on some setups.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("brid").path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.path
    }()

    static var bridPath: String { productsFolder + "/brid" }
    static var brictlPath: String { productsFolder + "/brictl" }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil,
                    executable: String = bridPath, prefix: [String] = []) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: prefix.first ?? executable)
        let arguments = prefix.isEmpty ? arguments : Array(prefix.dropFirst()) + [executable] + arguments
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for name in ["JOURNAL_STREAM", "BRID_SOCKET", "NO_COLOR"] { env.removeValue(forKey: name) }
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        let errData = Mutex(Data())
        let errReader = Thread { errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errReader.isFinished { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: errData.withLock { String(decoding: $0, as: UTF8.self) })
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
