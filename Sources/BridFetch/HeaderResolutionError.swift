/// A configured header whose value could not be obtained. Names the header and where the
/// value was to come from, never the value itself.
public struct HeaderResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The environment variable is not set.
        case environmentVariableUnset(String)
        /// The environment variable is set but empty.
        case environmentVariableEmpty(String)
        /// The file could not be read (path, the reader's error text).
        case fileUnreadable(path: String, error: String)
        /// The file is empty (after trimming the trailing newline).
        case fileEmpty(String)
        /// The value has a line break inside (a second line in the file, say): sending it would
        /// inject headers.
        case lineBreak(origin: String)
    }

    public var header: String
    public var reason: Reason

    public init(header: String, reason: Reason) {
        self.header = header
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .environmentVariableUnset(let name):
            return "header \(header): environment variable \(name) is not set"
        case .environmentVariableEmpty(let name):
            return "header \(header): environment variable \(name) is empty"
        case .fileUnreadable(let path, let error):
            return "header \(header): cannot read \(path): \(error)"
        case .fileEmpty(let path):
            return "header \(header): file \(path) is empty"
        case .lineBreak(let origin):
            return "header \(header): the value from \(origin) contains a line break"
        }
    }
}
