/// What an alert rule watches.
public enum AlertTarget: Sendable, Equatable {
    /// Series whose keys match the glob (a plain key matches itself).
    case series(glob: String)
    /// Sources whose ids match the glob (a plain id names one configured source).
    case source(glob: String)
}
