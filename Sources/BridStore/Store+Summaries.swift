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

extension Store {
    /// Brings the summary rows of these series up to date. Called in a release's transaction
    /// once its versions are written, with every series it wrote a version for (removals
    /// included), the release's id and its ingest time (milliseconds): that release is then
    /// the last one that changed each of them. The release row itself need not exist yet.
    func refreshSummaries(seriesIDs: some Sequence<Int64>, release: Int64, ingestedAt at: Int64, in db: Connection) throws {
        let latest = try db.prepare(Self.latestValuedPeriodSQL)
        let upsert = try db.prepare(Self.upsertSummarySQL)
        for id in seriesIDs {
            let newest = try latest.bind(.integer(id)).firstRow { ($0.text(0), $0.text(1)) }
            try upsert.bind(.integer(id), .optional(newest?.0), .optional(newest?.1 ?? nil), .integer(release), .integer(at)).run()
        }
    }

    static let upsertSummarySQL = """
        INSERT OR REPLACE INTO series_summaries (series_id, latest_period, latest_value, last_release_id, last_changed_at)
        VALUES (?, ?, ?, ?, ?)
        """

    /// The newest period of a series whose current version has a value: read backwards
    /// along the primary key, so it usually stops at the first period.
    static let latestValuedPeriodSQL = """
        SELECT v.period, v.value FROM observation_versions v
        WHERE v.series_id = ?1 AND v.value IS NOT NULL
          AND v.release_id = (SELECT max(w.release_id) FROM observation_versions w WHERE w.series_id = ?1 AND w.period = v.period)
        ORDER BY v.period DESC LIMIT 1
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
    public func seriesSummaries(matching filter: (@Sendable (String) -> Bool)? = nil) throws -> [SeriesSummary] {
        try reader.withLock { db in
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
