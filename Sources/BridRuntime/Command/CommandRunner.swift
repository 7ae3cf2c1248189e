import BridCore
import Foundation
import Synchronization

/// Runs external commands (the `exec` alert notifier) without a shell.
public enum CommandRunner {
    /// How much of a command's output is kept.
    static let outputLimit = 4096
    /// Between SIGTERM and SIGKILL after a timeout.
    static let killGrace: Duration = .seconds(1)
    /// The part of the child's environment that does not come from the caller.
    static let basePath = "/usr/local/bin:/usr/bin:/bin"
    static let inheritedVariables = ["LANG", "TZ", "HOME"]

    /// Runs argv[0] (an absolute path) with argv, no shell, no PATH lookup. `stdin` is written to its standard input, then closed. The environment is a small clean base (PATH=/usr/local/bin:/usr/bin:/bin, plus LANG, TZ, HOME from brid's own environment when set) with `environment` added on top. After `timeout` the process group gets SIGTERM, and SIGKILL one second later; the outcome is then .timedOut. Cancelling the calling task ends the group the same way (.cancelled).
    ///
    /// Everything that blocks (spawning, writing stdin, reading output, waiting) happens on
    /// a thread of its own, never on the concurrency pool. The run ends when the command
    /// exits, even if processes it left in the background still hold its output open;
    /// those are left alone, except after a timeout, when its whole process group is ended.
    public static func run(_ argv: [String], stdin: [UInt8], environment: [String: String],
                           timeout: Duration) async throws(CommandError) -> CommandOutcome {
        let program = argv.first ?? ""
        guard !program.isEmpty else { throw CommandError(program: "", reason: "no program given") }
        guard program.hasPrefix("/") else { throw CommandError(program: program, reason: "not an absolute path") }
        guard !argv.contains(where: { $0.utf8.contains(0) }) else {
            throw CommandError(program: program, reason: "an argument contains a NUL byte")
        }
        let variables = try childEnvironment(adding: environment, program: program)
        _ = sigpipeIgnored
        return try await OwnThread.run(named: "brid-exec") { cancellation in
            ChildProcess.run(argv: argv, environment: variables, stdin: stdin, timeout: timeout, cancellation: cancellation)
        }.get()
    }

    /// The child's environment as `NAME=value` entries: the clean base, then `extra` on top.
    static func childEnvironment(adding extra: [String: String], program: String) throws(CommandError) -> [String] {
        var variables = ["PATH": basePath]
        for name in inheritedVariables {
            if let value = getenv(name) { variables[name] = String(cString: value) }
        }
        for (name, value) in extra {
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "=")), !name.utf8.contains(0) else {
                throw CommandError(program: program, reason: "invalid environment variable name \"\(name)\"")
            }
            guard !value.utf8.contains(0) else {
                throw CommandError(program: program, reason: "environment variable \(name) contains a NUL byte")
            }
            variables[name] = value
        }
        return variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// One-time, process-wide setup: brid ignores SIGPIPE from its first command on.
    /// Writing a command's standard input after it has exited or closed it raises SIGPIPE,
    /// whose default action would end brid; ignored, the write fails with EPIPE instead,
    /// which the runner expects. Pipes, unlike sockets, have no MSG_NOSIGNAL, and nothing
    /// else in brid relies on SIGPIPE (its sockets send with MSG_NOSIGNAL). Children get
    /// the default disposition back (`clinux_spawn` resets every signal).
    private static let sigpipeIgnored: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}
