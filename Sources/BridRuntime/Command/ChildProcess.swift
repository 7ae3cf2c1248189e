import BridCore
import CLinux
import Glibc

/// One command, from spawn to reaped, supervised by the (dedicated) thread that calls
/// `run`: it feeds standard input, keeps the tail of the output, and watches the clock.
struct ChildProcess {
    private let pid: pid_t
    private let input: [UInt8]
    private let deadline: ContinuousClock.Instant
    /// Readable when the child exits; -1 where pidfds are unavailable (then we poll).
    private var pidFD: Int32 = -1
    /// Our end of the child's standard input, -1 once closed.
    private var stdinFD: Int32
    private var written = 0
    /// Our end of the child's standard output and error, -1 once closed.
    private var outputFD: Int32
    private var tail: [UInt8] = []
    private var truncated = false
    /// When SIGKILL follows the SIGTERM sent at the deadline.
    private var killAt: ContinuousClock.Instant?
    private var killed = false
    private let cancellation: CancellationFlag
    /// The group was ended because the task was cancelled, not at the deadline.
    private var endedByCancellation = false
    /// How often cancellation is looked at while the command runs.
    private static let cancellationPoll: Int32 = 100

    /// At most this much is read or written in one go, so a flood does not starve the clock.
    private static let chunk = 64 << 10
    private static let budget = 1 << 20
    /// How often the child is looked at when there is no pidfd to wait on.
    private static let fallbackPoll: Int32 = 50

    /// Spawns `argv` and supervises it to the end; blocks.
    static func run(argv: [String], environment: [String], stdin: [UInt8], timeout: Duration,
                    cancellation: CancellationFlag = CancellationFlag()) -> Result<CommandOutcome, CommandError> {
        let program = argv[0]
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        guard clinux_cloexec_pipe(&inputPipe) == 0 else { return .failure(CommandError(program: program, errno: errno)) }
        guard clinux_cloexec_pipe(&outputPipe) == 0 else {
            let code = errno
            close(inputPipe[0])
            close(inputPipe[1])
            return .failure(CommandError(program: program, errno: code))
        }
        var pid: pid_t = 0
        let spawnError = withCStrings(argv) { cArgv in
            withCStrings(environment) { cEnvironment in
                clinux_spawn(&pid, program, cArgv, cEnvironment, inputPipe[0], outputPipe[1])
            }
        }
        // The child's ends: only the child may hold them, or EOF would never come.
        close(inputPipe[0])
        close(outputPipe[1])
        guard spawnError == 0 else {
            close(inputPipe[1])
            close(outputPipe[0])
            return .failure(CommandError(program: program, errno: spawnError))
        }
        let clock = ContinuousClock()
        let spawned = clock.now
        var child = ChildProcess(pid: pid, input: stdin, deadline: clock.now.advanced(by: min(timeout, .seconds(Int32.max))),
                                 stdinFD: inputPipe[1], outputFD: outputPipe[0], cancellation: cancellation)
        var outcome = child.supervise(clock: clock)
        outcome.duration = spawned.duration(to: clock.now)
        return .success(outcome)
    }

    private init(pid: pid_t, input: [UInt8], deadline: ContinuousClock.Instant, stdinFD: Int32, outputFD: Int32,
                 cancellation: CancellationFlag) {
        self.pid = pid
        self.cancellation = cancellation
        self.input = input
        self.deadline = deadline
        self.stdinFD = stdinFD
        self.outputFD = outputFD
    }

