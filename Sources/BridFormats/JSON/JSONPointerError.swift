/// A setting that is not a JSON pointer.
public struct JSONPointerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "\"\(text)\" is not a JSON pointer: it \(reason)" }
}
