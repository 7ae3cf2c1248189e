/// The latest stored version of one observation, as the store hands it to the diff.
public struct StoredObservation: Sendable, Equatable {
    public let period: String
    /// Decimal text, or nil for "no value" (and for a removal).
    public let value: String?
    /// Whether the latest version is a removal.
    public let removed: Bool
    /// The publisher's status of the latest version, if any.
    public let status: String?

    public init(period: String, value: String?, removed: Bool, status: String? = nil) {
        self.period = period
        self.value = value
        self.removed = removed
        self.status = status
    }
}

/// What a payload changes in one series: the ingest semantics of CONTRACT §2.
public struct SeriesChanges: Sendable, Equatable {
    /// Indexes into the incoming observations: new periods, or periods coming back after a removal.
    public var added: [Int] = []
    /// Indexes into the incoming observations whose value differs (as a decimal) from the
    /// stored one, or whose status differs (a status change alone is a revision: provisional
    /// to final is what revision analysis asks about).
    public var revised: [Int] = []
    public var unchanged = 0
    /// Periods whose current version is to become a removal (snapshot sources only).
    public var removed: [String] = []

    public var isEmpty: Bool { added.isEmpty && revised.isEmpty && removed.isEmpty }

    /// No changes (yet).
    public init() {}

    /// Compares the incoming observations with the current versions, both sorted by period.
    /// - Parameter recordRemovals: true for `mode = "snapshot"`: periods stored but absent
    ///   from the payload are removed. Append sources never remove.
    public init(current: [StoredObservation], incoming: SeriesObservations, recordRemovals: Bool) {
        var deletions = incoming.deletedPeriods[...]
        var c = 0, n = 0
        let periods = incoming.periods
        while c < current.count || n < periods.count {
            if n == periods.count || (c < current.count && current[c].period < periods[n]) {
                let period = current[c].period
                while let d = deletions.first, d < period { deletions.removeFirst() }
                let deleted = deletions.first == period
                if (recordRemovals || deleted), !current[c].removed { removed.append(period) }
                c += 1
            } else if c == current.count || periods[n] < current[c].period {
                added.append(n)
                n += 1
            } else {
                let stored = current[c]
                if stored.removed {
                    added.append(n)
                } else if ObservationValue.same(stored.value, incoming.values[n]), stored.status == incoming.status(at: n) {
                    unchanged += 1
                } else {
                    revised.append(n)
                }
                c += 1
                n += 1
            }
        }
    }

    /// All periods a snapshot removes when its payload no longer has the series at all.
    public init(removingAllOf current: [StoredObservation]) {
        removed = current.filter { !$0.removed }.map(\.period)
    }
}