    private mutating func supervise(clock: ContinuousClock) -> CommandOutcome {
        for fd in [stdinFD, outputFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if input.isEmpty { closeStdin() }
        pidFD = clinux_pidfd_open(pid)
        // -1 (ECHILD) would mean someone else reaped it: gone all the same.
        while clinux_child_exited(pid) == 0 {
            let now = clock.now
            if killAt == nil, now >= deadline || cancellation.isCancelled {
                endedByCancellation = now < deadline
                signalGroup(SIGTERM)
                killAt = now.advanced(by: CommandRunner.killGrace)
            } else if let killAt, !killed, now >= killAt {
                signalGroup(SIGKILL)
                killed = true
            }
            waitForEvents(timeout: pollTimeout(now: clock.now))
        }
        // What it wrote before exiting is in the pipe; a background process that keeps the
        // pipe open must not keep us here, so take what is there and stop.
        readOutput()
        closeStdin()
        closeOutput()
        if pidFD >= 0 { close(pidFD) }
        let status = reap()
        let ending: CommandOutcome.Ending
        if let killAt {
            // The leader is reaped now; its pid still names the group while any member is left.
            if !killed { awaitEmptyGroup(until: killAt, clock: clock) }
            ending = endedByCancellation ? .cancelled : .timedOut
        } else if let status, clinux_wifsignaled(status) != 0 {
            ending = .signalled(clinux_wtermsig(status))
        } else if let status {
            ending = .exited(clinux_wexitstatus(status))
        } else {
            ending = .exited(-1)
        }
        return CommandOutcome(ending: ending, output: outputText())
    }

    /// Milliseconds until the next thing the clock should trigger (-1: none).
    private func pollTimeout(now: ContinuousClock.Instant) -> Int32 {
        let next: ContinuousClock.Instant? = killAt == nil ? deadline : (killed ? nil : killAt)
        var timeout: Int32 = next.map { Self.milliseconds(now.duration(to: $0)) } ?? -1
        if pidFD < 0 { timeout = timeout < 0 ? Self.fallbackPoll : min(timeout, Self.fallbackPoll) }
        if killAt == nil { timeout = timeout < 0 ? Self.cancellationPoll : min(timeout, Self.cancellationPoll) }
        return timeout
    }

    private mutating func waitForEvents(timeout: Int32) {
        var fds: [pollfd] = []
        if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
        if outputFD >= 0 { fds.append(pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)) }
        if pidFD >= 0 { fds.append(pollfd(fd: pidFD, events: Int16(POLLIN), revents: 0)) }
        guard poll(&fds, nfds_t(fds.count), timeout) > 0 else { return }  // timeout, or EINTR
        for entry in fds where entry.revents != 0 {
            if entry.fd == stdinFD { writeStdin() }
            if entry.fd == outputFD { readOutput() }
        }
    }

    /// Writes what the pipe takes now; closes it when all is written or the child is gone (EPIPE).
    private mutating func writeStdin() {
        var budget = Self.budget
        while stdinFD >= 0, budget > 0 {
            let count = min(input.count - written, Self.chunk)
            let result = input.withUnsafeBytes { write(stdinFD, $0.baseAddress! + written, count) }
            if result > 0 {
                written += result
                budget -= result
                if written == input.count { closeStdin() }
            } else if result < 0 && errno == EINTR {
                continue
            } else if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                closeStdin()
            }
        }
    }

    /// Reads what is in the pipe now, keeping the last `outputLimit` bytes; closes it at EOF.
    private mutating func readOutput() {
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        var budget = Self.budget
        while outputFD >= 0, budget > 0 {
            let result = buffer.withUnsafeMutableBytes { read(outputFD, $0.baseAddress, $0.count) }
            if result > 0 {
                tail.append(contentsOf: buffer[0..<result])
                if tail.count > CommandRunner.outputLimit {
                    tail.removeFirst(tail.count - CommandRunner.outputLimit)
                    truncated = true
                }
                budget -= result
            } else if result < 0 && errno == EINTR {
                continue
            } else if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                closeOutput()
            }
        }
    }

    private mutating func closeStdin() {
        if stdinFD >= 0 { close(stdinFD) }
        stdinFD = -1
    }

    private mutating func closeOutput() {
        if outputFD >= 0 { close(outputFD) }
        outputFD = -1
    }

    /// The child's pid is its process group's id; the group stays ours while the child is
    /// an unreaped zombie, which it is until `reap`.
    private func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// After a timeout whose SIGTERM ended the leader: gives the rest of its group the
    /// remainder of the grace period, then SIGKILL. (Processes that have died but whose new
    /// parent never reaps them still count as members, so then the wait is the whole grace.)
    private func awaitEmptyGroup(until killAt: ContinuousClock.Instant, clock: ContinuousClock) {
        while clock.now < killAt {
            if kill(-pid, 0) != 0 && errno == ESRCH { return }
            usleep(10_000)
        }
        signalGroup(SIGKILL)
    }

    /// Collects the exit status, which also frees the zombie; nil if it is lost (only if
    /// something else reaps brid's children, e.g. SIGCHLD set to SIG_IGN).
    private func reap() -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return status
    }

    private func outputText() -> String {
        // The cut may have fallen inside a UTF-8 sequence: drop its continuation bytes.
        let start = truncated ? (tail.prefix(3).firstIndex { $0 & 0xC0 != 0x80 } ?? 0) : 0
        return String(decoding: tail[start...], as: UTF8.self)
    }

    /// A duration as poll's milliseconds, rounded up so that the deadline has passed on waking.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let milliseconds = min(seconds, Int64(Int32.max)) * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    /// Calls `body` with `strings` as a NULL-terminated array of C strings.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
