import Foundation
import Synchronization

/// Runs a program to its end and collects what it printed: the built `brid` and `brictl`
/// as the end-to-end and binary tests run them.
public enum ProcessRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` with `arguments` in this process's environment, minus `removing`,
    /// plus `environment`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           removing: [String] = [], in directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for name in removing { env.removeValue(forKey: name) }
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

/// Where the built executables are: beside the test bundle, or `$BRID_PRODUCTS`.
public enum BuiltProducts {
    public static let folder: String = {
        if let override = ProcessInfo.processInfo.environment["BRID_PRODUCTS"] { return override }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test bundle may be a folder (…/bridPackageTests.xctest/…) on some setups.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("brid").path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.path
    }()

    public static var brid: String { folder + "/brid" }
    public static var brictl: String { folder + "/brictl" }
}
