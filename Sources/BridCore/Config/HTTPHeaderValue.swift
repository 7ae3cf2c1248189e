/// One HTTP request header of a source or notifier, whose value may be kept out of the config file.
public struct HTTPHeaderValue: Sendable, Equatable {
    /// Where the header's value comes from.
    public enum Source: Sendable, Equatable {
        /// Written in the config: `Accept = "text/csv"`.
        case literal(String)
        /// Read from an environment variable: `{ env = "WB_KEY" }`.
        case environment(String)
        /// Read from a file (trailing newline trimmed by the runtime): `{ file = "/etc/brid/token" }`.
        case file(String)
    }

    public let name: String
    public let value: Source

    public init(name: String, value: Source) {
        self.name = name
        self.value = value
    }
}
