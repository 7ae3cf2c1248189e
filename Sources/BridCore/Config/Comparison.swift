/// What a change is measured against.
public enum Comparison: String, Sendable, Equatable, CaseIterable {
    /// The previous period of the series; the default.
    case previous
    /// The same period a year earlier (needs a sub-annual frequency; checked when evaluating).
    case yearAgo = "year_ago"
}
