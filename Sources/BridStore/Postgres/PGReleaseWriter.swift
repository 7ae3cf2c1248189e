import BridCore
import BridPostgres
import Foundation

/// Writes one release into PostgreSQL inside the ingest transaction, one batch of series
/// at a time, as `ReleaseWriter` does for SQLite, so memory depends on the batch:
///
/// 1. the batch's keys are looked up in one query (`key = ANY(…)`): stored series are
///    checked (frequency, owning source), new ones get ids from the series' sequence;
/// 2. the current vintage of the batch's stored series comes in one query (`series_id =
///    ANY(…)` on `series_current`'s key: one row per series, not its versions), and is
///    compared with the payload here — the contract's semantics exactly as on SQLite
///    (decimals compared as decimals, the stored spelling kept, statuses, removals,
///    deletions);
/// 3. what changed is sent with binary `COPY … FROM STDIN`: the new series, their versions
///    and the stored series' added, revised and removed versions (only those: an unchanged
///    observation is never written), each written series' new current vintage (its
///    `series_current` row replaced), and its release contents and summary (into a
///    temporary table, applied at the end).
///
/// The release's id and time are taken at the start under a transaction-level advisory
/// lock held to commit (`PostgresStore.AdvisoryLock.releases`): one release is written at
/// a time across every instance, so ids and times rise together and a reader never sees
/// release N+1 before N. The release row comes last, when its counts are known (releases
/// are never updated), then the contents and summaries, whose references are checked once
/// for the whole release by statement triggers (migration `2026-12-09-pg-set-checked-references`);
/// the versions' references are kept by this writer (migration `2026-12-08-pg-bulk-ingest`),
/// and so is `series_current` (migration `2026-12-10-pg-series-current`): a derived cache of
/// each series' current versions, rewritten with the versions in the same transaction.
struct PGReleaseWriter {
    let db: PGConnection
    let source: String
    let ingestedAt: Int64
    let releaseID: Int64
    let collectTouched: Bool
    private(set) var added = 0, revised = 0, removed = 0, unchanged = 0
    /// Stored or new series the payload had (for a snapshot's removal of the others).
    private var seen = Set<Int64>()
    /// Whether any series was written (`brid_written` has rows).
    private var wroteSeries = false

    init(db: PGConnection, source: String, at now: Date, collectTouched: Bool) throws {
        self.db = db
        self.source = source
        self.collectTouched = collectTouched
        try db.query("SELECT pg_advisory_xact_lock($1::integer, $2::integer)",
                     [PostgresStore.lockSpace, PostgresStore.AdvisoryLock.releases.rawValue])
        let row = try db.query("SELECT coalesce(max(id), 0) + 1, max(ingested_at) FROM releases").rows.first
        releaseID = row?[0].flatMap { Int64($0) } ?? 1
        let lastTime = row?[1].flatMap { Int64($0) }
        ingestedAt = max(now.millisecondsSince1970, lastTime ?? 0)
        // Each written series' release contents and summary, inserted once the release row is
        // (`finish`), where their references are checked for the whole release at once.
        try db.execute("""
            CREATE TEMP TABLE brid_written (series_id BIGINT NOT NULL, periods TEXT COLLATE "C" NOT NULL,
                                            latest_period TEXT COLLATE "C", latest_value TEXT)
            ON COMMIT DROP
            """)
    }

    var hasChanges: Bool { added + revised + removed > 0 }

    /// The current vintage of the listed series (`series_current`), through its primary key.
    static let currentSQL = "SELECT series_id, current FROM series_current WHERE series_id = ANY($1::bigint[])"

    /// Runs `currentSQL` for `ids` and hands `body` their records, read in place from
    /// libpq's result (no `String` per stored observation: periods, values and statuses are
    /// compared as bytes).
    func withCurrent<T>(of ids: some Collection<Int64>, _ body: (StoredCurrent) throws -> T) throws -> T {
        try db.withResult(Self.currentSQL, [Self.arrayLiteral(ids.map(String.init))], binary: true) { result in
            try body(StoredCurrent(result))
        }
    }

