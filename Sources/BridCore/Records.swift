import Foundation

// The domain nouns of what brid keeps: a release, the versions of an observation, a
// series at a glance, and what happened to a payload. The store writes and reads them,
// the runtime and the daemon pass them on, and the control API maps them to the wire
// types of BridProtocol (in one place: BridDaemon's WireMapping.swift).

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

    public init(id: Int64, sourceID: String, ingestedAt: Date, publishedAt: Date?, origin: String, sha256: String, added: Int, revised: Int, removed: Int, unchanged: Int) {
        self.id = id
        self.sourceID = sourceID
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

/// What happened to a payload — the one answer of the store, the ingestor, a drop-folder
/// scan and a check of a URL source.
public enum PayloadOutcome: Sendable, Equatable {
    /// Accepted: a new release.
    case released(Release)
    /// Byte-identical to the source's last accepted payload: only the check time was recorded.
    case unchangedPayload
    /// Parsed, but every value equals the current one: no release.
    case unchangedValues(observations: Int)
    /// HTTP 304: the source has nothing new; nothing was fetched.
    case notModified
    /// Refused (invalid input); nothing stored.
    case rejected(InputError)
    /// The payload could not be had or kept (an HTTP error, a timeout, a store failure).
    case failed(String)
    /// brid is stopping: the fetch was aborted, nothing recorded; checked again after the restart.
    case cancelled(String)

    /// A new release, or nothing new: the source is fine.
    public var succeeded: Bool {
        switch self {
        case .released, .unchangedPayload, .unchangedValues, .notModified: true
        case .rejected, .failed, .cancelled: false
        }
    }

    /// Why nothing new was stored, as a log line or `fetch` reply says it; nil for a
    /// release or a failure.
    public var unchangedReason: String? {
        switch self {
        case .unchangedPayload: "same SHA-256 as the last payload"
        case let .unchangedValues(count): "all \(count) values equal the stored ones"
        case .notModified: "HTTP 304 not modified"
        case .released, .rejected, .failed, .cancelled: nil
        }
    }
}

/// One version in the history of an observation (ALFRED's realtime_start/realtime_end).
public struct ObservationVersion: Sendable, Equatable, Codable {
    public let releaseID: Int64
    public let sourceID: String
    public let value: String?
    /// The publisher's status of this version (Eurostat's `p`, SDMX's OBS_STATUS), if any.
    public let status: String?
    public let removed: Bool
    public let validFrom: Date
    /// When the next version replaced it; nil while it is current.
    public let validUntil: Date?
    public let replacedBy: Int64?

    public init(releaseID: Int64, sourceID: String, value: String?, status: String? = nil, removed: Bool, validFrom: Date, validUntil: Date?,
                replacedBy: Int64?) {
        self.releaseID = releaseID
        self.sourceID = sourceID
        self.value = value
        self.status = status
        self.removed = removed
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.replacedBy = replacedBy
    }
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

    public init(key: String, frequency: Frequency, sourceID: String?, name: String?, unit: String?, latestPeriod: String?, latestValue: String?, lastChangedAt: Date?) {
        self.key = key
        self.frequency = frequency
        self.sourceID = sourceID
        self.name = name
        self.unit = unit
        self.latestPeriod = latestPeriod
        self.latestValue = latestValue
        self.lastChangedAt = lastChangedAt
    }
}
