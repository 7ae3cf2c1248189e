#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One accepted payload of one source. Immutable.
public struct Release: Codable, Sendable, Equatable {
    public var id: Int64
    public var source: String
    public var ingestedAt: Date
    /// When the publisher says it published the data (payload or `Last-Modified`).
    public var publishedAt: Date?
    /// The URL or file name the payload came from.
    public var origin: String
    /// SHA-256 of the payload, lowercase hex.
    public var sha256: String
    public var added: Int
    public var revised: Int
    public var removed: Int
    public var unchanged: Int

    public init(id: Int64, source: String, ingestedAt: Date, publishedAt: Date? = nil, origin: String, sha256: String,
                added: Int, revised: Int, removed: Int, unchanged: Int) {
        self.id = id
        self.source = source
        self.ingestedAt = ingestedAt
        self.publishedAt = publishedAt
        self.origin = origin
        self.sha256 = sha256
        self.added = added
        self.revised = revised
        self.removed = removed
        self.unchanged = unchanged
    }
}

/// A change one release made to one observation.
public struct ReleaseChange: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case added, revised, removed }

    public var series: String
    public var period: String
    public var kind: Kind
    /// The value the release set (nil for "no value" or a removal).
    public var value: String?
    /// The status the release set (Eurostat's `p`, SDMX's OBS_STATUS); absent for none.
    public var status: String?
    /// The value before the release (nil when added, or when it had no value).
    public var previousValue: String?
    /// The status before the release; absent when added or when it had none.
    public var previousStatus: String?

    public init(series: String, period: String, kind: Kind, value: String?, status: String? = nil, previousValue: String? = nil,
                previousStatus: String? = nil) {
        self.series = series
        self.period = period
        self.kind = kind
        self.value = value
        self.status = status
        self.previousValue = previousValue
        self.previousStatus = previousStatus
    }
}

/// The answer to `releases`: newest first.
public struct ReleasesResponse: Codable, Sendable, Equatable {
    public var releases: [Release]
    public init(releases: [Release]) { self.releases = releases }
}

/// The answer to `release.show`: the release and its changes by series and period.
public struct ReleaseResponse: Codable, Sendable, Equatable {
    public var release: Release
    public var changes: [ReleaseChange]

    public init(release: Release, changes: [ReleaseChange]) {
        self.release = release
        self.changes = changes
    }
}

/// The answer to `export`.
public struct ExportResponse: Codable, Sendable, Equatable {
    public var format: ExportFormat
    /// The document, ready to write to a file: CSV with a header line, or JSON.
    public var text: String

    public init(format: ExportFormat, text: String) {
        self.format = format
        self.text = text
    }
}