    /// The records of a batch's series, in libpq's result.
    struct StoredCurrent {
        let result: PGResultRows
        private var rows: [Int64: Int] = [:]

        init(_ result: PGResultRows) {
            self.result = result
            rows.reserveCapacity(result.count)
            for i in 0..<result.count { rows[result[i].int(0)] = i }
        }

        /// Series `id`'s current versions, in period order, into `entries` (emptied first;
        /// empty when the series has no versions). Throws for a record that is not in the
        /// form the migration describes.
        func entries(of id: Int64, into entries: inout [CurrentEntry]) throws {
            entries.removeAll(keepingCapacity: true)
            guard let row = rows[id], let text = result[row].bytes(1) else { return }
            guard CurrentEntry.parse(text, into: &entries) else {
                throw StoreError("the current vintage of series \(id) in series_current is malformed; SELECT brid_rebuild_series_current() derives it again from the versions")
            }
        }
    }

    /// One period's current version, as a line of a `series_current` record holds it
    /// (migration `2026-12-10-pg-series-current`); the bytes point into the record.
    struct CurrentEntry {
        var period: UnsafeBufferPointer<UInt8>
        /// Nil when the version has no value (a removal, or an observation without one).
        var value: UnsafeBufferPointer<UInt8>?
        var removed: Bool
        var status: UnsafeBufferPointer<UInt8>?
        var release: Int64

        private static let tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n")

        /// Parses a record's lines into `entries`; false when it is malformed.
        static func parse(_ text: UnsafeBufferPointer<UInt8>, into entries: inout [CurrentEntry]) -> Bool {
            guard let base = text.baseAddress else { return false }
            let end = text.count
            var release: Int64 = -1
            var i = 0
            while i < end {
                var lineEnd = i
                while lineEnd < end, text[lineEnd] != newline { lineEnd += 1 }
                var tab1 = i
                while tab1 < lineEnd, text[tab1] != tab { tab1 += 1 }
                guard tab1 < lineEnd, tab1 > i else { return false }
                var tab2 = tab1 + 1
                while tab2 < lineEnd, text[tab2] != tab { tab2 += 1 }
                var removed = false, noValue = false
                var status: UnsafeBufferPointer<UInt8>?
                var t = tab2 + 1
                while t < lineEnd {
                    switch text[t] {
                    case UInt8(ascii: "r"):
                        t += 1
                        var number: Int64 = 0, digits = 0
                        while t < lineEnd, text[t] >= UInt8(ascii: "0"), text[t] <= UInt8(ascii: "9") {
                            number = number &* 10 &+ Int64(text[t] &- UInt8(ascii: "0"))
                            t += 1
                            digits += 1
                        }
                        guard digits > 0 else { return false }
                        release = number
                    case UInt8(ascii: "x"): removed = true; t += 1
                    case UInt8(ascii: "n"): noValue = true; t += 1
                    case UInt8(ascii: "s"):
                        guard t + 1 < lineEnd else { return false }
                        status = UnsafeBufferPointer(start: base + t + 1, count: lineEnd - t - 1)
                        t = lineEnd
                    default: return false
                    }
                }
                guard release >= 0 else { return false }
                entries.append(CurrentEntry(
                    period: UnsafeBufferPointer(start: base + i, count: tab1 - i),
                    value: removed || noValue ? nil : UnsafeBufferPointer(start: base + tab1 + 1, count: tab2 - tab1 - 1),
                    removed: removed, status: status, release: release))
                i = lineEnd + 1
            }
            return !entries.isEmpty
        }
    }

    /// Writes a `series_current` record, line by line in period order (the form the
    /// migration describes).
    struct CurrentText {
        private(set) var bytes: [UInt8] = []
        private var lastRelease: Int64 = -1

