import BridCore
import Dispatch
import Foundation
import Synchronization

/// Writes one release inside the ingest transaction, one batch of series at a time:
/// each batch is compared with the stored versions (on read connections of its own when
/// it is large: they see the store as it was before this transaction, which is what the
/// comparison needs, since a series comes in exactly one batch) and its new versions are
/// written under the release id taken at the start. The release row comes last, when its
/// counts are known. Foreign keys are not checked row by row in this transaction (see
/// `SQLiteStore.alertingTransaction(bulk:)`): the ids written are the ones this writer looked
/// up or inserted; the tests check the store with `PRAGMA foreign_key_check`.
struct ReleaseWriter {
    let db: Connection
    let path: String
    let source: String
    let ingestedAt: Int64
    /// The id the release will have (AUTOINCREMENT's next one: this transaction holds the
    /// write lock, so no other release can take it).
    let releaseID: Int64
    let collectTouched: Bool
    private(set) var added = 0, revised = 0, removed = 0, unchanged = 0
    /// Series the payload had, stored or new (for a snapshot's removal of the others).
    private var seen = Set<Int64>()
    private let lookup: Statement
    private let versions: Statement
    private let insertSeries: Statement
    /// New series, several to a statement, with the ids SQLite would give them one by one
    /// (the largest id + 1: this transaction holds the write lock).
    private let newSeries: RowBatch
    private var nextSeriesID: Int64?
    private let claimSeries: Statement
    private let insertVersion: Statement
    /// Added and revised versions, several to a statement (removals go one by one through `insertVersion`).
    private let versionBatch: VersionBatch
    /// Read connections for comparing large batches on two threads; opened on first use.
    /// The comparison's read connections with their prepared versions query, one per worker.
    private var readers: [(connection: Connection, versions: Statement)] = []
    /// What the release wrote, per series (for `release N`), and the series summaries.
    private let contents: ReleaseContentsWriter

    /// From how many stored series in one batch the comparison runs on two threads.
    static let parallelThreshold = 512

    init(db: Connection, path: String, source: String, at now: Date, collectTouched: Bool) throws {
        self.db = db
        self.path = path
        self.source = source
        self.collectTouched = collectTouched
        // Release ids and ingest times rise together, so "as of a time" is "as of a release".
        let lastTime = try db.prepare("SELECT max(ingested_at) FROM releases").firstRow { $0.optionalInt(0) } ?? nil
        ingestedAt = max(now.millisecondsSince1970, lastTime ?? 0)
        releaseID = try db.prepare("""
            SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'releases'), 0),
                       coalesce((SELECT max(id) FROM releases), 0)) + 1
            """).firstRow { $0.int(0) } ?? 1
        lookup = try db.prepare("SELECT id, frequency, source_id FROM series WHERE key = ?")
        versions = try db.prepare(Self.versionsSQL)
        insertSeries = try db.prepare("INSERT INTO series (key, frequency, source_id, name, unit) VALUES (?, ?, ?, ?, ?)")
        newSeries = try RowBatch(db, insert: "INSERT INTO series (id, key, frequency, source_id, name, unit) VALUES", columns: 6)
        // Past the largest id, SQLite picks one at random: the series are then inserted one by one.
        let largest = try db.prepare("SELECT max(id) FROM series").firstRow { $0.optionalInt(0) } ?? nil
        if let largest { nextSeriesID = largest < Int64.max ? largest + 1 : nil } else { nextSeriesID = 1 }
        claimSeries = try db.prepare("UPDATE series SET source_id = ?, name = coalesce(name, ?), unit = coalesce(unit, ?) WHERE id = ?")
        insertVersion = try db.prepare("INSERT INTO observation_versions (series_id, period, release_id, value, removed, status) VALUES (?, ?, ?, ?, ?, ?)")
        insertVersion.bindInt(releaseID, at: 3)
        versionBatch = try VersionBatch(db, release: releaseID)
        contents = try ReleaseContentsWriter(release: releaseID, ingestedAt: ingestedAt, in: db)
    }

    /// Every version of a series in period, then release order (the last of a period is its
    /// current version). Not `GROUP BY period` with `max(release_id)`: SQLite's aggregate
    /// machinery costs three times the plain scan.
    static let versionsSQL = "SELECT period, value, removed, release_id, status FROM observation_versions WHERE series_id = ? ORDER BY period, release_id"

    /// Drops the read connections.
    mutating func close() {
        readers = []
    }

    var hasChanges: Bool { added + revised + removed > 0 }

    // MARK: - One batch

