import BridCore
import Foundation

// Cursors for the replies that stream: each runs a stream both backends share
// (`StoreQueries.…Stream`) on a read-only connection of its own (`SQLiteRows`).
extension SQLiteStore {
    public func changesCursor(release id: Int64) throws -> StoreCursor<ObservationChange> {
        try StoreCursor(path: path, stream: StoreQueries.changesStream(release: id))
    }

    public func releasesCursor(source: String?, limit: Int) throws -> StoreCursor<Release> {
        try StoreCursor(path: path, stream: StoreQueries.releasesStream(source: source, limit: limit))
    }

    public func historyCursor(series key: String, period: String) throws -> StoreCursor<ObservationVersion> {
        try StoreCursor(path: path, stream: StoreQueries.historyStream(series: key, period: period))
    }

    public func observationsCursor(series key: String, vintage: Vintage, from: String?, to: String?) throws -> StoreCursor<ObservationRow> {
        try StoreCursor(path: path, stream: StoreQueries.observationsStream(series: key, vintage: vintage, from: from, to: to))
    }

    public func versionsCursor(series key: String) throws -> StoreCursor<SeriesVersion> {
        try StoreCursor(path: path, stream: StoreQueries.versionsStream(series: key))
    }

    public func releasesWriting(series key: String) throws -> [(id: Int64, ingestedAt: Date)] {
        try reads.read { try StoreQueries($0).releasesWriting(series: key) }
    }

    /// The query plans (EXPLAIN QUERY PLAN details) of the read commands' queries, for the
    /// test that none of them scans observation_versions.
    public func readQueryPlans() throws -> [String: [String]] {
        let queries: [String: String] = [
            "release.show": StoreSQL.changes,
            "release.show (versions)": StoreSQL.changeVersions,
            "series.list": StoreSQL.seriesList,
            "series.history": StoreSQL.history,
            "releases": StoreSQL.releasesOfSource,
            "export": StoreSQL.observations,
            "export --vintages": StoreSQL.versions,
            "export --vintages (columns)": StoreSQL.releasesWriting,
            "fred observations (first page)": StoreSQL.versionsPage(from: true, to: true, after: false, descending: false),
            "fred observations (next page)": StoreSQL.versionsPage(from: false, to: true, after: true, descending: false),
            "fred observations (next page, descending)": StoreSQL.versionsPage(from: true, to: false, after: true, descending: true),
        ]
        return try reads.read { db in
            try queries.mapValues { sql in
                try db.prepare("EXPLAIN QUERY PLAN " + sql).rows { $0.text(3) ?? "" }
            }
        }
    }
}
