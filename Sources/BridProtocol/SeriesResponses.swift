#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A series' catalogue data.
public struct SeriesInfo: Codable, Sendable, Equatable {
    public var key: String
    public var name: String?
    public var unit: String?
    /// `A`, `Q`, `M`, `W` or `D`.
    public var frequency: String
    public var source: String?

    public init(key: String, name: String? = nil, unit: String? = nil, frequency: String, source: String? = nil) {
        self.key = key
        self.name = name
        self.unit = unit
        self.frequency = frequency
        self.source = source
    }
}

/// A series with its latest observation, for `series.list`.
public struct SeriesSummary: Codable, Sendable, Equatable {
    public var key: String
    public var name: String?
    public var unit: String?
    public var frequency: String
    public var source: String?
    public var latestPeriod: String?
    /// Decimal text as published; nil for "no value".
    public var latestValue: String?
    /// When the series last changed (the newest release that wrote any version of it).
    public var lastChangedAt: Date?

    public init(key: String, name: String? = nil, unit: String? = nil, frequency: String, source: String? = nil,
                latestPeriod: String? = nil, latestValue: String? = nil, lastChangedAt: Date? = nil) {
        self.key = key
        self.name = name
        self.unit = unit
        self.frequency = frequency
        self.source = source
        self.latestPeriod = latestPeriod
        self.latestValue = latestValue
        self.lastChangedAt = lastChangedAt
    }
}

/// The answer to `series.list`, ordered by key.
public struct SeriesListResponse: Codable, Sendable, Equatable {
    public var series: [SeriesSummary]
    /// When `limit` cut the list short: the `after` of the next page.
    public var next: String?
    public init(series: [SeriesSummary], next: String? = nil) {
        self.series = series
        self.next = next
    }
}

/// One observation in some vintage.
public struct Observation: Codable, Sendable, Equatable {
    /// Canonical period text: `2018`, `2018-Q1`, `2018-03`, `2018-W05`, `2018-03-15`.
    public var period: String
    /// Decimal text as published; nil for "no value".
    public var value: String?
    /// The publisher's status (Eurostat's `p`, SDMX's OBS_STATUS); absent for none.
    public var status: String?
    /// The release that set this version.
    public var releaseID: Int64

    public init(period: String, value: String?, status: String? = nil, releaseID: Int64) {
        self.period = period
        self.value = value
        self.status = status
        self.releaseID = releaseID
    }
}

/// The answer to `series.show`: the vintage asked for echoed back, observations by period.
public struct ShowResponse: Codable, Sendable, Equatable {
    public var series: SeriesInfo
    public var asOf: Date?
    public var release: Int64?
    public var observations: [Observation]

    public init(series: SeriesInfo, asOf: Date? = nil, release: Int64? = nil, observations: [Observation]) {
        self.series = series
        self.asOf = asOf
        self.release = release
        self.observations = observations
    }
}

/// One version of an observation (ALFRED's realtime_start / realtime_end).
public struct ObservationVersion: Codable, Sendable, Equatable {
    public var releaseID: Int64
    public var source: String
    /// Decimal text as published; nil for "no value" or a removal.
    public var value: String?
    /// The publisher's status (Eurostat's `p`, SDMX's OBS_STATUS); absent for none.
    public var status: String?
    /// This version records that the period disappeared (snapshot sources).
    public var removed: Bool
    public var validFrom: Date
    /// When the next version replaced it; nil while it is current.
    public var validUntil: Date?

    public init(releaseID: Int64, source: String, value: String?, status: String? = nil, removed: Bool = false, validFrom: Date,
                validUntil: Date? = nil) {
        self.releaseID = releaseID
        self.source = source
        self.value = value
        self.status = status
        self.removed = removed
        self.validFrom = validFrom
        self.validUntil = validUntil
    }
}

/// The answer to `series.history`: versions oldest first.
public struct HistoryResponse: Codable, Sendable, Equatable {
    public var series: SeriesInfo
    public var period: String
    public var versions: [ObservationVersion]

    public init(series: SeriesInfo, period: String, versions: [ObservationVersion]) {
        self.series = series
        self.period = period
        self.versions = versions
    }
}
