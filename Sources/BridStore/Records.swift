import BridCore
import Foundation

/// One accepted payload: immutable once written.
public struct Release: Sendable, Equatable, Codable {
    public let id: Int64
    public let sourceID: String
    public let ingestedAt: Date
    public let publishedAt: Date?
    public let origin: String
    public let sha256: String
    public let added: Int
    public let revised: Int
    public let removed: Int
    public let unchanged: Int
}

/// What an ingest did.
public enum IngestOutcome: Sendable, Equatable {
    /// Byte-identical to the source's last accepted payload: only the check time was recorded.
    case unchangedPayload
    /// Parsed, but every value equals the current one: no release.
    case unchangedValues(observations: Int)
    case released(Release)
}

/// One observation of a series in some vintage.
public struct ObservationRow: Sendable, Equatable, Codable {
    public let period: String
    /// Decimal text as published, or nil for "no value".
    public let value: String?
    /// The release that set this version.
    public let releaseID: Int64
}

/// One version in the history of an observation (ALFRED's realtime_start/realtime_end).
public struct ObservationVersion: Sendable, Equatable, Codable {
    public let releaseID: Int64
    public let sourceID: String
    public let value: String?
    public let removed: Bool
    public let validFrom: Date
    /// When the next version replaced it; nil while it is current.
    public let validUntil: Date?
    public let replacedBy: Int64?
}

/// A change a release made to one observation.
public struct ObservationChange: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case added, revised, removed }
    public let series: String
    public let period: String
    public let kind: Kind
    public let value: String?
    /// The value before the release (nil when added, or when it had no value).
    public let previousValue: String?
    public let previousReleaseID: Int64?
}

/// A series with its latest observation.
public struct SeriesSummary: Sendable, Equatable, Codable {
    public let key: String
    public let frequency: Frequency
    public let sourceID: String?
    public let name: String?
    public let unit: String?
    public let latestPeriod: String?
    public let latestValue: String?
    /// When the series last changed (the latest release that wrote any version of it).
    public let lastChangedAt: Date?
}

/// Catalogue entry handed to the store (names, units, frequency of a series).
public struct SeriesMetadata: Sendable, Equatable {
    public let key: String
    public let name: String?
    public let unit: String?
    public let frequency: Frequency?

    public init(key: String, name: String?, unit: String?, frequency: Frequency?) {
        self.key = key
        self.name = name
        self.unit = unit
        self.frequency = frequency
    }
}

/// Which vintage a query reads.
public enum Vintage: Sendable, Equatable {
    case latest
    /// What was known right after this release.
    case release(Int64)
    /// What was known at this time.
    case time(Date)
}

extension Date {
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
