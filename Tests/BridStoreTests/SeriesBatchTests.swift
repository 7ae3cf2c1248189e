import BridCore
@testable import BridStore
import Foundation
import Testing

/// New series, their release contents and summaries are written several rows to a
/// statement (`RowBatch`), and the series table's frequency check is spelled as
/// comparisons: the same rows, ids and constraints as one statement per row.
@Suite struct SeriesBatchTests {
    /// More new series than one multi-row statement takes, after a catalogued series with a
    /// high id: each new series gets the id SQLite gives one insert at a time (the largest
    /// + 1, in payload order), and its contents and summary rows are all there.
    @Test func newSeriesGetTheIdsOneInsertAtATimeWouldGive() throws {
        let t = try TemporaryStore()
        let count = RowBatch.rowsPerStatement * 2 + 7
        try t.sqlite.writer.withLock { db in
            try db.execute("INSERT INTO series (id, key, frequency) VALUES (41, 'catalogued', 'A')")
        }
        let keys = (0..<count).map { "k" + String(1_000 + $0) }
        _ = try t.ingest(keys.map { ($0, "2018", "1") } + [("catalogued", "2018", "2")])
        let rows = try t.sqlite.writer.withLock { db in
            try db.prepare("SELECT id, key, source_id FROM series ORDER BY id").rows { ($0.int(0), $0.text(1) ?? "", $0.text(2)) }
        }
        #expect(rows.map(\.0) == [41] + (42..<Int64(42 + count)).map { $0 })
        #expect(rows.map(\.1) == ["catalogued"] + keys)
        #expect(rows.allSatisfy { $0.2 == "src" })
        let counts = try t.sqlite.writer.withLock { db in
            try db.prepare("""
                SELECT (SELECT count(*) FROM release_contents WHERE release_id = 1),
                       (SELECT count(*) FROM series_summaries WHERE last_release_id = 1 AND latest_period = '2018'),
                       (SELECT count(*) FROM pragma_foreign_key_check)
                """).firstRow { [$0.int(0), $0.int(1), $0.int(2)] }
        }
        #expect(counts == [Int64(count + 1), Int64(count + 1), 0])
        // A second release revises a few and adds more: summaries replaced, ids go on.
        _ = try t.ingest(keys.prefix(3).map { ($0, "2018", "9") } + [("new", "2019", "1")])
        let after = try t.sqlite.writer.withLock { db in
            try db.prepare("""
                SELECT (SELECT id FROM series WHERE key = 'new'),
                       (SELECT count(*) FROM release_contents WHERE release_id = 2),
                       (SELECT count(*) FROM series_summaries WHERE latest_value = '9' AND last_release_id = 2)
                """).firstRow { [$0.int(0), $0.int(1), $0.int(2)] }
        }
        #expect(after == [Int64(42 + count), 4, 3])
    }

    /// The check allows exactly the five frequencies, as its list did, and builds no
    /// temporary index per insert.
    @Test func theFrequencyCheckAllowsTheFiveFrequenciesOnly() throws {
        let t = try TemporaryStore()
        try t.sqlite.writer.withLock { db in
            for (n, frequency) in ["A", "Q", "M", "W", "D"].enumerated() {
                try db.execute("INSERT INTO series (key, frequency) VALUES ('ok\(n)', '\(frequency)')")
            }
            for frequency in ["X", "a", "", "AA", "M "] {
                #expect(throws: StoreError.self, "\(frequency)") {
                    try db.execute("INSERT INTO series (key, frequency) VALUES ('bad', '\(frequency)')")
                }
            }
            #expect(throws: StoreError.self) { try db.execute("INSERT INTO series (key, frequency) VALUES ('bad', NULL)") }
            let plan = try db.prepare("EXPLAIN INSERT INTO series (key, frequency) VALUES (?, ?)").rows { $0.text(1) ?? "" }
            #expect(!plan.contains("OpenEphemeral"))
        }
    }

    /// A store made before the change (its series table still has the list) is given the
    /// comparisons when opened; its rows are untouched and the check still holds.
    @Test func anOlderStoreIsGivenTheComparisons() throws {
        let t = try TemporaryStore()
        _ = try t.ingest([("x", "2018-01", "1")])
        try t.sqlite.writer.withLock { db in
            try db.execute("""
                PRAGMA writable_schema = ON;
                UPDATE sqlite_master SET sql = replace(sql,
                    'CHECK (frequency = ''A'' OR frequency = ''Q'' OR frequency = ''M'' OR frequency = ''W'' OR frequency = ''D'')',
                    'CHECK (frequency IN (''A'', ''Q'', ''M'', ''W'', ''D''))')
                 WHERE type = 'table' AND name = 'series';
                PRAGMA writable_schema = OFF;
                DELETE FROM schema_migrations WHERE name = '2026-12-08-series-frequency-check';
                """)
        }
        let old = try SQLiteStore(path: t.databasePath)
        try old.writer.withLock { db in
            let sql = try db.prepare("SELECT sql FROM sqlite_master WHERE name = 'series'").firstRow { $0.text(0) ?? "" } ?? ""
            #expect(sql.contains("frequency = 'A' OR frequency = 'Q' OR frequency = 'M' OR frequency = 'W' OR frequency = 'D'"))
            #expect(!sql.contains("IN ("))
            #expect(try db.prepare("PRAGMA integrity_check").rows { $0.text(0) ?? "" } == ["ok"])
            #expect(throws: StoreError.self) { try db.execute("INSERT INTO series (key, frequency) VALUES ('bad', 'X')") }
        }
        #expect(try old.appliedMigrations() == Schema.migrations.map(\.name))
        #expect(try old.observations(series: "x")?.map(\.value) == ["1"])
    }
}
