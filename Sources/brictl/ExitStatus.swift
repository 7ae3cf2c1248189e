import ArgumentParser
import BridProtocol

/// brictl's exit statuses (CONTRACT §6).
enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// The operation failed: an error reply, a failed fetch, a rejected ingest, a refused reload.
    case failed = 1
    /// The command line is wrong (argument-parser's own usage errors are mapped here too).
    case usage = 2
    /// brid cannot be reached, or did not answer in time.
    case unreachable = 3
    /// A series, period, release, source, alert or rule does not exist.
    case notFound = 4

    /// The status for an error brid sent.
    init(_ code: ControlErrorCode) {
        switch code {
        case .notFound: self = .notFound
        case .badRequest: self = .usage
        case .versionMismatch, .forbidden, .conflict, .failed, .internal: self = .failed
        }
    }
}

/// A failure brictl reports as `brictl: <message>` on stderr before exiting with `status`.
struct Failure: Error, Equatable, CustomStringConvertible {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// An error reply from brid.
    init(_ error: ControlError) {
        self.init(ExitStatus(error.code), error.message)
    }

    var description: String { message }
}

/// Ends a command that printed its result with a status other than 0 (e.g. a failed fetch).
func exitQuietly(_ status: ExitStatus) -> ExitCode {
    ExitCode(status.rawValue)
}
