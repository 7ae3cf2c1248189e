import BridCore
import Foundation

extension SQLiteStore {
    /// The observations of a series in a vintage (latest, as of a release, as of a time),
    /// optionally limited to periods in `from...to`. Removed periods are absent; periods
    /// published without a value are present with a nil value. Nil if the series is unknown.
    public func observations(series key: String, vintage: Vintage, from: String?, to: String?) throws -> [ObservationRow]? {
        try reads.read { db in
            guard let seriesID = try seriesID(key, in: db) else { return nil }
            guard let limit = try releaseLimit(vintage, in: db) else { return [] }
            let statement = try db.prepare("""
                SELECT period, value, removed, release_id, status FROM observation_versions
                WHERE series_id = ?1 AND release_id <= ?2 AND period >= ?3 AND period <= ?4
                ORDER BY period, release_id
                """)
            statement.bind(.integer(seriesID), .integer(limit), .text(from ?? ""), .text(to ?? "\u{10FFFF}"))
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
            statement.reset()
            return rows
        }
    }

    /// Every version of one observation, oldest first. Nil if the series is unknown.
    public func history(series key: String, period: String) throws -> [ObservationVersion]? {
        try reads.read { db in
            guard let seriesID = try seriesID(key, in: db) else { return nil }
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
    }

    /// One release, or nil.
    public func release(id: Int64) throws -> Release? {
        try reads.read { db in
            try db.prepare("\(SQLiteStore.releaseColumns) WHERE id = ?").bind(.integer(id)).firstRow(SQLiteStore.releaseRow)
        }
    }

    /// Releases, newest first, optionally of one source.
    public func releases(source: String?, limit: Int) throws -> [Release] {
        try reads.read { db in
            if let source {
                return try db.prepare("\(SQLiteStore.releaseColumns) WHERE source_id = ? ORDER BY id DESC LIMIT ?")
                    .bind(.text(source), .integer(Int64(limit))).rows(SQLiteStore.releaseRow)
            }
            return try db.prepare("\(SQLiteStore.releaseColumns) ORDER BY id DESC LIMIT ?").bind(.integer(Int64(limit))).rows(SQLiteStore.releaseRow)
        }
    }

    /// What a release added, revised and removed, with the values it replaced, in the
    /// order the release wrote them (series as first stored, then period).
    public func changes(release id: Int64) throws -> [ObservationChange] {
        let cursor = try changesCursor(release: id)
        var changes: [ObservationChange] = []
        while case let batch = try cursor.next(10_000), !batch.isEmpty { changes += batch }
        return changes
    }

    /// The id of the newest release, or nil for an empty store.
    public func latestReleaseID() throws -> Int64? {
        try reads.read { db in try db.prepare("SELECT max(id) FROM releases").firstRow { $0.optionalInt(0) } ?? nil }
    }

    // MARK: - Helpers

    static let releaseColumns = "SELECT id, source_id, ingested_at, published_at, origin, sha256, added, revised, removed, unchanged FROM releases"

    static func releaseRow(_ row: Statement) -> Release {
        Release(id: row.int(0), sourceID: row.text(1) ?? "", ingestedAt: Date(milliseconds: row.int(2)),
                publishedAt: row.optionalInt(3).map { Date(milliseconds: $0) }, origin: row.text(4) ?? "",
                sha256: row.text(5) ?? "", added: Int(row.int(6)), revised: Int(row.int(7)),
                removed: Int(row.int(8)), unchanged: Int(row.int(9)))
    }

    func seriesID(_ key: String, in db: Connection) throws -> Int64? {
        try db.prepare("SELECT id FROM series WHERE key = ?").bind(.text(key)).firstRow { $0.int(0) }
    }

    /// The highest release id visible in a vintage, or nil when nothing was known then.
    func releaseLimit(_ vintage: Vintage, in db: Connection) throws -> Int64? {
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

/// Sizes of the store, for `status`.
public struct StoreStatistics: Sendable, Equatable {
    public let sizeBytes: Int64
    public let releases: Int
    public let series: Int
    /// Every version ever written: the sum of what each release added, revised and removed.
    public let observationVersions: Int
    /// The newest release of each source.
    public let lastRelease: [String: Int64]
}

extension SQLiteStore {
    /// Counts kept cheap for `status`: no scan of the versions table.
    public func statistics() throws -> StoreStatistics {
        try reads.read { db in
            let releases = try db.prepare("SELECT count(*), coalesce(sum(added + revised + removed), 0) FROM releases").firstRow { ($0.int(0), $0.int(1)) } ?? (0, 0)
            let series = try db.prepare("SELECT count(*) FROM series").firstRow { $0.int(0) } ?? 0
            let last = try db.prepare("SELECT source_id, max(id) FROM releases GROUP BY source_id").rows { ($0.text(0) ?? "", $0.int(1)) }
            // The database file alone; the WAL is `storageSizes().walBytes`.
            return StoreStatistics(sizeBytes: storageSizes().databaseBytes, releases: Int(releases.0), series: Int(series), observationVersions: Int(releases.1),
                                   lastRelease: Dictionary(last, uniquingKeysWith: max))
        }
    }

    /// One series' description (without its latest observation), or nil.
    public func seriesInfo(_ key: String) throws -> SeriesSummary? {
        try reads.read { db in
            try db.prepare("SELECT key, frequency, source_id, name, unit FROM series WHERE key = ?").bind(.text(key)).firstRow {
                SeriesSummary(key: $0.text(0) ?? "", frequency: Frequency(rawValue: $0.text(1) ?? "") ?? .annual, sourceID: $0.text(2),
                              name: $0.text(3), unit: $0.text(4), latestPeriod: nil, latestValue: nil, lastChangedAt: nil)
            }
        }
    }
}

/// One stored version of one observation of a series, for vintage matrices.
public struct SeriesVersion: Sendable, Equatable {
    public let period: String
    public let releaseID: Int64
    public let value: String?
    public let removed: Bool
    /// The publisher's status of the version, if any.
    public var status: String? = nil
}

extension SQLiteStore {
    /// Every version of every period of a series (period, then release order), and the
    /// ingest time of each release that wrote one. Nil if the series is unknown.
    public func versions(series key: String) throws -> (versions: [SeriesVersion], releases: [Int64: Date])? {
        try reads.read { db in
            guard let id = try seriesID(key, in: db) else { return nil }
            let versions = try db.prepare("SELECT period, release_id, value, removed, status FROM observation_versions WHERE series_id = ? ORDER BY period, release_id")
                .bind(.integer(id)).rows { SeriesVersion(period: $0.text(0) ?? "", releaseID: $0.int(1), value: $0.text(2), removed: $0.int(3) != 0, status: $0.text(4)) }
            let times = try db.prepare("""
                SELECT id, ingested_at FROM releases WHERE id IN (SELECT DISTINCT release_id FROM observation_versions WHERE series_id = ?)
                """).bind(.integer(id)).rows { ($0.int(0), Date(milliseconds: $0.int(1))) }
            return (versions, Dictionary(times, uniquingKeysWith: { a, _ in a }))
        }
    }
}
