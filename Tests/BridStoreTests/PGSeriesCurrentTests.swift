import BridCore
import BridPostgres
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// PostgreSQL's `series_current` (migration `2026-12-10-pg-series-current`): each series'
/// current vintage in one row, which the ingest compares payloads with instead of reading
/// every stored version. A derived cache: after every release, every upgrade and every
/// `migrate-store` it must equal the current vintage derived from the immutable versions
/// (`SeriesCurrentCheck`, one query), and the ingest must judge a payload against it as the
/// SQLite backend does against its versions.
@Suite("PostgreSQL: series_current")
struct PGSeriesCurrentTests {
    typealias Row = (String, String, String?, String?)

    /// One payload: rows (series, period, value, status), deletions, snapshot or not.
    struct Step {
        var rows: [Row]
        var deletions: [(String, String)] = []
        var snapshot = false
    }

    /// Releases exercising every rule of the comparison: appends, a revision, the same
    /// number in another spelling, statuses (added, changed, on an empty value), deletions,
    /// a snapshot's removals, periods added again after their removal, a series removed
    /// whole by a snapshot and fed again.
    static let steps: [Step] = [
        Step(rows: [("a", "2018", "1.5", nil), ("a", "2019", "2", "p"), ("a", "2020", nil, "na"),
                    ("b", "2018-Q1", "10", nil), ("b", "2018-Q2", "11", nil), ("c", "2018-01", "7", nil)]),
        // Append, revise, another spelling of 1.5 (unchanged, stored text stays), status change.
        Step(rows: [("a", "2018", "1.50", nil), ("a", "2019", "2", "e"), ("a", "2020", nil, "na"), ("a", "2021", "3", nil),
                    ("b", "2018-Q1", "10", nil), ("b", "2018-Q2", "12", nil), ("c", "2018-01", "7", nil)]),
        // Deletions of one period each (not a snapshot).
        Step(rows: [("a", "2021", "3", nil)], deletions: [("a", "2019"), ("b", "2018-Q1")]),
        // A snapshot: c and b's periods not in it go, a's 2018 and 2020 go.
        Step(rows: [("a", "2021", "3.0", nil), ("b", "2018-Q2", "12", nil)], snapshot: true),
        // Removed periods and a removed series come back; a value becomes empty.
        Step(rows: [("a", "2018", "1.5", "p"), ("a", "2019", "2", nil), ("a", "2021", nil, nil),
                    ("b", "2018-Q1", "9", nil), ("b", "2018-Q2", "12", nil), ("c", "2018-01", "8", nil), ("c", "2018-02", "9", nil)]),
        // Identical values again: no release.
        Step(rows: [("a", "2018", "1.5", "p"), ("b", "2018-Q2", "12.00", nil)]),
        // New series beside stored ones, and a revision of the status alone.
        Step(rows: [("a", "2018", "1.5", "e"), ("d", "2018", "4", "p"), ("d", "2019", "5", nil)]),
    ]

    static func ingest(_ step: Step, into store: any VintageStore, number: Int) throws -> PayloadOutcome {
        let payload = try PGTestStore.payload(step.rows, deletions: step.deletions, frequencies: try store.seriesFrequencies())
        let sha = String(repeating: "0", count: 48) + String(format: "%016x", number)
        return try store.ingest(payload, source: "src", recordRemovals: step.snapshot, sha256: sha,
                                at: Date(timeIntervalSince1970: 1_543_622_400 + Double(number) * 86_400))
    }

    /// What an outcome says, for comparing the backends.
    static func describe(_ outcome: PayloadOutcome) -> String {
        switch outcome {
        case let .released(r): "release \(r.id): +\(r.added) ~\(r.revised) -\(r.removed) =\(r.unchanged)"
        default: "\(outcome)"
        }
    }

    @Test func theRecordsFollowEveryReleaseAndTheIngestJudgesAsOnSQLite() throws {
        let sqlite = try TemporaryStore(.sqlite)
        let pg = try TemporaryStore(.postgresql)
        for (number, step) in Self.steps.enumerated() {
            let expected = Self.describe(try Self.ingest(step, into: sqlite.store, number: number))
            let got = Self.describe(try Self.ingest(step, into: pg.store, number: number))
            #expect(got == expected, "step \(number)")
            #expect(try SeriesCurrentCheck.differing(pg.postgres) == 0, "step \(number)")
        }
        for key in ["a", "b", "c", "d"] {
            #expect(try pg.store.observations(series: key) == sqlite.store.observations(series: key), "\(key)")
        }
    }

