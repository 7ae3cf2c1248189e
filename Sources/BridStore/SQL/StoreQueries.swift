import BridCore
import Foundation

/// The read queries both backends answer with the same code: each store runs them on a
/// connection in one read snapshot (SQLite: a connection of its read pool; PostgreSQL: a
/// pooled connection in a READ ONLY, REPEATABLE READ transaction) and returns the result.
struct StoreQueries<DB: SQLDatabase> {
    let db: DB

    init(_ db: DB) { self.db = db }

    /// The observations of a series in a vintage (latest, as of a release, as of a time),
    /// optionally limited to periods in `from...to`. Removed periods are absent; periods
    /// published without a value are present with a nil value. Nil if the series is unknown.
    func observations(series key: String, vintage: Vintage, from: String?, to: String?) throws -> [ObservationRow]? {
        guard let seriesID = try seriesID(key) else { return nil }
        guard let limit = try releaseLimit(vintage) else { return [] }
        let statement = try db.prepare("""
            SELECT period, value, removed, release_id, status FROM observation_versions
            WHERE series_id = ?1 AND release_id <= ?2 AND period >= ?3 AND period <= ?4
            ORDER BY period, release_id
            """)
        statement.bind(.integer(seriesID), .integer(limit), .text(from ?? ""), .text(to ?? StoreSQL.highestText))
        defer { statement.reset() }
        var rows: [ObservationRow] = []
        var lastRemoved = false
        while try statement.step() {
            let row = ObservationRow(period: statement.text(0) ?? "", value: statement.text(1), status: statement.text(4), releaseID: statement.int(3))
            let removed = statement.int(2) != 0
            if let last = rows.last, last.period == row.period {
                rows[rows.count - 1] = row
            } else {
                if lastRemoved { rows.removeLast() }
                rows.append(row)
            }
            lastRemoved = removed
        }
        if lastRemoved { rows.removeLast() }
        return rows
    }

    /// Every version of one observation, oldest first. Nil if the series is unknown.
    func history(series key: String, period: String) throws -> [ObservationVersion]? {
        guard let seriesID = try seriesID(key) else { return nil }
        let rows = try db.prepare("""
            SELECT v.release_id, r.source_id, v.value, v.removed, r.ingested_at, v.status
            FROM observation_versions v JOIN releases r ON r.id = v.release_id
            WHERE v.series_id = ? AND v.period = ? ORDER BY v.release_id
            """).bind(.integer(seriesID), .text(period))
            .rows { ($0.int(0), $0.text(1) ?? "", $0.text(2), $0.int(3) != 0, $0.int(4), $0.text(5)) }
        return rows.enumerated().map { index, row in
            let next = index + 1 < rows.count ? rows[index + 1] : nil
            return ObservationVersion(releaseID: row.0, sourceID: row.1, value: row.2, status: row.5, removed: row.3,
                                      validFrom: Date(milliseconds: row.4), validUntil: next.map { Date(milliseconds: $0.4) },
                                      replacedBy: next?.0)
        }
    }

    /// One release, or nil.
    func release(id: Int64) throws -> Release? {
        try db.prepare("\(StoreSQL.releaseColumns) WHERE id = ?").bind(.integer(id)).firstRow { StoreSQL.release($0) }
    }

    /// Releases, newest first, optionally of one source.
    func releases(source: String?, limit: Int) throws -> [Release] {
        if let source {
            return try db.prepare("\(StoreSQL.releaseColumns) WHERE source_id = ? ORDER BY id DESC LIMIT ?")
                .bind(.text(source), .integer(Int64(limit))).rows { StoreSQL.release($0) }
        }
        return try db.prepare("\(StoreSQL.releaseColumns) ORDER BY id DESC LIMIT ?").bind(.integer(Int64(limit))).rows { StoreSQL.release($0) }
    }

    /// The id of the newest release, or nil for an empty store.
    func latestReleaseID() throws -> Int64? {
        try db.prepare("SELECT max(id) FROM releases").firstRow { $0.optionalInt(0) } ?? nil
    }

    /// Counts kept cheap for `status` (no scan of the versions table); the size is the store's.
    func statistics(sizeBytes: Int64) throws -> StoreStatistics {
        let releases = try db.prepare("SELECT count(*), coalesce(sum(added + revised + removed), 0) FROM releases").firstRow { ($0.int(0), $0.int(1)) } ?? (0, 0)
        let series = try db.prepare("SELECT count(*) FROM series").firstRow { $0.int(0) } ?? 0
        let last = try db.prepare("SELECT source_id, max(id) FROM releases GROUP BY source_id").rows { ($0.text(0) ?? "", $0.int(1)) }
        return StoreStatistics(sizeBytes: sizeBytes, releases: Int(releases.0), series: Int(series), observationVersions: Int(releases.1),
                               lastRelease: Dictionary(last, uniquingKeysWith: max))
    }

