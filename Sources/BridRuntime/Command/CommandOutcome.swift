import Glibc

/// How a command run ended.
public struct CommandOutcome: Sendable, Equatable {
    public enum Ending: Sendable, Equatable {
        /// It exited with this status (-1: it ended but its status was lost).
        case exited(Int32)
        /// A signal it did not catch ended it (not ours: that is `timedOut`).
        case signalled(Int32)
        /// It ran past the timeout and its process group was ended.
        case timedOut
        /// The task waiting for it was cancelled (brid is stopping) and its process group
        /// was ended the same way.
        case cancelled
    }
    public var ending: Ending
    /// The last (at most 4 KiB) of what it wrote to stdout and stderr together, for error messages.
    public var output: String
    public var succeeded: Bool { ending == .exited(0) }
    /// How long it ran: from its start until it (and, after a timeout or cancellation, its
    /// process group) had ended — measured by the thread that supervised it, so it does not
    /// include any wait of the task that asked for it.
    public var duration: Duration = .zero

    public init(ending: Ending, output: String) {
        self.ending = ending
        self.output = output
    }

    /// The same ending and output (however long each run took).
    public static func == (a: CommandOutcome, b: CommandOutcome) -> Bool {
        a.ending == b.ending && a.output == b.output
    }
}

/// A command that could not be started at all (as opposed to one that ran and failed):
/// "cannot run /usr/bin/nope: No such file or directory".
public struct CommandError: Error, Sendable, CustomStringConvertible {
    /// The program, argv[0] (empty when no argv was given).
    public let program: String
    /// Why: the errno text, or what was wrong with the request.
    public let reason: String

    public init(program: String, reason: String) {
        self.program = program
        self.reason = reason
    }

    init(program: String, errno code: Int32) {
        self.init(program: program, reason: String(cString: strerror(code)))
    }

    public var description: String {
        program.isEmpty ? "cannot run a command: \(reason)" : "cannot run \(program): \(reason)"
    }
}
