import BridCore
import Foundation

// Cursors for the replies that stream: each reads its rows in batches on a connection of
// its own, from an index (no query here scans observation_versions).
extension SQLiteStore {
    /// The series a release wrote, in the order it wrote them (as first stored), with
    /// their periods: the release's own rows of release_contents.
    public static let changesSQL = """
        SELECT s.key, c.series_id, c.periods FROM release_contents c JOIN series s ON s.id = c.series_id
        WHERE c.release_id = ?1 ORDER BY c.release_id, c.series_id
        """

    /// The version a release wrote for one period and the one before it: one primary-key seek.
    static let changeVersionsSQL = """
        SELECT release_id, value, removed, status FROM observation_versions
        WHERE series_id = ?1 AND period = ?2 AND release_id <= ?3 ORDER BY release_id DESC LIMIT 2
        """

    /// What a release added, revised and removed, as a cursor: series in the order the release
    /// wrote them, then period.
    public func changesCursor(release id: Int64) throws -> StoreCursor<ObservationChange> {
        try StoreCursor(path: path, sql: Self.changesSQL, binds: [.integer(id)], making: { db in
            let versions = try db.prepare(Self.changeVersionsSQL)
            return { row, rows in
                let key = row.text(0) ?? ""
                let seriesID = row.int(1)
                for bytes in (row.text(2) ?? "").utf8.split(separator: UInt8(ascii: ",")) {
                    let period = String(decoding: bytes, as: UTF8.self)
                    versions.bind(.integer(seriesID), .text(period), .integer(id))
                    guard try versions.step(), versions.int(0) == id else {
                        versions.reset()
                        throw StoreError("release \(id) lists \(key) \(period) but wrote no version of it")
                    }
                    let value = versions.text(1)
                    let removed = versions.int(2) != 0
                    let status = versions.text(3)
                    var previous: (release: Int64, value: String?, removed: Bool, status: String?)?
                    if try versions.step() { previous = (versions.int(0), versions.text(1), versions.int(2) != 0, versions.text(3)) }
                    versions.reset()
                    let hadPrevious = previous.map { !$0.removed } ?? false
                    let kind: ObservationChange.Kind = removed ? .removed : (hadPrevious ? .revised : .added)
                    rows.append(ObservationChange(series: key, period: period, kind: kind, value: value, status: status,
                                                  previousValue: hadPrevious ? previous?.value : nil,
                                                  previousStatus: hadPrevious ? previous?.status : nil, previousReleaseID: previous?.release))
                }
                return true
            }
        })
    }

    /// Releases, newest first, optionally of one source, as a cursor.
    public func releasesCursor(source: String?, limit: Int) throws -> StoreCursor<Release> {
        let sql = source == nil ? "\(Self.releaseColumns) ORDER BY id DESC LIMIT ?1"
            : "\(Self.releaseColumns) WHERE source_id = ?2 ORDER BY id DESC LIMIT ?1"
        var binds: [SQLValue] = [.integer(Int64(limit))]
        if let source { binds.append(.text(source)) }
        return try StoreCursor(path: path, sql: sql, binds: binds) { row, rows in
            rows.append(Self.releaseRow(row))
            return true
        }
    }

    static let historySQL = """
        SELECT v.release_id, r.source_id, v.value, v.removed, r.ingested_at, n.release_id, rn.ingested_at, v.status
        FROM observation_versions v JOIN releases r ON r.id = v.release_id
        LEFT JOIN observation_versions n ON n.series_id = v.series_id AND n.period = v.period
            AND n.release_id = (SELECT min(x.release_id) FROM observation_versions x
                                WHERE x.series_id = v.series_id AND x.period = v.period AND x.release_id > v.release_id)
        LEFT JOIN releases rn ON rn.id = n.release_id
        WHERE v.series_id = (SELECT id FROM series WHERE key = ?1) AND v.period = ?2
        ORDER BY v.release_id
        """