    /// One series' description (without its latest observation), or nil.
    func seriesInfo(_ key: String) throws -> SeriesSummary? {
        try db.prepare("SELECT key, frequency, source_id, name, unit FROM series WHERE key = ?").bind(.text(key)).firstRow {
            SeriesSummary(key: $0.text(0) ?? "", frequency: Frequency(rawValue: $0.text(1) ?? "") ?? .annual, sourceID: $0.text(2),
                          name: $0.text(3), unit: $0.text(4), latestPeriod: nil, latestValue: nil, lastChangedAt: nil)
        }
    }

    /// A series' versions in (period, release) order — the reverse when `descending` — of
    /// the periods between `from` and `to` (inclusive, as text; nil: open), handed to `body`
    /// one at a time until it returns false. Read in pages by key (256 rows, doubling up to
    /// 4,096), so memory holds one page whatever the series' length, and a reader that stops
    /// early reads little. Nil if the series is unknown. Run it inside one read snapshot.
    func forEachVersion(series key: String, from: String?, to: String?, descending: Bool,
                        _ body: (SeriesVersion) throws -> Bool) throws -> Bool {
        guard let id = try seriesID(key) else { return false }
        var page = 256
        var after: (period: String, release: Int64)?
        while true {
            // After the first page the last row read is the bound on that side: the index
            // range starts there (with the period bound too, SQLite would start each page
            // at the period bound and step over every row read before).
            let lower = descending || after == nil ? from : nil
            let upper = !descending || after == nil ? to : nil
            var binds: [SQLValue] = [.integer(id)]
            if let lower { binds.append(.text(lower)) }
            if let upper { binds.append(.text(upper)) }
            if let after { binds += [.text(after.period), .integer(after.release)] }
            binds.append(.integer(Int64(page)))
            let sql = StoreSQL.versionsPage(from: lower != nil, to: upper != nil, after: after != nil, descending: descending)
            let rows = try db.prepare(sql).bind(all: binds).rows {
                SeriesVersion(period: $0.text(0) ?? "", releaseID: $0.int(1), value: $0.text(2), removed: $0.int(3) != 0, status: $0.text(4))
            }
            for row in rows where try !body(row) { return true }
            guard rows.count == page, let last = rows.last else { return true }
            after = (last.period, last.releaseID)
            page = min(page * 2, 4_096)
        }
    }

    /// The releases that wrote a version of the series, oldest first, with their ingest times.
    func releasesWriting(series key: String) throws -> [(id: Int64, ingestedAt: Date)] {
        try db.prepare(StoreSQL.releasesWriting).bind(.text(key)).rows { ($0.int(0), Date(milliseconds: $0.int(1))) }
    }

    /// Series whose key matches `filter` (all when nil), with their latest observation.
    func seriesSummaries(matching filter: (@Sendable (String) -> Bool)?) throws -> [SeriesSummary] {
        try db.prepare(StoreSQL.seriesList).bind(all: StoreSQL.seriesListBinds(SeriesFilter()))
            .rows { StoreSQL.seriesSummary($0, nil) }.compactMap { $0 }.filter { filter?($0.key) ?? true }
    }

    // MARK: - Helpers

    func seriesID(_ key: String) throws -> Int64? {
        try db.prepare("SELECT id FROM series WHERE key = ?").bind(.text(key)).firstRow { $0.int(0) }
    }

    /// The highest release id visible in a vintage, or nil when nothing was known then.
    func releaseLimit(_ vintage: Vintage) throws -> Int64? {
        switch vintage {
        case .latest:
            return Int64.max
        case let .release(id):
            return id
        case let .time(date):
            return try db.prepare("SELECT max(id) FROM releases WHERE ingested_at <= ?")
                .bind(.integer(date.millisecondsSince1970)).firstRow { $0.optionalInt(0) } ?? nil
        }
    }
}

/// The SQL texts and row readers the shared queries use (static, so not in the generic type).
enum StoreSQL {
    /// Sorts after every key and period (the upper end of an open range).
    static let highestText = "\u{10FFFF}"

    static let releaseColumns = "SELECT id, source_id, ingested_at, published_at, origin, sha256, added, revised, removed, unchanged FROM releases"

    static func release(_ row: some SQLStatement) -> Release {
        Release(id: row.int(0), sourceID: row.text(1) ?? "", ingestedAt: Date(milliseconds: row.int(2)),
                publishedAt: row.optionalInt(3).map { Date(milliseconds: $0) }, origin: row.text(4) ?? "",
                sha256: row.text(5) ?? "", added: Int(row.int(6)), revised: Int(row.int(7)),
                removed: Int(row.int(8)), unchanged: Int(row.int(9)))
    }

    /// The series a release wrote, in the order it wrote them (as first stored), with
    /// their periods: the release's own rows of release_contents.
    static let changes = """
        SELECT s.key, c.series_id, c.periods FROM release_contents c JOIN series s ON s.id = c.series_id
        WHERE c.release_id = ?1 ORDER BY c.release_id, c.series_id
        """