        /// A stored version kept as it is.
        mutating func append(_ entry: CurrentEntry) {
            begin()
            bytes.append(contentsOf: entry.period)
            bytes.append(UInt8(ascii: "\t"))
            if let value = entry.value { bytes.append(contentsOf: value) }
            tags(release: entry.release, removed: entry.removed, noValue: entry.value == nil && !entry.removed,
                 hasStatus: entry.status != nil) {
                if let status = entry.status { $0.append(contentsOf: status) }
            }
        }

        /// A version this release writes.
        mutating func append(period: String, value: String?, status: String?, release: Int64) {
            begin()
            bytes.append(contentsOf: period.utf8)
            bytes.append(UInt8(ascii: "\t"))
            if let value { bytes.append(contentsOf: value.utf8) }
            tags(release: release, removed: false, noValue: value == nil, hasStatus: status != nil) {
                if let status { $0.append(contentsOf: status.utf8) }
            }
        }

        /// A removal this release writes.
        mutating func appendRemoval(period: UnsafeBufferPointer<UInt8>, release: Int64) {
            begin()
            bytes.append(contentsOf: period)
            bytes.append(UInt8(ascii: "\t"))
            tags(release: release, removed: true, noValue: false, hasStatus: false) { _ in }
        }

        private mutating func begin() {
            if !bytes.isEmpty { bytes.append(UInt8(ascii: "\n")) }
        }

        private mutating func tags(release: Int64, removed: Bool, noValue: Bool, hasStatus: Bool,
                                   status: (inout [UInt8]) -> Void) {
            let newRelease = release != lastRelease
            guard newRelease || removed || noValue || hasStatus else { return }
            bytes.append(UInt8(ascii: "\t"))
            if newRelease {
                bytes.append(UInt8(ascii: "r"))
                appendDecimal(release)
                lastRelease = release
            }
            if removed { bytes.append(UInt8(ascii: "x")) } else if noValue { bytes.append(UInt8(ascii: "n")) }
            if hasStatus {
                bytes.append(UInt8(ascii: "s"))
                status(&bytes)
            }
        }

        private mutating func appendDecimal(_ number: Int64) {
            let start = bytes.count
            var n = number.magnitude
            repeat {
                bytes.append(UInt8(ascii: "0") + UInt8(n % 10))
                n /= 10
            } while n > 0
            bytes[start...].reverse()
        }
    }

    // MARK: - One batch

