import BridCore
import Foundation

/// One observation of a series in some vintage.
public struct ObservationRow: Sendable, Equatable, Codable {
    public let period: String
    /// Decimal text as published, or nil for "no value".
    public let value: String?
    /// The publisher's status of this version (Eurostat's `p`, SDMX's OBS_STATUS), if any.
    public let status: String?
    /// The release that set this version.
    public let releaseID: Int64

    public init(period: String, value: String?, status: String? = nil, releaseID: Int64) {
        self.period = period
        self.value = value
        self.status = status
        self.releaseID = releaseID
    }
}

/// A change a release made to one observation.
public struct ObservationChange: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case added, revised, removed }
    public let series: String
    public let period: String
    public let kind: Kind
    public let value: String?
    /// The status the release set, if any.
    public let status: String?
    /// The value before the release (nil when added, or when it had no value).
    public let previousValue: String?
    /// The status before the release (nil when added, or when it had none).
    public let previousStatus: String?
    public let previousReleaseID: Int64?

    public init(series: String, period: String, kind: Kind, value: String?, status: String? = nil, previousValue: String?,
                previousStatus: String? = nil, previousReleaseID: Int64?) {
        self.series = series
        self.period = period
        self.kind = kind
        self.value = value
        self.status = status
        self.previousValue = previousValue
        self.previousStatus = previousStatus
        self.previousReleaseID = previousReleaseID
    }
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
