import BridCore

/// Records, in the transaction that writes a release, what it wrote: a release_contents row
/// per series with the periods it wrote a version for (added, revised, removed), which is
/// how `release N` finds its changes without scanning; and, at the end, the summaries of
/// those series (`Store.refreshSummaries`).
final class ReleaseContentsWriter {
    private let releaseID: Int64
    private let ingestedAt: Int64
    private let db: Connection
    private let insert: Statement
    private var seriesIDs: [Int64] = []

    /// For release `releaseID`, ingested at `ingestedAt` (milliseconds since 1970).
    init(release releaseID: Int64, ingestedAt: Int64, in db: Connection) throws {
        self.releaseID = releaseID
        self.ingestedAt = ingestedAt
        self.db = db
        insert = try db.prepare("INSERT INTO release_contents (release_id, series_id, periods) VALUES (?, ?, ?)")
    }

    /// The versions written for one series: `changes` of `incoming` (nil for a series the
    /// payload lacks, whose periods are all removed).
    func add(series id: Int64, changes: SeriesChanges, incoming: SeriesObservations?) throws {
        guard !changes.isEmpty else { return }
        var periods: [String] = []
        periods.reserveCapacity(changes.added.count + changes.revised.count + changes.removed.count)
        if let incoming {
            for index in changes.added { periods.append(incoming.periods[index]) }
            for index in changes.revised { periods.append(incoming.periods[index]) }
        }
        // Each list is ascending; only a mix needs sorting.
        let lists = (changes.added.isEmpty ? 0 : 1) + (changes.revised.isEmpty ? 0 : 1) + (changes.removed.isEmpty ? 0 : 1)
        periods += changes.removed
        if lists > 1 { periods.sort() }
        try insert.bind(.integer(releaseID), .integer(id), .text(periods.joined(separator: ","))).run()
        seriesIDs.append(id)
    }

    /// Brings the summaries of every series written up to date.
    func finish(_ store: Store) throws {
        try store.refreshSummaries(seriesIDs: seriesIDs, release: releaseID, ingestedAt: ingestedAt, in: db)
    }
}