    /// Compares a batch of the payload's series with what is stored and writes what
    /// changed. Returns, when alert rules want them, the periods written per series.
    mutating func write(_ batch: [SeriesObservations], origin: String, recordRemovals: Bool) throws -> [TouchedSeries] {
        var known: [String: (id: Int64, frequency: String, owner: String?)] = [:]
        known.reserveCapacity(batch.count)
        try db.forEachRow("SELECT key, id, frequency, source_id FROM series WHERE key = ANY($1::text[])",
                          [Self.arrayLiteral(batch.map(\.key))]) { row in
            known[row.text(0) ?? ""] = (row.int(1), row.text(2) ?? "", row.text(3))
        }
        var ids = [Int64?](repeating: nil, count: batch.count)
        var claim = [Bool](repeating: false, count: batch.count)
        var storedIndex: [Int64: Int] = [:]
        for (index, incoming) in batch.enumerated() {
            guard let (id, frequency, owner) = known[incoming.key] else { continue }
            if frequency != incoming.frequency.rawValue {
                let place = incoming.ordinals.first.map { InputPlace.line(Int($0)) }
                throw InputError(origin: origin, place: place,
                                 reason: "series \(incoming.key) is stored with frequency \(frequency), but the payload has \(incoming.frequency.rawValue) periods")
            }
            if let owner, owner != source {
                throw InputError(origin: origin, place: nil,
                                 reason: "series \(incoming.key) belongs to source \(owner); one series is fed by one source")
            }
            ids[index] = id
            claim[index] = owner == nil
            storedIndex[id] = index
            seen.insert(id)
        }

        var comparisons = [Comparison?](repeating: nil, count: batch.count)
        if !storedIndex.isEmpty {
            let releaseID = releaseID
            try withCurrent(of: storedIndex.keys) { stored in
                var entries: [CurrentEntry] = []
                // A stored series without any version (from the catalogue): everything is added.
                for (id, index) in storedIndex {
                    try stored.entries(of: id, into: &entries)
                    comparisons[index] = Self.diff(entries, batch[index], recordRemovals: recordRemovals, release: releaseID)
                }
            }
        }

        // New series (with observations: only deletions change nothing, and are not stored).
        let fresh = batch.indices.filter { ids[$0] == nil && !batch[$0].periods.isEmpty }
        if !fresh.isEmpty {
            var newIDs: [Int64] = []
            newIDs.reserveCapacity(fresh.count)
            try db.forEachRow("SELECT nextval(pg_get_serial_sequence('series', 'id')) FROM generate_series(1, $1)",
                              [String(fresh.count)]) { newIDs.append($0.int(0)) }
            let source = source
            try db.copy("COPY series (id, key, frequency, source_id, name, unit) FROM STDIN (FORMAT binary)", format: .binary) { rows in
                for (index, id) in zip(fresh, newIDs) {
                    let incoming = batch[index]
                    rows.field(id)
                    try rows.field(incoming.key)
                    try rows.field(incoming.frequency.rawValue)
                    try rows.field(source)
                    try rows.field(incoming.name)
                    try rows.field(incoming.unit)
                    try rows.endRow()
                }
            }
            for (index, id) in zip(fresh, newIDs) {
                ids[index] = id
                seen.insert(id)
                comparisons[index] = Self.firstVersions(batch[index], release: releaseID)
            }
        }

        // What changed, written in series-id order (the primary key's order).
        var written: [(index: Int, id: Int64)] = []
        for index in batch.indices {
            guard let comparison = comparisons[index] else { continue }
            added += comparison.added
            revised += comparison.revised
            removed += comparison.removed
            unchanged += comparison.unchanged
            if !comparison.isEmpty, let id = ids[index] { written.append((index, id)) }
        }
        written.sort { $0.id < $1.id }
        try writeVersions(written.map { ($0.id, comparisons[$0.index]!) })

        var touched: [TouchedSeries] = []
        for (index, id) in written {
            let incoming = batch[index]
            let comparison = comparisons[index]!
            if claim[index] {
                try db.query("UPDATE series SET source_id = $1, name = coalesce(name, $2), unit = coalesce(unit, $3) WHERE id = $4",
                             [source, incoming.name, incoming.unit, String(id)])
            }
            if collectTouched {
                // A first release is judged from its payload, not by period (`TouchedSeries`).
                touched.append(TouchedSeries(id: id, key: incoming.key, periods: comparison.hadVersions ? comparison.periods : [],
                                             firstRelease: !comparison.hadVersions, incoming: incoming, source: source,
                                             newest: .some(comparison.newest)))
            }
        }
        return touched
    }