    /// The record's form, as the migration describes it and derives it: after the second
    /// release, `a` keeps 1.5 (1.50 was the same number), 2019's status changed, 2020 has
    /// no value but a status, 2021 was added.
    @Test func aRecordHoldsEachPeriodsCurrentVersion() throws {
        let pg = try TemporaryStore(.postgresql)
        for (number, step) in Self.steps.prefix(2).enumerated() {
            _ = try Self.ingest(step, into: pg.store, number: number)
        }
        let a = try pg.postgres.reads.read { db in
            try db.query("SELECT current FROM series_current c JOIN series s ON s.id = c.series_id WHERE s.key = 'a'").scalar
        }
        #expect(a == "2018\t1.5\tr1\n2019\t2\tr2se\n2020\t\tr1nsna\n2021\t3\tr2")
    }

    /// A store written before the migration (its table dropped and the migration forgotten,
    /// as the schema was then) gets each series' record when it is opened, and the next
    /// release is judged against them.
    @Test func theMigrationBuildsTheRecordsOfAStoreWrittenBeforeIt() throws {
        let cluster = try PostgresCluster.sharedBlocking()
        do {
            let t = try PGTestStore(cluster)
            for (number, step) in Self.steps.prefix(5).enumerated() {
                _ = try Self.ingest(step, into: t.store, number: number)
            }
            t.store.close()
            try t.sql.execute("""
                DROP TABLE series_current; DROP FUNCTION brid_rebuild_series_current(); DROP FUNCTION brid_series_current_derived();
                DELETE FROM schema_migrations WHERE name = '2026-12-10-pg-series-current'
                """)
            let upgraded = try t.another(instance: "test")
            defer { upgraded.close() }
            #expect(try t.count("series_current") == 3)  // a, b, c (d comes later)
            #expect(try SeriesCurrentCheck.differing(t.sql) == 0)
            let sqlite = try TemporaryStore(.sqlite)
            var expected: [String] = []
            for (number, step) in Self.steps.enumerated() {
                expected.append(Self.describe(try Self.ingest(step, into: sqlite.store, number: number)))
            }
            for (number, step) in Self.steps.enumerated().dropFirst(5) {
                #expect(Self.describe(try Self.ingest(step, into: upgraded, number: number)) == expected[number], "step \(number)")
                #expect(try SeriesCurrentCheck.differing(t.sql) == 0, "step \(number)")
            }
        }
    }

    /// `brid migrate-store` derives the records of the copied versions: a revised release
    /// after it is judged as on the SQLite store it came from.
    @Test func aStoreMigratedFromSQLiteJudgesTheNextReleaseAsSQLiteDoes() throws {
        let cluster = try PostgresCluster.sharedBlocking()
        do {
            let sqlite = try TemporaryStore(.sqlite)
            for (number, step) in Self.steps.prefix(5).enumerated() {
                _ = try Self.ingest(step, into: sqlite.store, number: number)
            }
            let t = try PGTestStore(cluster)
            t.store.close()
            _ = try StoreCopy.copy(sqlitePath: sqlite.databasePath, to: t.sql)
            #expect(try t.count("series_current") == 3)
            #expect(try SeriesCurrentCheck.differing(t.sql) == 0)
            let migrated = try t.another(instance: "test")
            defer { migrated.close() }
            for (number, step) in Self.steps.enumerated().dropFirst(5) {
                let expected = Self.describe(try Self.ingest(step, into: sqlite.store, number: number))
                #expect(Self.describe(try Self.ingest(step, into: migrated, number: number)) == expected, "step \(number)")
                #expect(try SeriesCurrentCheck.differing(t.sql) == 0, "step \(number)")
            }
            for key in ["a", "b", "c", "d"] {
                #expect(try migrated.observations(series: key) == sqlite.store.observations(series: key), "\(key)")
            }
        }
    }

    /// An ingest that fails after its first batch was written (a series of the payload's
    /// second batch belongs to another source) leaves every record as it was; the next
    /// release is judged against them.
    @Test func aRolledBackIngestLeavesTheRecordsUnchanged() throws {
        let cluster = try PostgresCluster.sharedBlocking()
        do {
            let t = try PGTestStore(cluster)
            let keys = (0..<(Payload.batchSeries + 10)).map { "s" + String(format: "%05d", $0) }
            _ = try t.ingest([("zz.other", "2018", "1")], source: "other")
            _ = try t.ingest(keys.map { ($0, "2018", "1") })
            let before = try t.rows("SELECT series_id, current FROM series_current ORDER BY series_id")
            #expect(before.count == keys.count + 1)
            #expect(throws: InputError.self) {
                _ = try t.ingest(keys.map { ($0, "2018", "2") } + [("zz.other", "2018", "2")])
            }
            #expect(try t.rows("SELECT series_id, current FROM series_current ORDER BY series_id") == before)
            #expect(try SeriesCurrentCheck.differing(t.sql) == 0)
            let outcome = try t.ingest(keys.map { ($0, "2018", $0 == keys[0] ? "1" : "3") })
            let release = try #require(t.release(outcome))
            #expect((release.added, release.revised, release.removed, release.unchanged) == (0, keys.count - 1, 0, 1))
            #expect(try SeriesCurrentCheck.differing(t.sql) == 0)
        }
    }
}
