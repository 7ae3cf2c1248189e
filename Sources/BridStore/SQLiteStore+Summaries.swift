import BridCore
import Foundation

/// Which series `series` lists: a key glob, a source, and a page (keys after `after`, at
/// most `limit` of them).
public struct SeriesFilter: Sendable, Equatable {
    public var glob: Glob?
    public var source: String?
    /// Only keys sorting after this one (the last key of the previous page).
    public var after: String?
    public var limit: Int?

    public init(glob: Glob? = nil, source: String? = nil, after: String? = nil, limit: Int? = nil) {
        self.glob = glob
        self.source = source
        self.after = after
        self.limit = limit
    }

    /// The literal start of the glob (`cn-kz.` of `cn-kz.*`): the key range to read.
    var prefix: String {
        guard let pattern = glob?.pattern else { return "" }
        return String(pattern.prefix { $0 != "*" && $0 != "?" && $0 != "[" })
    }
}

extension SQLiteStore {
    /// A series' summary row, written with each release that writes the series (see
    /// `ReleaseContentsWriter`), up to `VALUES`.
    static let upsertSummarySQL = "INSERT OR REPLACE INTO series_summaries (series_id, latest_period, latest_value, last_release_id, last_changed_at) VALUES"

    /// Series matching the filter, by key, with their latest observation: a cursor for a
    /// streamed reply. When `limit` cut the list short, `more` says so after the last batch.
    public func seriesCursor(_ filter: SeriesFilter) throws -> (cursor: StoreCursor<SeriesSummary>, more: () -> Bool) {
        let (stream, more) = StoreQueries<Connection>.seriesStream(filter)
        return (try StoreCursor(path: path, stream: stream), more)
    }

    public func seriesSummaries(matching filter: (@Sendable (String) -> Bool)?) throws -> [SeriesSummary] {
        try reads.read { try StoreQueries($0).seriesSummaries(matching: filter) }
    }
}