    /// Every version of one observation, oldest first, as a cursor.
    public func historyCursor(series key: String, period: String) throws -> StoreCursor<ObservationVersion> {
        try StoreCursor(path: path, sql: Self.historySQL, binds: [.text(key), .text(period)]) { row, rows in
            rows.append(ObservationVersion(releaseID: row.int(0), sourceID: row.text(1) ?? "", value: row.text(2), status: row.text(7), removed: row.int(3) != 0,
                                           validFrom: Date(milliseconds: row.int(4)),
                                           validUntil: row.optionalInt(6).map { Date(milliseconds: $0) }, replacedBy: row.optionalInt(5)))
            return true
        }
    }

    static let observationsSQL = """
        SELECT period, value, removed, release_id, status FROM observation_versions
        WHERE series_id = (SELECT id FROM series WHERE key = ?1) AND release_id <= ?2 AND period >= ?3 AND period <= ?4
        ORDER BY period, release_id
        """

    static let versionsSQL = """
        SELECT period, release_id, value, removed, status FROM observation_versions
        WHERE series_id = (SELECT id FROM series WHERE key = ?1) ORDER BY period, release_id
        """

    static let releasesWritingSQL = """
        SELECT r.id, r.ingested_at FROM releases r
        WHERE r.id IN (SELECT DISTINCT release_id FROM observation_versions WHERE series_id = (SELECT id FROM series WHERE key = ?1))
        ORDER BY r.id
        """

    /// The observations of a series in a vintage, by period (removed periods absent), as a
    /// cursor: versions are read in primary-key order and collapsed period by period.
    public func observationsCursor(series key: String, vintage: Vintage, from: String?, to: String?) throws -> StoreCursor<ObservationRow> {
        let limit = try reads.read { db in try releaseLimit(vintage, in: db) }
        guard let limit else { return StoreCursor(rows: []) }
        var pending: (row: ObservationRow, removed: Bool)?
        return try StoreCursor(path: path, sql: Self.observationsSQL, binds: [.text(key), .integer(limit), .text(from ?? ""), .text(to ?? "\u{10FFFF}")], produce: { row, rows in
            let current = ObservationRow(period: row.text(0) ?? "", value: row.text(1), status: row.text(4), releaseID: row.int(3))
            if let previous = pending, previous.row.period != current.period, !previous.removed { rows.append(previous.row) }
            pending = (current, row.int(2) != 0)
            return true
        }, finish: { rows in
            if let previous = pending, !previous.removed { rows.append(previous.row) }
            pending = nil
        })
    }

    /// Every version of every period of a series (period, then release order), as a cursor.
    public func versionsCursor(series key: String) throws -> StoreCursor<SeriesVersion> {
        try StoreCursor(path: path, sql: Self.versionsSQL, binds: [.text(key)]) { row, rows in
            rows.append(SeriesVersion(period: row.text(0) ?? "", releaseID: row.int(1), value: row.text(2), removed: row.int(3) != 0, status: row.text(4)))
            return true
        }
    }

    /// The releases that wrote a version of the series, oldest first, with their ingest times.
    public func releasesWriting(series key: String) throws -> [(id: Int64, ingestedAt: Date)] {
        try reads.read { db in
            try db.prepare(Self.releasesWritingSQL).bind(.text(key)).rows { ($0.int(0), Date(milliseconds: $0.int(1))) }
        }
    }

    /// The query plans (EXPLAIN QUERY PLAN details) of the read commands' queries, for the
    /// test that none of them scans observation_versions.
    public func readQueryPlans() throws -> [String: [String]] {
        let queries: [String: String] = [
            "release.show": Self.changesSQL,
            "release.show (versions)": Self.changeVersionsSQL,
            "series.list": Self.seriesListSQL,
            "series.history": Self.historySQL,
            "releases": "\(Self.releaseColumns) WHERE source_id = ?2 ORDER BY id DESC LIMIT ?1",
            "export": Self.observationsSQL,
            "export --vintages": Self.versionsSQL,
            "export --vintages (columns)": Self.releasesWritingSQL,
        ]
        return try reads.read { db in
            try queries.mapValues { sql in
                try db.prepare("EXPLAIN QUERY PLAN " + sql).rows { $0.text(3) ?? "" }
            }
        }
    }
}