    /// A snapshot's removals of the source's stored series the payload did not have at all.
    mutating func removeUnseen() throws -> [TouchedSeries] {
        var unseen: [Int64] = []
        try db.forEachRow("SELECT id FROM series WHERE source_id = $1 ORDER BY id", [source]) { row in
            let id = row.int(0)
            if !seen.contains(id) { unseen.append(id) }
        }
        var touched: [TouchedSeries] = []
        let nothing = SeriesObservations(key: "", frequency: .annual)
        var start = 0
        while start < unseen.count {
            let chunk = unseen[start..<min(start + Payload.batchSeries, unseen.count)]
            start += chunk.count
            var comparisons: [(Int64, Comparison)] = []
            let releaseID = releaseID
            try withCurrent(of: chunk) { stored in
                var entries: [CurrentEntry] = []
                for id in chunk {
                    // Compared with an empty payload in snapshot mode: every stored period goes.
                    try stored.entries(of: id, into: &entries)
                    guard !entries.isEmpty else { continue }
                    let comparison = Self.diff(entries, nothing, recordRemovals: true, release: releaseID)
                    if !comparison.isEmpty { comparisons.append((id, comparison)) }
                }
            }
            for (_, comparison) in comparisons { removed += comparison.removed }
            try writeVersions(comparisons)
            if collectTouched {
                touched += comparisons.map { TouchedSeries(id: $0.0, key: nil, periods: $0.1.periods) }
            }
        }
        return touched
    }

    /// COPYs the versions of `series` (ascending ids), and stages their release contents and
    /// summaries (`brid_written`).
    private mutating func writeVersions(_ series: [(id: Int64, comparison: Comparison)]) throws {
        guard !series.isEmpty else { return }
        let releaseID = releaseID
        try db.copy("COPY observation_versions (series_id, period, release_id, value, removed, status) FROM STDIN (FORMAT binary)", format: .binary) { rows in
            for (id, comparison) in series {
                if let all = comparison.all {
                    // A series' first versions: the payload's observations as they are.
                    for n in all.periods.indices {
                        rows.field(id)
                        try rows.field(all.periods[n])
                        rows.field(releaseID)
                        try rows.field(all.values[n])
                        rows.field(int32: 0)
                        try rows.field(all.status(at: n))
                        try rows.endRow()
                    }
                    continue
                }
                for row in comparison.rows {
                    rows.field(id)
                    try rows.field(row.period)
                    rows.field(releaseID)
                    try rows.field(row.value)
                    rows.field(int32: row.removed ? 1 : 0)
                    try rows.field(row.status)
                    try rows.endRow()
                }
            }
        }
        try db.copy("COPY brid_written (series_id, periods, latest_period, latest_value) FROM STDIN (FORMAT binary)", format: .binary) { rows in
            var text = ""
            for (id, comparison) in series {
                text.removeAll(keepingCapacity: true)
                if let all = comparison.all {
                    for (n, period) in all.periods.enumerated() {
                        if n > 0 { text += "," }
                        text += period
                    }
                } else {
                    for (n, row) in comparison.rows.enumerated() {
                        if n > 0 { text += "," }
                        text += row.period
                    }
                }
                rows.field(id)
                try rows.field(text)
                try rows.field(comparison.newest?.period)
                try rows.field(comparison.newest?.value)
                try rows.endRow()
            }
        }
        // Their current vintage: the stored records replaced (a delete and a COPY cost less
        // than an upsert through a temporary table), the new series' added.
        let replaced = series.filter { $0.comparison.hadVersions }.map { String($0.id) }
        if !replaced.isEmpty {
            try db.query("DELETE FROM series_current WHERE series_id = ANY($1::bigint[])", [Self.arrayLiteral(replaced)])
        }
        try db.copy("COPY series_current (series_id, current) FROM STDIN (FORMAT binary)", format: .binary) { rows in
            for (id, comparison) in series {
                rows.field(id)
                try rows.field(utf8: comparison.current)
                try rows.endRow()
            }
        }
        wroteSeries = true
    }

