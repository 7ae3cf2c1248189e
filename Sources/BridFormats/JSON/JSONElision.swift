/// Containers of a document that are validated in full but kept off its token tape: the
/// bulk of a message (an SDMX-JSON data set's series, a list of records), read afterwards
/// one member or element at a time (`JSONDocument.forEachElided`), so that the tape holds
/// only the small rest and memory does not grow with the document.
public struct JSONElision: Sendable {
    public enum Component: Sendable, Equatable {
        /// A member of an object.
        case name(String)
        /// Any element of an array.
        case anyElement
        /// The element at this index of an array.
        case element(Int)
        /// A JSON pointer's reference token: a member name, or an array index.
        case token(String)
    }

    /// Paths from a top-level value to the containers to elide; a container inside an
    /// elided one is not matched again.
    public let paths: [[Component]]

    public init(_ paths: [[Component]]) {
        self.paths = paths
    }

    /// The container a JSON pointer names.
    public init(pointer: JSONPointer) {
        self.init([pointer.tokens.map { .token($0) }])
    }
}
