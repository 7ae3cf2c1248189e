import Foundation
import Glibc

/// Runs a program to its end and collects what it printed: the built `brid` and `brictl`
/// as the end-to-end and binary tests run them.
public enum ProcessRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` with `arguments` in this process's environment, minus `removing`,
    /// plus `environment`; standard input is /dev/null.
    ///
    /// Spawned and waited for with posix_spawn and waitpid rather than Foundation's
    /// `Process`: its `waitUntilExit` waits on a run loop that, on a loaded machine, once
    /// missed a child's exit and hung the suite for good.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           removing: [String] = [], in directory: String? = nil) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for name in removing { env.removeValue(forKey: name) }
        env.merge(environment) { _, new in new }
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard pipeCloseOnExec(&out, O_CLOEXEC) == 0, pipeCloseOnExec(&err, O_CLOEXEC) == 0 else { throw SpawnError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        if let directory { spawnChdir(&actions, directory) }
        closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(out[1])
        close(err[1])
        defer { close(out[0]); close(err[0]) }
        guard spawned == 0 else { throw SpawnError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
        // Read both pipes until both end, so a chatty child cannot block on a full pipe.
        var outData = [UInt8](), errData = [UInt8]()
        var fds = [pollfd(fd: out[0], events: Int16(POLLIN), revents: 0), pollfd(fd: err[0], events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                throw SpawnError("poll: \(String(cString: strerror(errno)))")
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = read(fds[i].fd, &buffer, buffer.count)
                if n > 0 {
                    if i == 0 { outData += buffer[..<n] } else { errData += buffer[..<n] }
                } else if n == 0 || errno != EINTR {
                    fds[i].fd = -1
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SpawnError("waitpid \(pid): \(String(cString: strerror(errno)))") }
        }
        return Result(status: exitCode(status), stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A wait status as Foundation reported it: the exit status, or the number of the signal
    /// that ended the process.
    public static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f
    }

    /// Passes no descriptor of this process but 0, 1 and 2 to the child: a pipe of another
    /// test's child inherited by it (or by a server it leaves running) would never see its
    /// end, and that test would wait for ever.
    public static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let closeFrom {
            _ = closeFrom(&actions, 3)
        } else {
            let fds = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
            for fd in fds where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later), which Swift's Glibc does not import.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

// glibc functions Swift's Glibc module leaves out (they need _GNU_SOURCE). The pipes must
// be close-on-exec from the start: a write end leaked into a child another test spawns at
// the same moment would keep this run's output open until that child ends.
@_silgen_name("pipe2")
private func pipeCloseOnExec(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
@_silgen_name("posix_spawn_file_actions_addchdir_np")
@discardableResult
private func spawnChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

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
