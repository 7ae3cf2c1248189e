#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// The commands whose replies stream (protocol version 2): their header, their rows, and
// how the whole result (`Response`, what `--json` prints) is made of them.

/// The header of `release.show`: the release; its changes are the rows.
public struct ReleaseHeader: Codable, Sendable, Equatable {
    public var release: Release
    public init(release: Release) { self.release = release }
}

/// The header of `series.show`: the series and the vintage asked for; the observations are the rows.
public struct ShowHeader: Codable, Sendable, Equatable {
    public var series: SeriesInfo
    public var asOf: Date?
    public var release: Int64?
    public init(series: SeriesInfo, asOf: Date? = nil, release: Int64? = nil) {
        self.series = series
        self.asOf = asOf
        self.release = release
    }
}

/// The header of `series.history`: the series and the period; the versions are the rows.
public struct HistoryHeader: Codable, Sendable, Equatable {
    public var series: SeriesInfo
    public var period: String
    public init(series: SeriesInfo, period: String) {
        self.series = series
        self.period = period
    }
}

/// The header of `export`: the format; the rows are the document's lines.
public struct ExportHeader: Codable, Sendable, Equatable {
    public var format: ExportFormat
    public init(format: ExportFormat) { self.format = format }
}

extension SeriesListRequest: StreamedRequest {
    public typealias Header = Empty
    public typealias Row = SeriesSummary
    public static let rowsKey = "series"
    public static func assemble(_: Empty, _ rows: [SeriesSummary], _ end: StreamEnd) -> SeriesListResponse {
        SeriesListResponse(series: rows, next: end.next)
    }
    public static func split(_ response: SeriesListResponse) -> (Empty, [SeriesSummary], next: String?) {
        (Empty(), response.series, response.next)
    }
}

extension ShowRequest: StreamedRequest {
    public typealias Header = ShowHeader
    public typealias Row = Observation
    public static let rowsKey = "observations"
    public static func assemble(_ header: ShowHeader, _ rows: [Observation], _: StreamEnd) -> ShowResponse {
        ShowResponse(series: header.series, asOf: header.asOf, release: header.release, observations: rows)
    }
    public static func split(_ response: ShowResponse) -> (ShowHeader, [Observation], next: String?) {
        (ShowHeader(series: response.series, asOf: response.asOf, release: response.release), response.observations, nil)
    }
}

extension HistoryRequest: StreamedRequest {
    public typealias Header = HistoryHeader
    public typealias Row = ObservationVersion
    public static let rowsKey = "versions"
    public static func assemble(_ header: HistoryHeader, _ rows: [ObservationVersion], _: StreamEnd) -> HistoryResponse {
        HistoryResponse(series: header.series, period: header.period, versions: rows)
    }
    public static func split(_ response: HistoryResponse) -> (HistoryHeader, [ObservationVersion], next: String?) {
        (HistoryHeader(series: response.series, period: response.period), response.versions, nil)
    }
}

extension ReleasesRequest: StreamedRequest {
    public typealias Header = Empty
    public typealias Row = Release
    public static let rowsKey = "releases"
    public static func assemble(_: Empty, _ rows: [Release], _: StreamEnd) -> ReleasesResponse {
        ReleasesResponse(releases: rows)
    }
    public static func split(_ response: ReleasesResponse) -> (Empty, [Release], next: String?) {
        (Empty(), response.releases, nil)
    }
}

extension ReleaseRequest: StreamedRequest {
    public typealias Header = ReleaseHeader
    public typealias Row = ReleaseChange
    public static let rowsKey = "changes"
    public static func assemble(_ header: ReleaseHeader, _ rows: [ReleaseChange], _: StreamEnd) -> ReleaseResponse {
        ReleaseResponse(release: header.release, changes: rows)
    }
    public static func split(_ response: ReleaseResponse) -> (ReleaseHeader, [ReleaseChange], next: String?) {
        (ReleaseHeader(release: response.release), response.changes, nil)
    }
}

extension ExportRequest: StreamedRequest {
    public typealias Header = ExportHeader
    /// One line of the document, without its newline.
    public typealias Row = String
    public static let rowsKey = "lines"
    public static func assemble(_ header: ExportHeader, _ rows: [String], _: StreamEnd) -> ExportResponse {
        ExportResponse(format: header.format, text: rows.map { $0 + "\n" }.joined())
    }
    public static func split(_ response: ExportResponse) -> (ExportHeader, [String], next: String?) {
        var lines = response.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return (ExportHeader(format: response.format), lines, nil)
    }
}
