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
    /// `ReleaseContentsWriter`).
    static let upsertSummarySQL = """
        INSERT OR REPLACE INTO series_summaries (series_id, latest_period, latest_value, last_release_id, last_changed_at)
        VALUES (?, ?, ?, ?, ?)
        """

    /// The query behind `series`: the key index (a range for the glob's literal prefix),
    /// the summary table for the latest observation; no version is read.
    static let seriesListSQL = """
        SELECT s.key, s.frequency, s.source_id, s.name, s.unit, m.latest_period, m.latest_value, m.last_changed_at
        FROM series s LEFT JOIN series_summaries m ON m.series_id = s.id
        WHERE s.key > ?1 AND s.key >= ?2 AND s.key < ?3 AND (?4 IS NULL OR s.source_id = ?4)
        ORDER BY s.key
        """

    static func seriesListBinds(_ filter: SeriesFilter) -> [SQLValue] {
        let prefix = filter.prefix
        return [.text(filter.after ?? ""), .text(prefix), .text(prefix + "\u{10FFFF}"), .optional(filter.source)]
    }

    /// Series matching the filter, by key, with their latest observation: a cursor for a
    /// streamed reply. When `limit` cut the list short, `more` says so after the last batch.
    public func seriesCursor(_ filter: SeriesFilter) throws -> (cursor: StoreCursor<SeriesSummary>, more: () -> Bool) {
        var count = 0
        var more = false
        let cursor = try StoreCursor<SeriesSummary>(path: path, sql: Self.seriesListSQL, binds: Self.seriesListBinds(filter)) { row, rows in
            guard let summary = Self.seriesSummary(row, filter.glob) else { return true }
            if let limit = filter.limit, count >= limit {
                more = true
                return false
            }
            count += 1
            rows.append(summary)
            return true
        }
        return (cursor, { more })
    }

    /// Series whose key matches `filter` (all when nil), with their latest observation.
    public func seriesSummaries(matching filter: (@Sendable (String) -> Bool)?) throws -> [SeriesSummary] {
        try reads.read { db in
            let statement = try db.prepare(Self.seriesListSQL)
            sqlite3ResetAndBind(statement, Self.seriesListBinds(SeriesFilter()))
            return try statement.rows { Self.seriesSummary($0, nil) }.compactMap { $0 }.filter { filter?($0.key) ?? true }
        }
    }

    private static func seriesSummary(_ row: Statement, _ glob: Glob?) -> SeriesSummary? {
        let key = row.text(0) ?? ""
        if let glob, !glob.matches(key) { return nil }
        return SeriesSummary(key: key, frequency: Frequency(rawValue: row.text(1) ?? "") ?? .annual, sourceID: row.text(2),
                             name: row.text(3), unit: row.text(4), latestPeriod: row.text(5), latestValue: row.text(6),
                             lastChangedAt: row.optionalInt(7).map { Date(milliseconds: $0) })
    }
}
