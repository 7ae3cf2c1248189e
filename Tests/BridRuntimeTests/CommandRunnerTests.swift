import BridRuntime
import Foundation
import Testing

/// Real child processes: /bin/sh scripts report what they saw through files and output.
@Suite struct CommandRunnerTests {
    /// A temporary folder for a test's files, removed at the end.
    final class Scratch {
        let path = NSTemporaryDirectory() + "brid-exec-" + UUID().uuidString

        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))) }

        /// A pid a script wrote to a file.
        func pid(_ name: String) throws -> pid_t {
            let text = String(decoding: try bytes(name), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return try #require(pid_t(text))
        }
    }

    static func shell(_ script: String) -> [String] { ["/bin/sh", "-c", script] }

    /// Bytes that are not text: every value, in a pattern that does not repeat quickly.
    static func binary(count: Int) -> [UInt8] {
        var state: UInt32 = 2_463_534_242
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// True once `pid` has ended. A zombie counts as ended: it waits only to be reaped by
    /// its new parent (PID 1 once its own parent was killed), and some containers' PID 1
    /// never reaps, so `kill(pid, 0)` would go on succeeding for a dead process.
    static func isGone(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // "pid (comm) S ...": the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return stat.isEmpty }
        return stat[close...].dropFirst(2).first == "Z"
    }

    /// The outcome and how long the command ran, as its supervising thread measured it (the
    /// test's own clock would add the time its task waits to be resumed on a busy pool).
    static func elapsed(_ body: () async throws -> CommandOutcome) async rethrows -> (CommandOutcome, Duration) {
        let outcome = try await body()
        return (outcome, outcome.duration)
    }

    @Test func stdinArrivesExactly() async throws {
        let scratch = try Scratch()
        let alert = Array(#"{"alert":"cpi.late","message":"Ünïcödé €"}"#.utf8) + [0, 0xFF, 0x0A]
        let outcome = try await CommandRunner.run(Self.shell(#"cat > "$OUT""#), stdin: alert,
                                                  environment: ["OUT": scratch.path + "/stdin"], timeout: .seconds(20))
        #expect(outcome == CommandOutcome(ending: .exited(0), output: ""))
        #expect(outcome.succeeded)
        #expect(try scratch.bytes("stdin") == alert)
    }

    @Test func oneMebibyteOfStdinArrivesExactly() async throws {
        let scratch = try Scratch()
        let input = Self.binary(count: 1 << 20)
        let outcome = try await CommandRunner.run(Self.shell(#"cat > "$OUT""#), stdin: input,
                                                  environment: ["OUT": scratch.path + "/stdin"], timeout: .seconds(20))
        #expect(outcome.ending == .exited(0))
        let received = try scratch.bytes("stdin")
        #expect(received.count == input.count)
        #expect(received == input)
    }

    @Test func emptyStdinIsClosedAtOnce() async throws {
        // `cat` only ends at EOF: with nothing to write, stdin must be closed, not left open.
        let outcome = try await CommandRunner.run(["/bin/cat"], stdin: [], environment: [:], timeout: .seconds(20))
        #expect(outcome == CommandOutcome(ending: .exited(0), output: ""))
    }

    @Test func environmentIsTheCleanBasePlusTheCallersVariables() async throws {
        let secret = "BRID_TEST_SECRET_\(UUID().uuidString.prefix(8))"
        setenv(secret, "must-not-leak", 1)
        defer { unsetenv(secret) }
        let outcome = try await CommandRunner.run(["/usr/bin/env"], stdin: [],
                                                  environment: ["BRID_ALERT_ID": "cpi.late", "BRID_ALERT_NOTE": "a b=c"],
                                                  timeout: .seconds(20))
        #expect(outcome.ending == .exited(0))
        let lines = outcome.output.split(separator: "\n").map(String.init)
        var seen: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            seen[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        #expect(seen["BRID_ALERT_ID"] == "cpi.late")
        #expect(seen["BRID_ALERT_NOTE"] == "a b=c")
        #expect(seen["PATH"] == "/usr/local/bin:/usr/bin:/bin")
        #expect(seen[secret] == nil)
        for name in ["LANG", "TZ", "HOME"] {
            #expect(seen[name] == ProcessInfo.processInfo.environment[name])
        }
        #expect(Set(seen.keys).isSubset(of: ["PATH", "LANG", "TZ", "HOME", "BRID_ALERT_ID", "BRID_ALERT_NOTE"]))
    }

    @Test func callersVariablesOverrideTheBase() async throws {
        let outcome = try await CommandRunner.run(Self.shell(#"printf '%s|%s' "$PATH" "$HOME""#), stdin: [],
                                                  environment: ["PATH": "/opt/alerts/bin", "HOME": "/var/lib/brid"],
                                                  timeout: .seconds(20))
        #expect(outcome == CommandOutcome(ending: .exited(0), output: "/opt/alerts/bin|/var/lib/brid"))
    }

    @Test func failureKeepsExitCodeAndOutput() async throws {
        let outcome = try await CommandRunner.run(Self.shell("echo 'posting alert'; echo 'webhook: 503 Service Unavailable' >&2; exit 3"),
                                                  stdin: [], environment: [:], timeout: .seconds(20))
        #expect(outcome == CommandOutcome(ending: .exited(3), output: "posting alert\nwebhook: 503 Service Unavailable\n"))
        #expect(!outcome.succeeded)
    }

    @Test func deathBySignalIsReported() async throws {
        let outcome = try await CommandRunner.run(Self.shell("kill -KILL $$"), stdin: [], environment: [:], timeout: .seconds(20))
        #expect(outcome.ending == .signalled(SIGKILL))
    }

    @Test func cancellingTheTaskEndsTheCommandBeforeItsTimeout() async throws {
        let scratch = try Scratch()
        let script = #"echo $$ > "$DIR/child"; echo started; sleep 30"#
        let directory = scratch.path
        let task = Task {
            try await CommandRunner.run(Self.shell(script), stdin: [], environment: ["DIR": directory], timeout: .seconds(60))
        }
        while (try? scratch.pid("child")) == nil { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let outcome = try await task.value
        #expect(outcome.ending == .cancelled)
        #expect(outcome.duration < .seconds(20), "long before the 60 s timeout or the 30 s sleep")
        #expect(kill(try scratch.pid("child"), 0) == -1 && errno == ESRCH, "the child is reaped")
    }

    @Test func timeoutEndsTheWholeProcessGroup() async throws {
        let scratch = try Scratch()
        let script = #"sleep 30 & echo $! > "$DIR/grandchild"; echo $$ > "$DIR/child"; echo started; sleep 30"#
        let (outcome, elapsed) = try await Self.elapsed {
            try await CommandRunner.run(Self.shell(script), stdin: [], environment: ["DIR": scratch.path], timeout: .milliseconds(500))
        }
        #expect(outcome == CommandOutcome(ending: .timedOut, output: "started\n"))
        #expect(elapsed >= .milliseconds(500))
        #expect(elapsed < .seconds(20))  // well before the child's own 30 s (or never), on a loaded machine too
        let child = try scratch.pid("child")
        let grandchild = try scratch.pid("grandchild")
        #expect(kill(child, 0) == -1 && errno == ESRCH, "the child is reaped")
        #expect(Self.isGone(grandchild), "the background sleep is killed too")
    }

    @Test func timeoutEscalatesToSIGKILLAfterOneSecond() async throws {
        let scratch = try Scratch()
        // SIGTERM is ignored by the shell and (inherited) by its sleep.
        let script = #"trap '' TERM; echo $$ > "$DIR/child"; sleep 30"#
        let (outcome, elapsed) = try await Self.elapsed {
            try await CommandRunner.run(Self.shell(script), stdin: [], environment: ["DIR": scratch.path], timeout: .milliseconds(300))
        }
        #expect(outcome.ending == .timedOut)
        #expect(elapsed >= .milliseconds(1300))
        #expect(elapsed < .seconds(20))  // well before the child's own 30 s (or never), on a loaded machine too
        #expect(kill(try scratch.pid("child"), 0) == -1 && errno == ESRCH)
    }

    @Test func floodOfOutputKeepsTheLast4KiBAndTheDeadline() async throws {
        let (outcome, elapsed) = try await Self.elapsed {
            try await CommandRunner.run(["/usr/bin/yes", "flood"], stdin: [], environment: [:], timeout: .milliseconds(300))
        }
        #expect(outcome.ending == .timedOut)
        #expect(elapsed < .seconds(20))  // well before the child's own 30 s (or never), on a loaded machine too
        #expect(outcome.output.utf8.count <= 4096)
        #expect(outcome.output.utf8.count > 4000)
        #expect(outcome.output.split(separator: "\n").dropFirst().allSatisfy { $0 == "flood" })
    }

    @Test func outputKeepsOnlyTheLast4KiB() async throws {
        let script = #"i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done; exit 1"#
        let outcome = try await CommandRunner.run(Self.shell(script), stdin: [], environment: [:], timeout: .seconds(20))
        #expect(outcome.ending == .exited(1))
        #expect(outcome.output.utf8.count == 4096)
        #expect(outcome.output.hasSuffix("line 2998\nline 2999\n"))
        #expect(!outcome.output.contains("line 0\n"))
    }

    @Test func missingProgramIsACommandErrorNamingIt() async {
        do {
            let outcome = try await CommandRunner.run(["/usr/bin/brid-no-such-program", "x"], stdin: [1, 2, 3], environment: [:],
                                                      timeout: .seconds(20))
            Issue.record("expected an error, got \(outcome)")
        } catch {
            #expect(error.program == "/usr/bin/brid-no-such-program")
            #expect(error.description == "cannot run /usr/bin/brid-no-such-program: No such file or directory")
        }
    }

    @Test func programMustBeAnAbsolutePath() async {
        await #expect(throws: CommandError.self) {
            try await CommandRunner.run(["sh", "-c", "true"], stdin: [], environment: [:], timeout: .seconds(20))
        }
        do {
            _ = try await CommandRunner.run([], stdin: [], environment: [:], timeout: .seconds(20))
            Issue.record("expected an error for an empty argv")
        } catch {
            #expect(error.description == "cannot run a command: no program given")
        }
    }

    @Test func childThatNeverReadsStdinDoesNotBlockUs() async throws {
        let (outcome, elapsed) = try await Self.elapsed {
            try await CommandRunner.run(Self.shell("exit 0"), stdin: Self.binary(count: 1 << 20), environment: [:], timeout: .seconds(20))
        }
        #expect(outcome == CommandOutcome(ending: .exited(0), output: ""))
        #expect(elapsed < .seconds(15))
    }

    @Test func outputIsReadWhileStdinIsStuck() async throws {
        // The pipe fills long before 1 MiB; the child writes and exits without reading.
        let (outcome, elapsed) = try await Self.elapsed {
            try await CommandRunner.run(Self.shell("sleep 0.2; echo 'not reading'"), stdin: Self.binary(count: 1 << 20),
                                        environment: [:], timeout: .seconds(20))
        }
        #expect(outcome == CommandOutcome(ending: .exited(0), output: "not reading\n"))
        #expect(elapsed < .seconds(15))
    }

    @Test func childThatClosesStdinEarlyCostsOnlyAnEPIPE() async throws {
        // Writing on after the child closed its stdin raises SIGPIPE, which must not end us.
        let outcome = try await CommandRunner.run(Self.shell("exec 0<&-; sleep 0.2; echo 'closed stdin'"),
                                                  stdin: Self.binary(count: 1 << 20), environment: [:], timeout: .seconds(20))
        #expect(outcome == CommandOutcome(ending: .exited(0), output: "closed stdin\n"))
    }

    @Test func backgroundProcessHoldingTheOutputDoesNotDelayTheEnd() async throws {
        let scratch = try Scratch()
        let (outcome, elapsed) = try await Self.elapsed {
            try await CommandRunner.run(Self.shell(#"sleep 300 & echo $! > "$DIR/background"; echo sent"#), stdin: [],
                                        environment: ["DIR": scratch.path], timeout: .seconds(20))
        }
        let background = try scratch.pid("background")
        defer { kill(background, SIGKILL) }
        #expect(outcome == CommandOutcome(ending: .exited(0), output: "sent\n"))
        #expect(elapsed < .seconds(15))
        // Still running (it sleeps 300 s, killed above): the run did not wait for it, nor time out.
        #expect(!Self.isGone(background), "left running: it was no timeout")
    }

    @Test func childGetsNoOtherDescriptorsAndDefaultSignals() async throws {
        // Opened without O_CLOEXEC, as careless code might: it must still not reach the child.
        let leaky = open("/dev/null", O_RDONLY)
        #expect(leaky > 2)
        defer { close(leaky) }
        let descriptors = try await CommandRunner.run(Self.shell("ls /proc/$$/fd"), stdin: [], environment: [:], timeout: .seconds(20))
        #expect(descriptors == CommandOutcome(ending: .exited(0), output: "0\n1\n2\n"))
        // brid ignores SIGPIPE once it has run a command (and a service manager may ignore or
        // block more); what is exec'd starts with the standard signals at their defaults and
        // none blocked. (glibc's posix_spawn leaves its two internal real-time signals, 32
        // and 33, ignored; programs do not use them, SIGRTMIN is 34.)
        #expect(try Self.signalMask("SigIgn", of: "/proc/self/status") & (1 << (SIGPIPE - 1)) != 0)
        let signals = try await CommandRunner.run(["/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"], stdin: [],
                                                  environment: [:], timeout: .seconds(20))
        #expect(signals.ending == .exited(0))
        #expect(try Self.signalMask("SigBlk", in: signals.output) == 0)
        #expect(try Self.signalMask("SigIgn", in: signals.output) & 0x7FFF_FFFF == 0)
    }

    /// A signal set from /proc/PID/status ("SigIgn:\t0000000000001000").
    static func signalMask(_ name: String, in status: String) throws -> UInt64 {
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(name + ":") })
        return try #require(UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16))
    }

    static func signalMask(_ name: String, of path: String) throws -> UInt64 {
        try signalMask(name, in: String(contentsOfFile: path, encoding: .utf8))
    }
}