    /// Writes the release row and the summaries when anything changed; nil when nothing
    /// did (and nothing was written).
    func finish(origin: String, publishedAt: Date?, sha256: String) throws -> Release? {
        guard hasChanges else { return nil }
        try db.query("""
            INSERT INTO releases (id, source_id, ingested_at, published_at, origin, sha256, added, revised, removed, unchanged)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, [String(releaseID), source, String(ingestedAt), publishedAt.map { String($0.millisecondsSince1970) },
                  origin, sha256, String(added), String(revised), String(removed), String(unchanged)])
        // The identity's sequence follows the ids taken here (a release inserted without
        // an id, as by a tool, then gets the next one).
        try db.query("SELECT setval(pg_get_serial_sequence('releases', 'id'), $1)", [String(releaseID)])
        if wroteSeries {
            try db.query("INSERT INTO release_contents (release_id, series_id, periods) SELECT $1, series_id, periods FROM brid_written",
                         [String(releaseID)])
            try db.query("""
                INSERT INTO series_summaries (series_id, latest_period, latest_value, last_release_id, last_changed_at)
                SELECT series_id, latest_period, latest_value, $1, $2 FROM brid_written
                ON CONFLICT (series_id) DO UPDATE SET latest_period = excluded.latest_period, latest_value = excluded.latest_value,
                    last_release_id = excluded.last_release_id, last_changed_at = excluded.last_changed_at
                """, [String(releaseID), String(ingestedAt)])
        }
        return Release(id: releaseID, sourceID: source, ingestedAt: Date(milliseconds: ingestedAt), publishedAt: publishedAt,
                       origin: origin, sha256: sha256, added: added, revised: revised, removed: removed, unchanged: unchanged)
    }

    // MARK: - Comparing

    /// One version to write.
    struct Row {
        let period: String
        let value: String?
        let removed: Bool
        let status: String?
    }

    /// What the payload changes in one series, and what it writes.
    struct Comparison {
        var added = 0, revised = 0, removed = 0, unchanged = 0
        /// Whether the series had any version before this release.
        var hadVersions = false
        /// The versions to write, in period order.
        var rows: [Row] = []
        /// A series without versions before: every observation of the payload's series is
        /// written as it is (`rows` stays empty, no `Row` is made per observation).
        var all: SeriesObservations?
        /// The newest period with a value after this release, and its text.
        var newest: NewestValue?
        /// The series' current vintage after this release (its `series_current` record).
        var current: [UInt8] = []

        /// Whether nothing is written.
        var isEmpty: Bool { rows.isEmpty && (all?.periods.isEmpty ?? true) }

        /// The periods written.
        var periods: Set<String> { all.map { Set($0.periods) } ?? Set(rows.map(\.period)) }
    }

    /// What `incoming` writes into a series without any version: everything is added.
    static func firstVersions(_ incoming: SeriesObservations, release: Int64) -> Comparison {
        var result = Comparison()
        result.added = incoming.periods.count
        result.all = incoming
        var current = CurrentText()
        for n in incoming.periods.indices {
            current.append(period: incoming.periods[n], value: incoming.values[n], status: incoming.status(at: n), release: release)
        }
        result.current = current.bytes
        if let n = incoming.values.lastIndex(where: { $0 != nil }) {
            result.newest = NewestValue(period: incoming.periods[n], value: incoming.values[n] ?? "", release: nil)
        }
        return result
    }

    /// What `incoming` changes in a stored series (its current versions `stored`, in period
    /// order), and the series' current vintage after it: the semantics of `SeriesChanges`
    /// (and of `ReleaseWriter.diff`): a period the store lacks, or whose current version is
    /// a removal, is added; a value that differs as a decimal, or a status that differs, is
    /// revised (an equal decimal in another spelling is unchanged, and the stored text
    /// stays); a stored period the payload lacks is removed by a snapshot or a deletion.
    /// Stored periods, values and statuses are compared as bytes: a `String` is made only
    /// for a removal and the series' newest stored value.
    static func diff(_ stored: [CurrentEntry], _ incoming: SeriesObservations, recordRemovals: Bool, release: Int64) -> Comparison {
        // Nothing stored: nothing to compare, nor to remove.
        if stored.isEmpty { return firstVersions(incoming, release: release) }
        var result = Comparison()
        result.hadVersions = true
        result.rows.reserveCapacity(8)
        var current = CurrentText()
        var deletions = incoming.deletedPeriods[...]
        let periods = incoming.periods, values = incoming.values
        /// The newest period with a value after this release: the payload's `n` (written,
        /// or unchanged since `release`), or a stored entry's.
        enum Newest { case none, incoming(Int, release: Int64?), stored(CurrentEntry) }
        var newest = Newest.none
        func write(_ n: Int) {
            let status = incoming.status(at: n)
            result.rows.append(Row(period: periods[n], value: values[n], removed: false, status: status))
            current.append(period: periods[n], value: values[n], status: status, release: release)
            if values[n] != nil { newest = .incoming(n, release: nil) }
        }
        var n = 0
        for entry in stored {
            let period = entry.period
            while n < periods.count, compare(periods[n], period) < 0 {
                result.added += 1
                write(n)
                n += 1
            }
            if n < periods.count, compare(periods[n], period) == 0 {
                if entry.removed {
                    result.added += 1
                    write(n)
                } else {
                    let value = entry.value
                    switch ReleaseWriter.compare(value, values[n]) {
                    case .identical where ReleaseWriter.same(entry.status, incoming.status(at: n)):
                        result.unchanged += 1
                        current.append(entry)
                        if value != nil { newest = .incoming(n, release: entry.release) }
                    case .sameNumber where ReleaseWriter.same(entry.status, incoming.status(at: n)):
                        // Unchanged, and the stored spelling stays.
                        result.unchanged += 1
                        current.append(entry)
                        newest = .stored(entry)
                    case .identical, .sameNumber, .different:
                        result.revised += 1
                        write(n)
                    }
                }
                n += 1
            } else {
                // A stored period the payload lacks.
                while let d = deletions.first, compare(d, period) < 0 { deletions.removeFirst() }
                if !entry.removed, recordRemovals || deletions.first.map({ compare($0, period) == 0 }) == true {
                    result.removed += 1
                    result.rows.append(Row(period: text(period), value: nil, removed: true, status: nil))
                    current.appendRemoval(period: period, release: release)
                } else {
                    current.append(entry)
                    if !entry.removed, entry.value != nil { newest = .stored(entry) }
                }
            }
        }
        while n < periods.count {
            result.added += 1
            write(n)
            n += 1
        }
        switch newest {
        case .none: result.newest = nil
        case let .incoming(n, release): result.newest = NewestValue(period: periods[n], value: values[n] ?? "", release: release)
        case let .stored(entry): result.newest = NewestValue(period: text(entry.period), value: text(entry.value), release: entry.release)
        }
        result.current = current.bytes
        return result
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>?) -> String {
        bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// A payload's period against stored bytes, in the order of `String`'s `<` for
    /// canonical (ASCII) periods, as PostgreSQL's `COLLATE "C"` orders them.
    @inline(__always)
    static func compare(_ a: String, _ b: UnsafeBufferPointer<UInt8>?) -> Int {
        var a = a
        return a.withUTF8 { x in compare(x, b) }
    }

    /// Two byte strings in memcmp order (nil as empty).
    @inline(__always)
    static func compare(_ x: UnsafeBufferPointer<UInt8>?, _ y: UnsafeBufferPointer<UInt8>?) -> Int {
        let xc = x?.count ?? 0, yc = y?.count ?? 0
        let common = min(xc, yc)
        if common > 0, let xb = x?.baseAddress, let yb = y?.baseAddress {
            let c = memcmp(xb, yb, common)
            if c != 0 { return Int(c) }
        }
        return xc - yc
    }

    /// A PostgreSQL array literal of texts: each element quoted, `"` and `\` escaped.
    static func arrayLiteral(_ items: [String]) -> String {
        var text = "{"
        text.reserveCapacity(items.reduce(2) { $0 + $1.utf8.count + 3 })
        for (i, item) in items.enumerated() {
            if i > 0 { text += "," }
            text += "\""
            for character in item.unicodeScalars {
                if character == "\"" || character == "\\" { text += "\\" }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}
