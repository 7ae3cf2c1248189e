import Foundation

/// `brid` running as a daemon in a child process; its stderr goes to a file that tests read.
///
/// Spawned with posix_spawn rather than Foundation's Process, which mistakes a child that
/// execs again (systemd-socket-activate → brid) for one that exited and then blocks in
/// wait4 on it.
final class DaemonProcess {
    let pid: pid_t
    let logPath: String
    private var exitStatus: Int32?

    /// - Parameter via: a program and its arguments to start brid under (systemd-socket-activate).
    /// - Parameter extra: more arguments for brid (`--once`).
    init(config: String, environment: [String: String] = [:], logPath: String, via: [String] = [], extra: [String] = []) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let arguments = via + [BridProcess.bridPath, "--config", config] + extra
        var env = ProcessInfo.processInfo.environment
        for name in ["JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"] { env.removeValue(forKey: name) }
        env.merge(environment) { _, new in new }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_APPEND, 0)
        // Nothing else of the test process (its pipes to other children) leaks in.
        _ = spawnCloseFrom(&actions, 3)
        // Test threads block signals; the child starts with none blocked and default handlers.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw WaitTimeout(description: "cannot start \(arguments[0]): \(String(cString: strerror(rc)))") }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            reap(blocking: true)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool {
        reap(blocking: false)
        return exitStatus == nil
    }

    private func reap(blocking: Bool) {
        guard exitStatus == nil else { return }
        var status: Int32 = 0
        if waitpid(pid, &status, blocking ? 0 : WNOHANG) == pid {
            // WIFEXITED/WEXITSTATUS are macros: decode by hand.
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the log to contain `text` (in real time, up to `seconds`).
    func waitForLog(_ text: String, seconds: Double = 5) throws {
        try waitUntil("the log shows \"\(text)\"", seconds: seconds) { self.log.contains(text) }
    }

    /// Waits for brid to exit on its own (in real time, up to `seconds`); its status.
    func waitForExit(seconds: Double = 10) throws -> Int32 {
        try waitUntil("brid exits", seconds: seconds) { !self.isRunning }
        return exitStatus ?? -1
    }

    /// Sends SIGTERM and waits for the exit; returns the status and how long it took.
    func terminate(seconds: Double = 10) throws -> (status: Int32, elapsed: Double) {
        let start = Date()
        signal(SIGTERM)
        try waitUntil("brid exits", seconds: seconds) { !self.isRunning }
        return (exitStatus ?? -1, Date().timeIntervalSince(start))
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module hides.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

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

