/// Why a configuration value (duration, size, cron expression, glob) cannot be read.
public struct ConfigValueError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
