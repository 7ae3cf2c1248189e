import BridCore
@testable import BridStore
import Foundation
import Testing

@Suite struct SchemaTests {
    @Test func migrationsAreAppliedOnceAndRecorded() throws {
        let t = try TemporaryStore()
        _ = try t.ingest([("x", "2018", "1")])
        #expect(try t.store.appliedMigrations() == Schema.migrations.map(\.name))
        // Reopening the same file applies nothing again and keeps the data.
        let reopened = try SQLiteStore(path: t.databasePath)
        #expect(try reopened.appliedMigrations() == Schema.migrations.map(\.name))
        #expect(try reopened.observations(series: "x")?.map(\.value) == ["1"])
    }

    @Test func theDatabaseIsInWALMode() throws {
        let t = try TemporaryStore()
        let mode = try t.sqlite.writer.withLock { db in try db.prepare("PRAGMA journal_mode").firstRow { $0.text(0) } }
        #expect(mode == "wal")
    }

    @Test func releasesAndVersionsAreImmutableInSQL() throws {
        let t = try TemporaryStore()
        _ = try t.ingest([("x", "2018", "1")])
        for sql in ["UPDATE releases SET origin = 'x'", "DELETE FROM releases", "UPDATE observation_versions SET value = '2'",
                    "DELETE FROM observation_versions"] {
            #expect(throws: StoreError.self, "\(sql)") { try t.sqlite.writer.withLock { db in try db.execute(sql) } }
        }
        #expect(try t.store.observations(series: "x")?.map(\.value) == ["1"])
    }

    @Test func constraintsRejectInvalidRows() throws {
        let t = try TemporaryStore()
        _ = try t.ingest([("x", "2018", "1")])
        for sql in [
            "INSERT INTO observation_versions (series_id, period, release_id, value) VALUES (999, '2018', 1, '1')",  // no such series
            "INSERT INTO observation_versions (series_id, period, release_id, value) VALUES (1, '2019', 999, '1')",  // no such release
            "INSERT INTO observation_versions (series_id, period, release_id, value, removed) VALUES (1, '2019', 1, '1', 1)",  // removal with a value
            "INSERT INTO series (key, frequency) VALUES ('y', 'X')",
            "INSERT INTO releases (source_id, ingested_at, origin, sha256, added, revised, removed, unchanged) VALUES ('src', 0, 'o', 'short', 1, 0, 0, 0)",
        ] {
            #expect(throws: StoreError.self, "\(sql)") { try t.sqlite.writer.withLock { db in try db.execute(sql) } }
        }
    }

    @Test func aDatabaseFromANewerBridIsRefused() throws {
        let t = try TemporaryStore()
        try t.sqlite.writer.withLock { db in try db.execute("INSERT INTO schema_migrations VALUES ('2099-01-01-future', 0)") }
        let error = #expect(throws: StoreError.self) { try SQLiteStore(path: t.databasePath) }
        #expect(error?.message.contains("2099-01-01-future") == true)
    }

    @Test func sourceStateRecordsChecksAndFailures() throws {
        let t = try TemporaryStore()
        try t.store.recordFailure(source: "s", message: "bad.csv line 3: boom", at: Date(timeIntervalSince1970: 100))
        try t.store.recordFailure(source: "s", message: "again", at: Date(timeIntervalSince1970: 200))
        let failures = try t.sqlite.writer.withLock { db in
            try db.prepare("SELECT consecutive_failures, last_error, last_error_at FROM sources WHERE id = 's'").firstRow { ($0.int(0), $0.text(1), $0.int(2)) }
        }
        #expect(failures?.0 == 2)
        #expect(failures?.1 == "again")
        #expect(failures?.2 == 200_000)
        try t.store.recordUnchangedPayload(source: "s", sha256: String(repeating: "b", count: 64), at: Date(timeIntervalSince1970: 300))
        let after = try t.sqlite.writer.withLock { db in
            try db.prepare("SELECT consecutive_failures, last_success_at FROM sources WHERE id = 's'").firstRow { ($0.int(0), $0.int(1)) }
        }
        #expect(after?.0 == 0)
        #expect(after?.1 == 300_000)
    }
}
