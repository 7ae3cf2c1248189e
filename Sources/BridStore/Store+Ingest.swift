import BridCore
import Dispatch
import Foundation
import Synchronization

extension Store {
    /// The SHA-256 of the last payload the source delivered that was accepted (stored or
    /// found unchanged), so a byte-identical payload is recognised without parsing it.
    public func lastPayloadDigest(source: String) throws -> String? {
        try reader.withLock { db in
            try db.prepare("SELECT last_payload_sha256 FROM sources WHERE id = ?").bind(.text(source)).firstRow { $0.text(0) } ?? nil
        }
    }

    /// Records that the source's payload was byte-identical to its last one: no release,
    /// only the check time.
    public func recordUnchangedPayload(source: String, sha256: String, at now: Date) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try markAccepted(source: source, sha256: sha256, at: now, in: db)
            try alerts.evaluateSource(source)
        }
    }

    /// Records a failed check (a rejected payload, a fetch error) for status reporting.
    public func recordFailure(source: String, message: String, at now: Date) throws {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            try db.prepare("""
                UPDATE sources SET last_check_at = ?1, last_error = ?2, last_error_at = ?1,
                    consecutive_failures = consecutive_failures + 1 WHERE id = ?3
                """).bind(.integer(now.millisecondsSince1970), .text(message), .text(source)).run()
            try alerts.evaluateSource(source)
        }
    }

    /// Ingests a parsed payload in one transaction: a release with exactly the added,
    /// revised (and, when `recordRemovals`, removed) observations — or no release at all
    /// when the payload is byte-identical to the last one or changes no value.
    ///
    /// Throws `InputError` when the payload conflicts with what is stored (a series fed
    /// by another source, a frequency that differs); nothing is written then.
    public func ingest(_ payload: Payload, source: String, recordRemovals: Bool, sha256: String, at now: Date) throws -> IngestOutcome {
        try alertingTransaction(at: now) { db, alerts in
            try ensureSource(source, at: now, in: db)
            let lastDigest = try db.prepare("SELECT last_payload_sha256 FROM sources WHERE id = ?").bind(.text(source)).firstRow { $0.text(0) } ?? nil
            if lastDigest == sha256 {
                try markAccepted(source: source, sha256: sha256, at: now, in: db)
                try alerts.evaluateSource(source)
                return .unchangedPayload
            }
            let plan = try plan(payload, source: source, recordRemovals: recordRemovals, in: db)
            if plan.added + plan.revised + plan.removed == 0 {
                try markAccepted(source: source, sha256: sha256, at: now, in: db)
                try alerts.evaluateSource(source)
                return .unchangedValues(observations: plan.unchanged)
            }
            let (release, touched) = try write(plan, payload: payload, source: source, sha256: sha256, at: now, in: db,
                                               collectTouched: alerts.policy.hasSeriesRules)
            try markAccepted(source: source, sha256: sha256, at: release.ingestedAt, in: db)
            try alerts.evaluate(touched: touched, release: release.id)
            try alerts.evaluateSource(source)
            return .released(release)
        }
    }

    // MARK: - The plan: everything decided before anything is written

    struct SeriesPlan {
        /// Index into `payload.series`, or nil for a stored series the payload lacks.
        var slot: Int?
        var seriesID: Int64?
        /// A stored series without a source yet (from the catalogue): claim it.
        var claim = false
        var changes: SeriesChanges
    }

    struct IngestPlan {
        var series: [SeriesPlan] = []
        var added = 0, revised = 0, removed = 0, unchanged = 0
    }

    private func plan(_ payload: Payload, source: String, recordRemovals: Bool, in db: Connection) throws -> IngestPlan {
        let lookup = try db.prepare("SELECT id, frequency, source_id FROM series WHERE key = ?")
        let versions = try db.prepare("SELECT period, value, removed FROM observation_versions WHERE series_id = ? ORDER BY period, release_id")
        var plan = IngestPlan()
        var seen = Set<Int64>()
        var stored: [(entry: Int, slot: Int, id: Int64)] = []
        for (slot, incoming) in payload.series.enumerated() {
            let row = try lookup.bind(.text(incoming.key)).firstRow { ($0.int(0), $0.text(1) ?? "", $0.text(2)) }
            if let (id, frequency, owner) = row {
                if frequency != incoming.frequency.rawValue {
                    throw InputError(origin: payload.origin, place: incoming.ordinals.first.map { .line(Int($0)) },
                                     reason: "series \(incoming.key) is stored with frequency \(frequency), but the payload has \(incoming.frequency.rawValue) periods")
                }
                if let owner, owner != source {
                    throw InputError(origin: payload.origin, place: nil,
                                     reason: "series \(incoming.key) belongs to source \(owner); one series is fed by one source")
                }
                seen.insert(id)
                stored.append((plan.series.count, slot, id))
                plan.series.append(SeriesPlan(slot: slot, seriesID: id, claim: owner == nil, changes: SeriesChanges()))
            } else {
                var changes = SeriesChanges(current: [], incoming: incoming, recordRemovals: false)
                changes.added = Array(incoming.periods.indices)
                plan.series.append(SeriesPlan(slot: slot, seriesID: nil, changes: changes))
            }
        }
        // Compare with what is stored. Many series: in parallel, on read connections of their
        // own (this transaction holds the write lock and has written nothing yet, so they see
        // exactly what it sees).
        if stored.count >= Self.parallelPlanThreshold {
            for (entry, changes) in try diffInParallel(stored, payload: payload, recordRemovals: recordRemovals) {
                plan.series[entry].changes = changes
            }
        } else {
            for (entry, slot, id) in stored {
                let current = try Store.currentVersions(of: id, using: versions)
                plan.series[entry].changes = SeriesChanges(current: current, incoming: payload.series[slot], recordRemovals: recordRemovals)
            }
        }
        if recordRemovals {
            let owned = try db.prepare("SELECT id FROM series WHERE source_id = ? ORDER BY id").bind(.text(source)).rows { $0.int(0) }
            for id in owned where !seen.contains(id) {
                let current = try Store.currentVersions(of: id, using: versions)
                plan.series.append(SeriesPlan(slot: nil, seriesID: id, changes: SeriesChanges(removingAllOf: current)))
            }
        }
        for entry in plan.series {
            plan.added += entry.changes.added.count
            plan.revised += entry.changes.revised.count
            plan.removed += entry.changes.removed.count
            plan.unchanged += entry.changes.unchanged
        }
        return plan
    }

    /// From how many stored series on the diff runs on two threads.
    static let parallelPlanThreshold = 2_000

    private func diffInParallel(_ stored: [(entry: Int, slot: Int, id: Int64)], payload: Payload, recordRemovals: Bool) throws -> [(Int, SeriesChanges)] {
        let workers = 2
        let results = Mutex<[(Int, SeriesChanges)]>([])
        let failure = Mutex<(any Error)?>(nil)
        let path = self.path
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            do {
                let connection = try Connection(path: path, readOnly: true)
                let versions = try connection.prepare("SELECT period, value, removed FROM observation_versions WHERE series_id = ? ORDER BY period, release_id")
                var mine: [(Int, SeriesChanges)] = []
                mine.reserveCapacity(stored.count / workers + 1)
                var index = worker
                while index < stored.count {
                    let (entry, slot, id) = stored[index]
                    let current = try Store.currentVersions(of: id, using: versions)
                    mine.append((entry, SeriesChanges(current: current, incoming: payload.series[slot], recordRemovals: recordRemovals)))
                    index += workers
                }
                results.withLock { $0 += mine }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0 }
    }

    /// The latest version of every period of a series, sorted by period.
    static func currentVersions(of seriesID: Int64, using statement: Statement) throws -> [StoredObservation] {
        statement.bind(.integer(seriesID))
        var result: [StoredObservation] = []
        while try statement.step() {
            let period = statement.text(0) ?? ""
            let observation = StoredObservation(period: period, value: statement.text(1), removed: statement.int(2) != 0)
            if let last = result.last, last.period == period {
                result[result.count - 1] = observation
            } else {
                result.append(observation)
            }
        }
        statement.reset()
        return result
    }

    // MARK: - Writing

    /// Writes the release; with `collectTouched`, also says which periods of which series
    /// it wrote (for the alert rules; a million period strings are not kept for nothing).
    private func write(_ plan: IngestPlan, payload: Payload, source: String, sha256: String, at now: Date,
                       in db: Connection, collectTouched: Bool) throws -> (Release, [TouchedSeries]) {
        // Release ids and ingest times rise together, so "as of a time" is "as of a release".
        let lastTime = try db.prepare("SELECT max(ingested_at) FROM releases").firstRow { $0.optionalInt(0) } ?? nil
        let ingestedAt = max(now.millisecondsSince1970, lastTime ?? 0)
        try db.prepare("""
            INSERT INTO releases (source_id, ingested_at, published_at, origin, sha256, added, revised, removed, unchanged)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind(.text(source), .integer(ingestedAt), .optional(payload.publishedAt?.millisecondsSince1970),
                      .text(payload.origin), .text(sha256), .integer(Int64(plan.added)), .integer(Int64(plan.revised)),
                      .integer(Int64(plan.removed)), .integer(Int64(plan.unchanged))).run()
        let releaseID = db.lastInsertedRowID

        let insertSeries = try db.prepare("INSERT INTO series (key, frequency, source_id, name, unit) VALUES (?, ?, ?, ?, ?)")
        let claimSeries = try db.prepare("UPDATE series SET source_id = ?, name = coalesce(name, ?), unit = coalesce(unit, ?) WHERE id = ?")
        let insertVersion = try db.prepare("INSERT INTO observation_versions (series_id, period, release_id, value, removed) VALUES (?, ?, ?, ?, ?)")
        insertVersion.bindInt(releaseID, at: 3)
        var touched: [TouchedSeries] = []
        let contents = try ReleaseContentsWriter(release: releaseID, ingestedAt: ingestedAt, in: db)  // what the release wrote, for `release N` and `series`

        for entry in plan.series where !entry.changes.isEmpty {
            var seriesID = entry.seriesID
            if let slot = entry.slot {
                let incoming = payload.series[slot]
                if seriesID == nil {
                    try insertSeries.bind(.text(incoming.key), .text(incoming.frequency.rawValue), .text(source),
                                          .optional(incoming.name), .optional(incoming.unit)).run()
                    seriesID = db.lastInsertedRowID
                } else if entry.claim, let id = seriesID {
                    try claimSeries.bind(.text(source), .optional(incoming.name), .optional(incoming.unit), .integer(id)).run()
                }
                guard let id = seriesID else { continue }
                insertVersion.bindInt(id, at: 1)
                insertVersion.bindInt(0, at: 5)
                let indexes = mergedIndexes(entry.changes.added, entry.changes.revised)
                for index in indexes {
                    try insertVersion.runBindingTexts(incoming.periods[index], at: 2, incoming.values[index], at: 4)
                }
                if collectTouched { touched.append(TouchedSeries(id: id, key: incoming.key, periods: Set(indexes.map { incoming.periods[$0] }))) }
            }
            if let id = seriesID { try contents.add(series: id, changes: entry.changes, incoming: entry.slot.map { payload.series[$0] }) }
            guard let id = seriesID, !entry.changes.removed.isEmpty else { continue }
            if !collectTouched {
                // nothing to remember
            } else if touched.last?.id == id {
                touched[touched.count - 1].periods.formUnion(entry.changes.removed)
            } else {
                touched.append(TouchedSeries(id: id, key: nil, periods: Set(entry.changes.removed)))
            }
            insertVersion.bindInt(id, at: 1)
            insertVersion.bindNull(at: 4)
            insertVersion.bindInt(1, at: 5)
            for period in entry.changes.removed {
                insertVersion.bindText(period, at: 2)
                try insertVersion.run()
            }
        }
        try contents.finish(self)
        let release = Release(id: releaseID, sourceID: source, ingestedAt: Date(milliseconds: ingestedAt), publishedAt: payload.publishedAt,
                              origin: payload.origin, sha256: sha256, added: plan.added, revised: plan.revised,
                              removed: plan.removed, unchanged: plan.unchanged)
        return (release, touched)
    }

    /// Added and revised indexes in ascending order, so rows go into the B-tree in key order.
    private func mergedIndexes(_ a: [Int], _ b: [Int]) -> [Int] {
        if b.isEmpty { return a }
        if a.isEmpty { return b }
        return (a + b).sorted()
    }

    func ensureSource(_ source: String, at now: Date, in db: Connection) throws {
        try db.prepare("INSERT OR IGNORE INTO sources (id, created_at) VALUES (?, ?)")
            .bind(.text(source), .integer(now.millisecondsSince1970)).run()
    }

    private func markAccepted(source: String, sha256: String, at now: Date, in db: Connection) throws {
        try db.prepare("""
            UPDATE sources SET last_payload_sha256 = ?1, last_check_at = ?2, last_success_at = ?2,
                consecutive_failures = 0 WHERE id = ?3
            """).bind(.text(sha256), .integer(now.millisecondsSince1970), .text(source)).run()
    }
}
