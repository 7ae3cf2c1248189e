import Foundation

/// A completely parsed and validated payload, grouped by series, each series' periods in
/// canonical form, sorted and unique. Only a `Payload` can be handed to the store, so
/// nothing half-read is ever stored.
public struct Payload: Sendable {
    public var origin: String
    public var series: [SeriesObservations]
    /// When the publisher says the data were released, if the payload tells.
    public var publishedAt: Date?

    public var observationCount: Int { series.reduce(0) { $0 + $1.count } }
}

/// The observations of one series in one payload, as parallel arrays sorted by period.
public struct SeriesObservations: Sendable {
    public let key: String
    public let frequency: Frequency
    public internal(set) var periods: [String] = []
    /// Decimal text as published; nil is "no value".
    public internal(set) var values: [String?] = []
    /// The line or record each observation came from, for messages.
    public internal(set) var ordinals: [Int32] = []
    /// Periods the payload explicitly deletes (SDMX `ACTION = D`), sorted; recorded as
    /// removals whatever the source's mode.
    public internal(set) var deletedPeriods: [String] = []
    public internal(set) var deletedOrdinals: [Int32] = []
    /// Metadata offered by the payload (e.g. a name column), used only for new series.
    public var name: String?
    public var unit: String?

    public init(key: String, frequency: Frequency) {
        self.key = key
        self.frequency = frequency
    }

    public var count: Int { periods.count + deletedPeriods.count }
}
