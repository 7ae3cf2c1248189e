import Foundation

/// `brid` running as a daemon in a child process; its stderr goes to a file that tests read.
final class DaemonProcess {
    let process = Process()
    let logPath: String

    init(config: String, environment: [String: String] = [:], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: BridProcess.bridPath)
        process.arguments = ["--config", config]
        var env = ProcessInfo.processInfo.environment
        for name in ["JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"] { env.removeValue(forKey: name) }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the log to contain `text` (in real time, up to `seconds`).
    func waitForLog(_ text: String, seconds: Double = 5) throws {
        try waitUntil("the log shows \"\(text)\"", seconds: seconds) { self.log.contains(text) }
    }

    /// Sends SIGTERM and waits for the exit; returns the status and how long it took.
    func terminate(seconds: Double = 10) throws -> (status: Int32, elapsed: Double) {
        let start = Date()
        signal(SIGTERM)
        try waitUntil("brid exits", seconds: seconds) { !self.process.isRunning }
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(start))
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    let description: String
}

func waitUntil(_ what: String, seconds: Double, poll: Double = 0.01, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: poll)
    }
    if try condition() { return }
    throw WaitTimeout(description: "timed out after \(seconds) s waiting until \(what)")
}
