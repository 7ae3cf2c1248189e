/// What a command may do, and so who may run it (CONTRACT §5): read-only commands are open to
/// anyone who can open the socket; mutating ones to root, brid's own uid and the socket's group.
public enum Access: String, Sendable, Codable {
    case readOnly = "read-only"
    case mutating
}

/// One command of the control protocol: its arguments are the type's fields (the `args`
/// object), its answer is `Response` (the `result` object). Every conforming type is listed
/// once in `ControlCommands.all`.
public protocol ControlRequest: Codable, Sendable, Equatable {
    associatedtype Response: Codable, Sendable, Equatable
    /// The `cmd` of the envelope, dotted: `series.show`.
    static var command: String { get }
    /// Whether the command changes anything.
    static var access: Access { get }
}

/// The `args` of a command that takes none, and the `result` of one that returns nothing
/// more than success: `{}`.
public struct Empty: Codable, Sendable, Equatable {
    public init() {}
}
