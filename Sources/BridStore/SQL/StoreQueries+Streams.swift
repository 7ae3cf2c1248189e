import BridCore
import Foundation

// The streamed replies' queries: each reads its rows from an index (none scans
// observation_versions), a batch at a time, on a connection of its own.
extension StoreQueries {
    /// What a release added, revised and removed, with the values it replaced: series in
    /// the order the release wrote them, then period.
    static func changesStream(release id: Int64) -> RowStream<DB, ObservationChange> {
        DB.isPostgreSQL ? setBasedChangesStream(release: id) : seekingChangesStream(release: id)
    }

    /// SQLite: the release's contents, and two primary-key seeks per period (in process,
    /// each costs microseconds).
    private static func seekingChangesStream(release id: Int64) -> RowStream<DB, ObservationChange> {
        RowStream(sql: StoreSQL.changes, start: { db in
            let versions = try db.prepare(StoreSQL.changeVersions)
            return ([.integer(id)], { row, rows in
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
            })
        })
    }

    /// PostgreSQL: one query whose rows are the changes themselves (each period of the
    /// contents with its version and the one before, found by LATERAL primary-key seeks on
    /// the server), since a seek per period from here would be a round trip each.
    private static func setBasedChangesStream(release id: Int64) -> RowStream<DB, ObservationChange> {
        RowStream(sql: StoreSQL.changesSetBased, binds: [.integer(id)]) { row, rows in
            let key = row.text(0) ?? ""
            let period = row.text(1) ?? ""
            guard row.optionalInt(2) == id else {
                throw StoreError("release \(id) lists \(key) \(period) but wrote no version of it")
            }
            let removed = row.int(4) != 0
            let previousRelease = row.optionalInt(6)
            let hadPrevious = previousRelease != nil && row.int(8) == 0
            let kind: ObservationChange.Kind = removed ? .removed : (hadPrevious ? .revised : .added)
            rows.append(ObservationChange(series: key, period: period, kind: kind, value: row.text(3), status: row.text(5),
                                          previousValue: hadPrevious ? row.text(7) : nil,
                                          previousStatus: hadPrevious ? row.text(9) : nil, previousReleaseID: previousRelease))
            return true
        }
    }

    /// Releases, newest first, optionally of one source.
    static func releasesStream(source: String?, limit: Int) -> RowStream<DB, Release> {
        var binds: [SQLValue] = [.integer(Int64(limit))]
        if let source { binds.append(.text(source)) }
        return RowStream(sql: source == nil ? StoreSQL.releasesOfAll : StoreSQL.releasesOfSource, binds: binds) { row, rows in
            rows.append(StoreSQL.release(row))
            return true
        }
    }

    /// Every version of one observation, oldest first.
    static func historyStream(series key: String, period: String) -> RowStream<DB, ObservationVersion> {
        RowStream(sql: StoreSQL.history, binds: [.text(key), .text(period)]) { row, rows in
            rows.append(ObservationVersion(releaseID: row.int(0), sourceID: row.text(1) ?? "", value: row.text(2), status: row.text(7), removed: row.int(3) != 0,
                                           validFrom: Date(milliseconds: row.int(4)),
                                           validUntil: row.optionalInt(6).map { Date(milliseconds: $0) }, replacedBy: row.optionalInt(5)))
            return true
        }
    }

    /// The observations of a series in a vintage, by period (removed periods absent):
    /// versions are read in primary-key order and collapsed period by period. The vintage's
    /// release is found in the cursor's own snapshot.
    static func observationsStream(series key: String, vintage: Vintage, from: String?, to: String?) -> RowStream<DB, ObservationRow> {
        var pending: (row: ObservationRow, removed: Bool)?
        return RowStream(sql: StoreSQL.observations, start: { db in
            guard let limit = try StoreQueries(db).releaseLimit(vintage) else { return nil }
            return ([.text(key), .integer(limit), .text(from ?? ""), .text(to ?? StoreSQL.highestText)], { row, rows in
                let current = ObservationRow(period: row.text(0) ?? "", value: row.text(1), status: row.text(4), releaseID: row.int(3))
                if let previous = pending, previous.row.period != current.period, !previous.removed { rows.append(previous.row) }
                pending = (current, row.int(2) != 0)
                return true
            })
        }, finish: { rows in
            if let previous = pending, !previous.removed { rows.append(previous.row) }
            pending = nil
        })
    }

    /// Every version of every period of a series (period, then release order).
    static func versionsStream(series key: String) -> RowStream<DB, SeriesVersion> {
        RowStream(sql: StoreSQL.versions, binds: [.text(key)]) { row, rows in
            rows.append(SeriesVersion(period: row.text(0) ?? "", releaseID: row.int(1), value: row.text(2), removed: row.int(3) != 0, status: row.text(4)))
            return true
        }
    }

    /// Series matching the filter, by key, with their latest observation. When `limit`
    /// cut the list short, `more` says so after the last batch.
    static func seriesStream(_ filter: SeriesFilter) -> (stream: RowStream<DB, SeriesSummary>, more: () -> Bool) {
        var count = 0
        var more = false
        let stream = RowStream<DB, SeriesSummary>(sql: StoreSQL.seriesList, binds: StoreSQL.seriesListBinds(filter)) { row, rows in
            guard let summary = StoreSQL.seriesSummary(row, filter.glob) else { return true }
            if let limit = filter.limit, count >= limit {
                more = true
                return false
            }
            count += 1
            rows.append(summary)
            return true
        }
        return (stream, { more })
    }
}
