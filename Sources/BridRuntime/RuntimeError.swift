/// A failure of brid's own environment (a folder it cannot create, a file it cannot move),
/// as opposed to bad input.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