    private struct Entry {
        var seriesID: Int64?
        /// A stored series without a source yet (from the catalogue): claim it.
        var claim = false
        var changes = SeriesChanges()
        /// Whether the series had any version before this release.
        var hadVersions = false
        /// The newest valued period after this release (for the summary and `level`).
        var newest: NewestValue?

        mutating func take(_ comparison: Comparison) {
            changes = comparison.changes
            hadVersions = comparison.hadVersions
            newest = comparison.newest
        }
    }

    /// Compares a batch of the payload's series with what is stored and writes what
    /// changed. Returns, when alert rules want them, the periods written per series.
    mutating func write(_ batch: [SeriesObservations], origin: String, recordRemovals: Bool) throws -> [TouchedSeries] {
        var entries: [Entry] = []
        entries.reserveCapacity(batch.count)
        var stored: [(entry: Int, id: Int64)] = []
        for incoming in batch {
            let row = try lookup.bind(.text(incoming.key)).firstRow { ($0.int(0), $0.text(1) ?? "", $0.text(2)) }
            if let (id, frequency, owner) = row {
                if frequency != incoming.frequency.rawValue {
                    let place = incoming.ordinals.first.map { InputPlace.line(Int($0)) }
                    throw InputError(origin: origin, place: place,
                                     reason: "series \(incoming.key) is stored with frequency \(frequency), but the payload has \(incoming.frequency.rawValue) periods")
                }
                if let owner, owner != source {
                    throw InputError(origin: origin, place: nil,
                                     reason: "series \(incoming.key) belongs to source \(owner); one series is fed by one source")
                }
                seen.insert(id)
                stored.append((entries.count, id))
                entries.append(Entry(seriesID: id, claim: owner == nil))
            } else {
                // A new series: every period is added (what `SeriesChanges` finds against no
                // stored version, without its merge); its newest valued one is the payload's.
                var changes = SeriesChanges()
                changes.added = Array(incoming.periods.indices)
                let newest = incoming.values.lastIndex { $0 != nil }
                    .map { NewestValue(period: incoming.periods[$0], value: incoming.values[$0] ?? "", release: nil) }
                entries.append(Entry(seriesID: nil, changes: changes, newest: newest))
            }
        }
        if stored.count >= Self.parallelThreshold {
            for (entry, comparison) in try diffInParallel(stored, batch: batch, recordRemovals: recordRemovals) {
                entries[entry].take(comparison)
            }
        } else {
            for (entry, id) in stored {
                entries[entry].take(try Self.diff(id, batch[entry], recordRemovals: recordRemovals, using: versions))
            }
        }

        var touched: [TouchedSeries] = []
        for (index, entry) in entries.enumerated() {
            added += entry.changes.added.count
            revised += entry.changes.revised.count
            removed += entry.changes.removed.count
            unchanged += entry.changes.unchanged
            guard !entry.changes.isEmpty else { continue }
            let incoming = batch[index]
            var seriesID = entry.seriesID
            if seriesID == nil, let id = nextSeriesID {
                try newSeries.add(.integer(id), .text(incoming.key), .text(incoming.frequency.rawValue), .text(source),
                                  .optional(incoming.name), .optional(incoming.unit))
                nextSeriesID = id < Int64.max ? id + 1 : nil
                seriesID = id
                seen.insert(id)
            } else if seriesID == nil {
                try newSeries.flush()
                try insertSeries.bind(.text(incoming.key), .text(incoming.frequency.rawValue), .text(source),
                                      .optional(incoming.name), .optional(incoming.unit)).run()
                seriesID = db.lastInsertedRowID
                seen.insert(db.lastInsertedRowID)
            } else if entry.claim, let id = seriesID {
                try claimSeries.bind(.text(source), .optional(incoming.name), .optional(incoming.unit), .integer(id)).run()
            }
            guard let id = seriesID else { continue }
            // Rows go into the B-tree in key order: added and revised merged by period.
            let indexes = Self.merged(entry.changes.added, entry.changes.revised)
            // Several rows to a statement, with their statuses when the payload has any.
            let statuses = incoming.statuses
            for index in indexes {
                try versionBatch.add(series: id, period: incoming.periods[index], value: incoming.values[index],
                                     status: statuses.isEmpty ? nil : statuses[index])
            }
            try writeRemovals(entry.changes.removed, of: id)
            try contents.add(series: id, changes: entry.changes, incoming: incoming, newest: entry.newest)
            if collectTouched {
                // A first release is judged from its payload, not by period (`TouchedSeries`).
                var periods = Set<String>()
                if entry.hadVersions {
                    periods = Set(indexes.map { incoming.periods[$0] })
                    periods.formUnion(entry.changes.removed)
                }
                touched.append(TouchedSeries(id: id, key: incoming.key, periods: periods, firstRelease: !entry.hadVersions,
                                             incoming: incoming, source: source, newest: .some(entry.newest)))
            }
        }
        // Written before the alert rules (or anything else) read them.
        try versionBatch.flush()
        try newSeries.flush()
        try contents.flush()
        return touched
    }

