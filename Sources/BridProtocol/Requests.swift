#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Every request of the protocol. Field names are the `args` keys; optional fields and
// fields with a default may be left out of `args`.

/// `status`: the daemon, its database, every source's state, alert counts.
public struct StatusRequest: ControlRequest {
    public typealias Response = StatusResponse
    public static let command = "status"
    public static let access = Access.readOnly
    public init() {}
}

/// `sources`: every configured source with its last check, success, error and next due time.
public struct SourcesRequest: ControlRequest {
    public typealias Response = SourcesResponse
    public static let command = "sources"
    public static let access = Access.readOnly
    public init() {}
}

/// `fetch`: check URL sources (or scan drop folders) now, by id or all of them.
public struct FetchRequest: ControlRequest {
    public typealias Response = FetchResponse
    public static let command = "fetch"
    public static let access = Access.mutating
    /// The sources to check; empty with `all`.
    public var sources: [String]
    /// Check every source.
    public var all: Bool
    /// Answer once every check has finished (default); otherwise answer at once with
    /// `queued` outcomes.
    public var wait: Bool

    public init(sources: [String] = [], all: Bool = false, wait: Bool = true) {
        self.sources = sources
        self.all = all
        self.wait = wait
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sources = try c.decodeIfPresent([String].self, forKey: .sources) ?? []
        all = try c.decodeIfPresent(Bool.self, forKey: .all) ?? false
        wait = try c.decodeIfPresent(Bool.self, forKey: .wait) ?? true
    }
}

/// `ingest.chunk`: one piece of a file larger than `ControlProtocol.maxChunkBytes`, staged
/// on this connection until the `ingest` that ends it. Chunks come in order: `offset` is the
/// number of bytes staged before this one. A new connection starts with nothing staged.
public struct IngestChunkRequest: ControlRequest {
    public typealias Response = IngestChunkResponse
    public static let command = "ingest.chunk"
    public static let access = Access.mutating
    public var source: String
    public var fileName: String
    public var offset: Int
    /// Raw bytes, base64 on the wire.
    public var data: Data

    public init(source: String, fileName: String, offset: Int, data: Data) {
        self.source = source
        self.fileName = fileName
        self.offset = offset
        self.data = data
    }
}

/// `ingest`: a file's bytes for a source, treated as if dropped into its folder. A file up
/// to 512 KiB travels whole (`offset` 0); a larger one ends with this request after its
/// `ingest.chunk`s. `size` is the whole file's size, at most 64 MiB.
public struct IngestRequest: ControlRequest {
    public typealias Response = IngestResponse
    public static let command = "ingest"
    public static let access = Access.mutating
    public var source: String
    /// The file's name, kept as the release's origin (no folder).
    public var fileName: String
    /// The whole file's size in bytes.
    public var size: Int
    /// Bytes staged by `ingest.chunk` before this request's `data`.
    public var offset: Int
    /// The last (or only) piece of the file, base64 on the wire.
    public var data: Data

    public init(source: String, fileName: String, size: Int, offset: Int = 0, data: Data) {
        self.source = source
        self.fileName = fileName
        self.size = size
        self.offset = offset
        self.data = data
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        fileName = try c.decode(String.self, forKey: .fileName)
        data = try c.decode(Data.self, forKey: .data)
        offset = try c.decodeIfPresent(Int.self, forKey: .offset) ?? 0
        size = try c.decodeIfPresent(Int.self, forKey: .size) ?? offset + data.count
    }
}

/// `series.list`: series keys matching a glob (`*`, `?`, `[…]`; all when absent), of one
/// source or all, with their latest value, by key; paged with `after` and `limit`. Streams.
public struct SeriesListRequest: ControlRequest {
    public typealias Response = SeriesListResponse
    public static let command = "series.list"
    public static let access = Access.readOnly
    public var glob: String?
    /// Only series fed by this source.
    public var source: String?
    /// Only keys after this one: the end line's `next` of the previous page.
    public var after: String?
    /// At most this many series (all when absent).
    public var limit: Int?

    public init(glob: String? = nil, source: String? = nil, after: String? = nil, limit: Int? = nil) {
        self.glob = glob
        self.source = source
        self.after = after
        self.limit = limit
    }
}

/// `series.show`: the observations of one series in one vintage: the latest, as of a time,
/// or as of a release (at most one of `asOf` and `release`), optionally between two periods.
/// Streams.
public struct ShowRequest: ControlRequest {
    public typealias Response = ShowResponse
    public static let command = "series.show"
    public static let access = Access.readOnly
    public var series: String
    /// What was known at this time.
    public var asOf: Date?
    /// What was known right after this release.
    public var release: Int64?
    /// First period, inclusive, in any spelling the series' frequency accepts.
    public var from: String?
    /// Last period, inclusive.
    public var to: String?

    public init(series: String, asOf: Date? = nil, release: Int64? = nil, from: String? = nil, to: String? = nil) {
        self.series = series
        self.asOf = asOf
        self.release = release
        self.from = from
        self.to = to
    }
}

