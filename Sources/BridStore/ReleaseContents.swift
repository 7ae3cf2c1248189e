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
    private let upsertSummary: Statement
    private var text: [UInt8] = []

    /// For release `releaseID`, ingested at `ingestedAt` (milliseconds since 1970).
    init(release releaseID: Int64, ingestedAt: Int64, in db: Connection) throws {
        self.releaseID = releaseID
        self.ingestedAt = ingestedAt
        self.db = db
        insert = try db.prepare("INSERT INTO release_contents (release_id, series_id, periods) VALUES (?, ?, ?)")
        upsertSummary = try db.prepare(Store.upsertSummarySQL)
    }

    /// The versions written for one series: `changes` of `incoming` (nil for a series the
    /// payload lacks, whose periods are all removed).
    ///
    /// - Parameter firstRelease: the series had no version before: its summary is the
    ///   payload's newest valued period, written now without reading the versions back.
    /// - Parameter newest: the series' newest valued period and value after this release,
    ///   when the caller knows it (`.some(nil)`: none); `.none` reads it back at `finish`.
    func add(series id: Int64, changes: SeriesChanges, incoming: SeriesObservations?, firstRelease: Bool = false,
             newest: (period: String, value: String)?? = .none) throws {
        guard !changes.isEmpty else { return }
        if firstRelease, let incoming, changes.removed.isEmpty {
            try writeFirstRelease(series: id, changes: changes, incoming: incoming)
            return
        }

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
        if case let .some(known) = newest {
            try upsertSummary.bind(.integer(id), .optional(known?.period), .optional(known?.value), .integer(releaseID), .integer(ingestedAt)).run()
        } else {
            seriesIDs.append(id)
        }
    }

    /// A series' first release: every period of the payload was added, in order.
    private func writeFirstRelease(series id: Int64, changes: SeriesChanges, incoming: SeriesObservations) throws {
        text.removeAll(keepingCapacity: true)
        for index in changes.added {
            if !text.isEmpty { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: incoming.periods[index].utf8)
        }
        try insert.bind(.integer(releaseID), .integer(id), .text(String(decoding: text, as: UTF8.self))).run()
        // As `Store.latestValuedPeriodSQL` reads it: the newest period whose value is not "no value".
        let newest = changes.added.last { incoming.values[$0] != nil }
        let period = newest.map { incoming.periods[$0] }, value = newest.flatMap { incoming.values[$0] }
        try upsertSummary.bind(.integer(id), .optional(period), .optional(value), .integer(releaseID), .integer(ingestedAt)).run()
    }

    /// Brings the summaries of every series written up to date.
    func finish(_ store: Store) throws {
        try store.refreshSummaries(seriesIDs: seriesIDs, release: releaseID, ingestedAt: ingestedAt, in: db)
    }
}