    /// PostgreSQL's `changes`: a row per period the release wrote, with that version
    /// (columns 2–5) and the one before it (6–9, NULL when none), in the contents' order.
    static let changesSetBased = """
        SELECT s.key, p.period, w.release_id, w.value, w.removed, w.status, b.release_id, b.value, b.removed, b.status
        FROM release_contents c JOIN series s ON s.id = c.series_id
        CROSS JOIN LATERAL unnest(string_to_array(c.periods, ',')) WITH ORDINALITY AS p(period, n)
        LEFT JOIN LATERAL (SELECT v.release_id, v.value, v.removed, v.status FROM observation_versions v
            WHERE v.series_id = c.series_id AND v.period = p.period COLLATE "C" AND v.release_id = c.release_id) w ON true
        LEFT JOIN LATERAL (SELECT v.release_id, v.value, v.removed, v.status FROM observation_versions v
            WHERE v.series_id = c.series_id AND v.period = p.period COLLATE "C" AND v.release_id < c.release_id
            ORDER BY v.release_id DESC LIMIT 1) b ON true
        WHERE c.release_id = ?1 ORDER BY c.release_id, c.series_id, p.n
        """

    /// The version a release wrote for one period and the one before it: one primary-key seek.
    static let changeVersions = """
        SELECT release_id, value, removed, status FROM observation_versions
        WHERE series_id = ?1 AND period = ?2 AND release_id <= ?3 ORDER BY release_id DESC LIMIT 2
        """

    static let history = """
        SELECT v.release_id, r.source_id, v.value, v.removed, r.ingested_at, n.release_id, rn.ingested_at, v.status
        FROM observation_versions v JOIN releases r ON r.id = v.release_id
        LEFT JOIN observation_versions n ON n.series_id = v.series_id AND n.period = v.period
            AND n.release_id = (SELECT min(x.release_id) FROM observation_versions x
                                WHERE x.series_id = v.series_id AND x.period = v.period AND x.release_id > v.release_id)
        LEFT JOIN releases rn ON rn.id = n.release_id
        WHERE v.series_id = (SELECT id FROM series WHERE key = ?1) AND v.period = ?2
        ORDER BY v.release_id
        """

    static let observations = """
        SELECT period, value, removed, release_id, status FROM observation_versions
        WHERE series_id = (SELECT id FROM series WHERE key = ?1) AND release_id <= ?2 AND period >= ?3 AND period <= ?4
        ORDER BY period, release_id
        """

    static let versions = """
        SELECT period, release_id, value, removed, status FROM observation_versions
        WHERE series_id = (SELECT id FROM series WHERE key = ?1) ORDER BY period, release_id
        """

    /// One page of a series' versions (`forEachVersion`): binds the series id, then the
    /// lower and upper period when asked, then the last (period, release) read, then the
    /// page's size. An index range of the versions' primary key.
    static func versionsPage(from: Bool, to: Bool, after: Bool, descending: Bool) -> String {
        var sql = "SELECT period, release_id, value, removed, status FROM observation_versions WHERE series_id = ?"
        if from { sql += " AND period >= ?" }
        if to { sql += " AND period <= ?" }
        if after { sql += descending ? " AND (period, release_id) < (?, ?)" : " AND (period, release_id) > (?, ?)" }
        return sql + (descending ? " ORDER BY period DESC, release_id DESC LIMIT ?" : " ORDER BY period, release_id LIMIT ?")
    }

    static let releasesWriting = """
        SELECT r.id, r.ingested_at FROM releases r
        WHERE r.id IN (SELECT DISTINCT release_id FROM observation_versions WHERE series_id = (SELECT id FROM series WHERE key = ?1))
        ORDER BY r.id
        """

    static let releasesOfSource = "\(releaseColumns) WHERE source_id = ?2 ORDER BY id DESC LIMIT ?1"
    static let releasesOfAll = "\(releaseColumns) ORDER BY id DESC LIMIT ?1"

    /// The query behind `series`: the key index (a range for the glob's literal prefix),
    /// the summary table for the latest observation; no version is read. `?4` is cast: a
    /// NULL alone gives PostgreSQL no type to infer.
    static let seriesList = """
        SELECT s.key, s.frequency, s.source_id, s.name, s.unit, m.latest_period, m.latest_value, m.last_changed_at
        FROM series s LEFT JOIN series_summaries m ON m.series_id = s.id
        WHERE s.key > ?1 AND s.key >= ?2 AND s.key < ?3 AND (CAST(?4 AS TEXT) IS NULL OR s.source_id = ?4)
        ORDER BY s.key
        """

    static func seriesListBinds(_ filter: SeriesFilter) -> [SQLValue] {
        let prefix = filter.prefix
        return [.text(filter.after ?? ""), .text(prefix), .text(prefix + highestText), .optional(filter.source)]
    }

    static func seriesSummary(_ row: some SQLStatement, _ glob: Glob?) -> SeriesSummary? {
        let key = row.text(0) ?? ""
        if let glob, !glob.matches(key) { return nil }
        return SeriesSummary(key: key, frequency: Frequency(rawValue: row.text(1) ?? "") ?? .annual, sourceID: row.text(2),
                             name: row.text(3), unit: row.text(4), latestPeriod: row.text(5), latestValue: row.text(6),
                             lastChangedAt: row.optionalInt(7).map { Date(milliseconds: $0) })
    }
}