/// `series.history`: every version of one observation. Streams.
public struct HistoryRequest: ControlRequest {
    public typealias Response = HistoryResponse
    public static let command = "series.history"
    public static let access = Access.readOnly
    public var series: String
    public var period: String
    public init(series: String, period: String) {
        self.series = series
        self.period = period
    }
}

/// `releases`: the newest releases first, of one source or all. Streams.
public struct ReleasesRequest: ControlRequest {
    public typealias Response = ReleasesResponse
    public static let command = "releases"
    public static let access = Access.readOnly
    public var source: String?
    /// How many to list; the server's default (50) when absent.
    public var limit: Int?
    public init(source: String? = nil, limit: Int? = nil) {
        self.source = source
        self.limit = limit
    }
}

/// `release.show`: one release and every change it made. Streams.
public struct ReleaseRequest: ControlRequest {
    public typealias Response = ReleaseResponse
    public static let command = "release.show"
    public static let access = Access.readOnly
    public var id: Int64
    public init(id: Int64) { self.id = id }
}

/// `alerts`: firing alerts (acked or not); with `all`, resolved ones too.
public struct AlertsRequest: ControlRequest {
    public typealias Response = AlertsResponse
    public static let command = "alerts"
    public static let access = Access.readOnly
    public var all: Bool
    /// Only this rule's alerts.
    public var rule: String?
    /// Only alerts of series matching this key or glob.
    public var series: String?

    public init(all: Bool = false, rule: String? = nil, series: String? = nil) {
        self.all = all
        self.rule = rule
        self.series = series
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        all = try c.decodeIfPresent(Bool.self, forKey: .all) ?? false
        rule = try c.decodeIfPresent(String.self, forKey: .rule)
        series = try c.decodeIfPresent(String.self, forKey: .series)
    }
}

/// `alert.ack`: marks a firing alert as seen; it stays firing until its condition is gone.
public struct AckRequest: ControlRequest {
    public typealias Response = AckResponse
    public static let command = "alert.ack"
    public static let access = Access.mutating
    public var id: Int64
    public var comment: String?
    public init(id: Int64, comment: String? = nil) {
        self.id = id
        self.comment = comment
    }
}

/// `rules`: the configured alert rules with their last evaluation.
public struct RulesRequest: ControlRequest {
    public typealias Response = RulesResponse
    public static let command = "rules"
    public static let access = Access.readOnly
    public init() {}
}

/// `rules.test`: evaluates one rule against the stored history without firing anything.
public struct RuleTestRequest: ControlRequest {
    public typealias Response = RuleTestResponse
    public static let command = "rules.test"
    public static let access = Access.readOnly
    public var rule: String
    /// Only series matching this key or glob (within the rule's own).
    public var series: String?
    public init(rule: String, series: String? = nil) {
        self.rule = rule
        self.series = series
    }
}

/// `source.pause`: stop checking a source until resumed; kept across restarts.
public struct PauseRequest: ControlRequest {
    public typealias Response = PauseResponse
    public static let command = "source.pause"
    public static let access = Access.mutating
    public var source: String
    public init(source: String) { self.source = source }
}

/// `source.resume`: check a paused source again on its schedule.
public struct ResumeRequest: ControlRequest {
    public typealias Response = PauseResponse
    public static let command = "source.resume"
    public static let access = Access.mutating
    public var source: String
    public init(source: String) { self.source = source }
}

/// `reload`: read the configuration file again; swap it in only when it is valid.
public struct ReloadRequest: ControlRequest {
    public typealias Response = ReloadResponse
    public static let command = "reload"
    public static let access = Access.mutating
    public init() {}
}

/// `export`: series as CSV or JSON text, latest or as of a time or release; with
/// `vintages`, the ALFRED-style matrix of one series (period × every release that changed it).
/// Streams: the rows are the document's lines.
public struct ExportRequest: ControlRequest {
    public typealias Response = ExportResponse
    public static let command = "export"
    public static let access = Access.readOnly
    public var series: [String]
    public var asOf: Date?
    public var release: Int64?
    public var format: ExportFormat
    /// The vintage matrix of exactly one series (`asOf`/`release` not allowed).
    public var vintages: Bool

    public init(series: [String], asOf: Date? = nil, release: Int64? = nil, format: ExportFormat = .csv, vintages: Bool = false) {
        self.series = series
        self.asOf = asOf
        self.release = release
        self.format = format
        self.vintages = vintages
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        series = try c.decode([String].self, forKey: .series)
        asOf = try c.decodeIfPresent(Date.self, forKey: .asOf)
        release = try c.decodeIfPresent(Int64.self, forKey: .release)
        format = try c.decodeIfPresent(ExportFormat.self, forKey: .format) ?? .csv
        vintages = try c.decodeIfPresent(Bool.self, forKey: .vintages) ?? false
    }
}

/// The text formats of `export`.
public enum ExportFormat: String, Codable, Sendable, CaseIterable {
    case csv, json
}
