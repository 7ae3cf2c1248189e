/// What a `stale` rule measures the age of.
public enum StaleBasis: String, Sendable, Equatable, CaseIterable {
    /// The newest period's end: the data itself is old. The default.
    case period
    /// The newest release: nothing new has been ingested.
    case release
}
