import BridCore

/// Records, in the transaction that writes a release, what it wrote: a release_contents row
/// per series with the periods it wrote a version for (added, revised, removed), which is
/// how `release N` finds its changes without scanning; and each series' summary row. Both
/// are written several rows to a statement (`RowBatch`): `flush()` before they are read.
final class ReleaseContentsWriter {
    private let releaseID: Int64
    private let ingestedAt: Int64
    private let insert: RowBatch
    private let upsertSummary: RowBatch
    private var text: [UInt8] = []

    /// For release `releaseID`, ingested at `ingestedAt` (milliseconds since 1970).
    init(release releaseID: Int64, ingestedAt: Int64, in db: Connection) throws {
        self.releaseID = releaseID
        self.ingestedAt = ingestedAt
        insert = try RowBatch(db, insert: "INSERT INTO release_contents (release_id, series_id, periods) VALUES", columns: 3)
        upsertSummary = try RowBatch(db, insert: SQLiteStore.upsertSummarySQL, columns: 5)
    }

    /// The versions written for one series: `changes` of `incoming` (nil for a series the
    /// payload lacks, whose periods are all removed), and the series' summary: `newest` is
    /// its newest valued period after this release (nil: none), which the writer knows
    /// from its comparison, so nothing is read back.
    func add(series id: Int64, changes: SeriesChanges, incoming: SeriesObservations?, newest: NewestValue?) throws {
        guard !changes.isEmpty else { return }
        text.removeAll(keepingCapacity: true)
        func append(_ period: String) {
            if !text.isEmpty { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: period.utf8)
        }
        let lists = (changes.added.isEmpty ? 0 : 1) + (changes.revised.isEmpty ? 0 : 1) + (changes.removed.isEmpty ? 0 : 1)
        if lists > 1 {
            // Each list is ascending; a mix is sorted.
            var periods = changes.removed
            if let incoming { periods += (changes.added + changes.revised).map { incoming.periods[$0] } }
            periods.sort()
            periods.forEach(append)
        } else if let incoming {
            for index in changes.added { append(incoming.periods[index]) }
            for index in changes.revised { append(incoming.periods[index]) }
        }
        if lists == 1 { changes.removed.forEach(append) }
        try insert.add(.integer(releaseID), .integer(id), .text(String(decoding: text, as: UTF8.self)))
        try upsertSummary.add(.integer(id), .optional(newest?.period), .optional(newest?.value), .integer(releaseID), .integer(ingestedAt))
    }

    /// Writes the rows gathered so far.
    func flush() throws {
        try insert.flush()
        try upsertSummary.flush()
    }
}
