import BridCore
import Foundation

// The queries, answered by the code both backends share (`StoreQueries`) on a connection
// of the read pool, in one read snapshot.
extension SQLiteStore {
    public func observations(series key: String, vintage: Vintage, from: String?, to: String?) throws -> [ObservationRow]? {
        try reads.read { try StoreQueries($0).observations(series: key, vintage: vintage, from: from, to: to) }
    }

    public func history(series key: String, period: String) throws -> [ObservationVersion]? {
        try reads.read { try StoreQueries($0).history(series: key, period: period) }
    }

    public func release(id: Int64) throws -> Release? {
        try reads.read { try StoreQueries($0).release(id: id) }
    }

    public func releases(source: String?, limit: Int) throws -> [Release] {
        try reads.read { try StoreQueries($0).releases(source: source, limit: limit) }
    }

    /// What a release added, revised and removed, with the values it replaced, in the
    /// order the release wrote them (series as first stored, then period).
    public func changes(release id: Int64) throws -> [ObservationChange] {
        let cursor = try changesCursor(release: id)
        var changes: [ObservationChange] = []
        while case let batch = try cursor.next(10_000), !batch.isEmpty { changes += batch }
        return changes
    }

    public func latestReleaseID() throws -> Int64? {
        try reads.read { try StoreQueries($0).latestReleaseID() }
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
    /// Counts kept cheap for `status`: no scan of the versions table. The size is the
    /// database file alone; the WAL is `storageSizes().walBytes`.
    public func statistics() throws -> StoreStatistics {
        try reads.read { try StoreQueries($0).statistics(sizeBytes: storageSizes().databaseBytes) }
    }

    public func seriesInfo(_ key: String) throws -> SeriesSummary? {
        try reads.read { try StoreQueries($0).seriesInfo(key) }
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
    public func forEachVersion(series key: String, from: String?, to: String?, descending: Bool,
                               _ body: (SeriesVersion) throws -> Bool) throws -> Bool {
        try reads.read { try StoreQueries($0).forEachVersion(series: key, from: from, to: to, descending: descending, body) }
    }
}