    /// A snapshot's removals of the source's stored series the payload did not have at all.
    mutating func removeUnseen() throws -> [TouchedSeries] {
        let owned = try db.prepare("SELECT id FROM series WHERE source_id = ? ORDER BY id").bind(.text(source)).rows { $0.int(0) }
        var touched: [TouchedSeries] = []
        let nothing = SeriesObservations(key: "", frequency: .annual)
        for id in owned where !seen.contains(id) {
            // Compared with an empty payload in snapshot mode: every stored period goes.
            let changes = try Self.diff(id, nothing, recordRemovals: true, using: versions).changes
            guard !changes.removed.isEmpty else { continue }
            removed += changes.removed.count
            try writeRemovals(changes.removed, of: id)
            // Every period removed: no valued period is left.
            try contents.add(series: id, changes: changes, incoming: nil, newest: nil)
            if collectTouched { touched.append(TouchedSeries(id: id, key: nil, periods: Set(changes.removed))) }
        }
        try contents.flush()
        return touched
    }

    private func writeRemovals(_ periods: [String], of id: Int64) throws {
        guard !periods.isEmpty else { return }
        insertVersion.bindInt(id, at: 1)
        insertVersion.bindNull(at: 4)
        insertVersion.bindInt(1, at: 5)
        insertVersion.bindNull(at: 6)
        for period in periods {
            insertVersion.bindText(period, at: 2)
            try insertVersion.run()
        }
    }

