/// When an alert rule fires (`when = …` and the keys that go with it).
public enum AlertCondition: Sendable, Equatable {
    /// Percentage change against `compare` above or below the thresholds.
    case changePct(above: Double?, below: Double?, compare: Comparison)
    /// Absolute change against `compare` above or below the thresholds.
    case changeAbs(above: Double?, below: Double?, compare: Comparison)
    /// The value itself above or below the thresholds.
    case level(above: Double?, below: Double?)
    /// A revision changed a published value by more than a percentage.
    case revisionPct(above: Double?, below: Double?)
    /// A revision changed a published value by more than an amount.
    case revisionAbs(above: Double?, below: Double?)
    /// Nothing new for `after`.
    case stale(after: Duration, on: StaleBasis)
    /// A source's fetches failed this many times in a row.
    case fetchFailing(failures: Int)

    /// The `when` spelling.
    public var name: String {
        switch self {
        case .changePct: "change_pct"
        case .changeAbs: "change_abs"
        case .level: "level"
        case .revisionPct: "revision_pct"
        case .revisionAbs: "revision_abs"
        case .stale: "stale"
        case .fetchFailing: "fetch_failing"
        }
    }
}
