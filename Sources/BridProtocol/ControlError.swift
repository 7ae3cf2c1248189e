/// The stable error codes of the wire (CONTRACT §5). Scripts match on these; never rename one.
public enum ControlErrorCode: String, Codable, Sendable, CaseIterable {
    /// The request could not be understood: bad JSON, unknown command, wrong argument.
    case badRequest = "bad_request"
    /// The request's `v` is not this protocol's version.
    case versionMismatch = "version_mismatch"
    /// A series, period, release, source, alert or rule named in the request does not exist.
    case notFound = "not_found"
    /// The peer may not run a mutating command.
    case forbidden = "forbidden"
    /// The request clashes with the current state (e.g. a source already being checked).
    case conflict = "conflict"
    /// The operation ran and failed (e.g. the store refused a write).
    case failed = "failed"
    /// A bug in brid: it could not answer.
    case `internal` = "internal"

    /// Decodes an unknown code from a newer peer as `internal` rather than failing the reply.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = ControlErrorCode(rawValue: text) ?? .internal
    }
}

/// The one error of the wire: `{"code": "...", "message": "..."}`. Handlers throw it to
/// answer with an error reply; the message is for people and says what to do.
public struct ControlError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var code: ControlErrorCode
    public var message: String

    public init(_ code: ControlErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func badRequest(_ message: String) -> ControlError { ControlError(.badRequest, message) }
    public static func notFound(_ message: String) -> ControlError { ControlError(.notFound, message) }
    public static func forbidden(_ message: String) -> ControlError { ControlError(.forbidden, message) }
    public static func conflict(_ message: String) -> ControlError { ControlError(.conflict, message) }
    public static func failed(_ message: String) -> ControlError { ControlError(.failed, message) }
    public static func `internal`(_ message: String) -> ControlError { ControlError(.internal, message) }
}