    /// Writes the release row when anything changed; nil when nothing did (and nothing
    /// was written).
    func finish(origin: String, publishedAt: Date?, sha256: String) throws -> Release? {
        guard hasChanges else { return nil }
        try db.prepare("""
            INSERT INTO releases (id, source_id, ingested_at, published_at, origin, sha256, added, revised, removed, unchanged)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind(.integer(releaseID), .text(source), .integer(ingestedAt), .optional(publishedAt?.millisecondsSince1970),
                      .text(origin), .text(sha256), .integer(Int64(added)), .integer(Int64(revised)),
                      .integer(Int64(removed)), .integer(Int64(unchanged))).run()
        return Release(id: releaseID, sourceID: source, ingestedAt: Date(milliseconds: ingestedAt), publishedAt: publishedAt,
                       origin: origin, sha256: sha256, added: added, revised: revised, removed: removed, unchanged: unchanged)
    }

    // MARK: - Comparing

    private mutating func diffInParallel(_ stored: [(entry: Int, id: Int64)], batch: [SeriesObservations],
                                         recordRemovals: Bool) throws -> [(Int, Comparison)] {
        let workers = 2
        if readers.isEmpty {
            for _ in 0..<workers {
                let connection = try Connection.reader(path: path, cacheKiB: 8_192)
                readers.append((connection, try connection.prepare(Self.versionsSQL)))
            }
        }
        let results = Mutex<[(Int, Comparison)]>([])
        let failure = Mutex<(any Error)?>(nil)
        let work = UnsafeSendable((stored, batch, readers))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let (stored, batch, readers) = work.value
            do {
                var mine: [(Int, Comparison)] = []
                mine.reserveCapacity(stored.count / workers + 1)
                // One read transaction for the worker's share of the batch: each query on
                // its own would start one (the WAL's read lock, a `stat` of the file), which
                // costs more than comparing a short series. It sees what every query would:
                // the store before this transaction, whose writer holds the write lock.
                try readers[worker].connection.snapshot {
                    var index = worker
                    while index < stored.count {
                        let (entry, id) = stored[index]
                        mine.append((entry, try Self.diff(id, batch[entry], recordRemovals: recordRemovals, using: readers[worker].versions)))
                        index += workers
                    }
                }
                results.withLock { $0 += mine }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0 }
    }

    /// What `incoming` changes in a stored series (the ingest semantics of `SeriesChanges`),
    /// merged straight off the stored rows: periods and values are compared as bytes, and
    /// a `String` is made only for a value that differs in spelling (`1.50` against `1.5`)
    /// or a period the payload lacks. Also whether the series had any version.
    static func diff(_ seriesID: Int64, _ incoming: SeriesObservations, recordRemovals: Bool,
                     using statement: Statement) throws -> Comparison {
        statement.bind(.integer(seriesID))
        defer { statement.reset() }
        let cursor = CurrentVersions(statement)
        var result = Comparison()
        var deletions = incoming.deletedPeriods[...]
        let periods = incoming.periods, values = incoming.values, statuses = incoming.statuses
        /// Whether the payload's status of period `n` is the stored one (both none, mostly).
        @inline(__always)
        func sameStatus(_ n: Int) -> Bool {
            let stored = cursor.status
            if statuses.isEmpty { return stored == nil }
            return Self.same(stored, statuses[n])
        }
        // The newest period with a value once the release is written (for the series'
        // summary): the payload's period `n`, or a stored one and its text.
        var newestIncoming: (n: Int, storedRelease: Int64?)?
        var newestStored: NewestValue?
        /// The payload's period `n` has a value after the release: written by it
        /// (`storedRelease` nil) or unchanged since `storedRelease`.
        func incomingValued(_ n: Int, storedRelease: Int64? = nil) {
            if values[n] != nil { newestIncoming = (n, storedRelease); newestStored = nil }
        }
        var n = 0
        while try cursor.next() {
            result.hadVersions = true
            let stored = cursor.period
            // The payload's next period against the stored one, compared once.
            var order = 1
            while n < periods.count {
                order = Self.compare(periods[n], stored)
                if order >= 0 { break }
                result.changes.added.append(n)
                incomingValued(n)
                n += 1
            }
            let isRemoval = cursor.removed
            if n < periods.count, order == 0 {
                if isRemoval {
                    result.changes.added.append(n)
                    incomingValued(n)
                } else {
                    switch Self.compare(cursor.value, values[n]) {
                    case .identical where sameStatus(n):
                        result.changes.unchanged += 1
                        incomingValued(n, storedRelease: cursor.release)
                    case let .sameNumber(storedText) where sameStatus(n):
                        // Unchanged, and the stored spelling stays.
                        result.changes.unchanged += 1
                        newestStored = NewestValue(period: periods[n], value: storedText, release: cursor.release)
                        newestIncoming = nil
                    case .identical, .sameNumber, .different:
                        // Another value, or the same one with another status: a revision.
                        result.changes.revised.append(n)
                        incomingValued(n)
                    }
                }
                n += 1
            } else {
                // A stored period the payload lacks: removed by a snapshot or a deletion.
                let period = String(decoding: stored, as: UTF8.self)
                while let d = deletions.first, d < period { deletions.removeFirst() }
                if recordRemovals || deletions.first == period, !isRemoval {
                    result.changes.removed.append(period)
                } else if !isRemoval, let value = cursor.value {
                    newestStored = NewestValue(period: period, value: String(decoding: value, as: UTF8.self), release: cursor.release)
                    newestIncoming = nil
                }
            }
        }
        while n < periods.count {
            result.changes.added.append(n)
            incomingValued(n)
            n += 1
        }
        result.newest = newestIncoming.map { NewestValue(period: periods[$0.n], value: values[$0.n] ?? "", release: $0.storedRelease) } ?? newestStored
        return result
    }

    /// What `diff` found about one series.
    struct Comparison {
        var changes = SeriesChanges()
        /// Whether the series had any version before this release.
        var hadVersions = false
        /// The newest period with a value after this release, and its text.
        var newest: NewestValue?
    }

    enum ValueComparison {
        case identical
        /// Another spelling of the same decimal: the stored text.
        case sameNumber(String)
        case different
    }

    /// A stored value (bytes, nil for no value) against the payload's (both backends).
    @inline(__always)
    static func compare(_ stored: UnsafeBufferPointer<UInt8>?, _ value: String?) -> ValueComparison {
        switch (stored, value) {
        case (nil, nil): return .identical
        case let (bytes?, text?):
            var text = text
            let identical = text.withUTF8 { x in x.count == bytes.count && (x.count == 0 || memcmp(x.baseAddress!, bytes.baseAddress!, x.count) == 0) }
            if identical { return .identical }
            let storedText = String(decoding: bytes, as: UTF8.self)
            return ObservationValue.sameNumber(storedText, text) ? .sameNumber(storedText) : .different
        default: return .different
        }
    }

    /// A stored status (bytes, nil for none) against the payload's: exact text.
    @inline(__always)
    static func same(_ stored: UnsafeBufferPointer<UInt8>?, _ status: String?) -> Bool {
        switch (stored, status) {
        case (nil, nil): return true
        case let (bytes?, text?):
            var text = text
            return text.withUTF8 { x in x.count == bytes.count && (x.count == 0 || memcmp(x.baseAddress!, bytes.baseAddress!, x.count) == 0) }
        default: return false
        }
    }

    /// `a` against stored bytes, in the order of `String`'s `<` for canonical (ASCII) periods.
    @inline(__always)
    private static func compare(_ a: String, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        var a = a
        return a.withUTF8 { x in
            let common = min(x.count, b.count)
            if common > 0, let xb = x.baseAddress, let bb = b.baseAddress {
                let c = memcmp(xb, bb, common)
                if c != 0 { return Int(c) }
            }
            return x.count - b.count
        }
    }

    /// Added and revised indexes in ascending order.
    private static func merged(_ a: [Int], _ b: [Int]) -> [Int] {
        if b.isEmpty { return a }
        if a.isEmpty { return b }
        return (a + b).sorted()
    }
}

/// Each period's current version of one series, off `ReleaseWriter.versionsSQL`: the last
/// row of each period. SQLite's pointers end at the next step, so the row being held is
/// copied (a period and a value: a few dozen bytes) into buffers reused for every row —
/// raw memory, so that reading a row costs no reference counting. The cursor's state sits
/// behind a pointer: a class's stored properties would be checked for exclusive access on
/// every row (a tenth of the comparison's time).
final class CurrentVersions {
    private let statement: Statement
    private let state: UnsafeMutablePointer<State>

    private struct State {
        var current = Row(), following = Row()
        var hasFollowing = false, started = false
    }

    /// One row's columns, in buffers owned by the cursor.
    struct Row {
        var period = Bytes()
        var value = Bytes()
        var hasValue = false
        var removed = false
        var release: Int64 = 0
        var status = Bytes()
        var hasStatus = false

        mutating func copy(from statement: Statement) {
            period.set(statement.bytes(0))
            let bytes = statement.bytes(1)
            hasValue = bytes != nil
            value.set(bytes)
            removed = statement.int(2) != 0
            release = statement.int(3)
            let statusBytes = statement.bytes(4)
            hasStatus = statusBytes != nil
            if hasStatus { status.set(statusBytes) }
        }

        func free() {
            period.free()
            value.free()
            status.free()
        }
    }

    /// A growable byte buffer; freed by its cursor.
    struct Bytes {
        private var base = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
        private var capacity = 32
        private(set) var count = 0

        mutating func set(_ bytes: UnsafeBufferPointer<UInt8>?) {
            let n = bytes?.count ?? 0
            if n > capacity {
                base.deallocate()
                capacity = max(n, capacity * 2)
                base = .allocate(capacity: capacity)
            }
            if let source = bytes?.baseAddress, n > 0 { base.update(from: source, count: n) }
            count = n
        }

        var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

        func equals(_ other: Bytes) -> Bool {
            count == other.count && memcmp(base, other.base, count) == 0
        }

        func free() { base.deallocate() }
    }

    init(_ statement: Statement) {
        self.statement = statement
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit {
        state.pointee.current.free()
        state.pointee.following.free()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Moves to the next period's current version; false after the last.
    func next() throws -> Bool {
        let s = state
        if !s.pointee.started {
            s.pointee.started = true
            guard try statement.step() else { return false }
            s.pointee.current.copy(from: statement)
        } else {
            guard s.pointee.hasFollowing else { return false }
            swap(&s.pointee.current, &s.pointee.following)
        }
        s.pointee.hasFollowing = false
        while try statement.step() {
            s.pointee.following.copy(from: statement)
            if s.pointee.following.period.equals(s.pointee.current.period) {
                swap(&s.pointee.current, &s.pointee.following)  // a later version of the same period
            } else {
                s.pointee.hasFollowing = true
                break
            }
        }
        return true
    }

    /// Valid until the next `next()`.
    var period: UnsafeBufferPointer<UInt8> { state.pointee.current.period.buffer }
    var value: UnsafeBufferPointer<UInt8>? { state.pointee.current.hasValue ? state.pointee.current.value.buffer : nil }
    var removed: Bool { state.pointee.current.removed }
    var status: UnsafeBufferPointer<UInt8>? { state.pointee.current.hasStatus ? state.pointee.current.status.buffer : nil }
    var release: Int64 { state.pointee.current.release }
}

/// Hands values that are used by one thread at a time (each worker its own connection)
/// across `concurrentPerform`.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
