import BridCore
@testable import BridStore
import BridTestSupport
import Foundation
import Synchronization
import Testing

/// `SQLiteStore.backup(to:)` on real files: a consistent copy while writes go on, restorable by
/// opening it as a store.
@Suite struct BackupTests {
    /// `count` series × 50 annual periods.
    static func rows(series count: Int, shift: Int) -> [(String, String, String?)] {
        (0..<count).flatMap { s in (1950..<2000).map { year in ("s\(s)", String(year), String(s * year + shift)) } }
    }

    /// Every version of every series of a store, up to a release: what `export --vintages` shows.
    static func vintages(_ store: any VintageStore, upTo release: Int64) throws -> [String: [SeriesVersion]] {
        let keys = try store.seriesSummaries().map(\.key)  // every series, catalogued ones too
        var result: [String: [SeriesVersion]] = [:]
        for key in keys {
            let versions = try #require(try store.versions(series: key)).versions.filter { $0.releaseID <= release }
            if !versions.isEmpty { result[key] = versions }
        }
        return result
    }

    static func integrity(_ path: String) throws -> [String] {
        let connection = try Connection(path: path, readOnly: true)
        defer { connection.close() }
        return try connection.prepare("PRAGMA integrity_check").rows { $0.text(0) ?? "" }
    }

    @Test func aBackupDoesNotWaitForAnOpenWriteTransactionAndLeavesItOut() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest(Self.rows(series: 50, shift: 0))
        let target = t.folder + "/copy.sqlite"
        // The write lock held, a transaction open with a write in it: the backup runs beside
        // it (on this very thread, so it cannot be waiting for it) and copies the last commit.
        let store = try t.sqlite
        let result = try store.writer.withLock { db in
            try db.transaction {
                try db.execute("INSERT INTO sources (id, created_at) VALUES ('uncommitted', 0)")
                return try store.backup(to: target)
            }
        }
        #expect(result.lastReleaseID == 1)
        #expect(result.bytes > 0)
        #expect(try Self.integrity(target) == ["ok"])
        let copy = try SQLiteStore(path: target)
        defer { copy.close() }
        #expect(try copy.sourceState("uncommitted") == nil)
        #expect(try copy.sourceState("src") != nil)
        #expect(try Self.vintages(copy, upTo: .max) == Self.vintages(t.store, upTo: .max))
    } }

    @Test func aBackupTakenDuringIngestsIsAConsistentRestorableStore() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest(Self.rows(series: 200, shift: 0))
        let done = Atomic(false)
        let failure = Mutex<(any Error)?>(nil)
        let clock = Mutex(t.clock)
        // A writer thread releasing one revision after another, each of 10,000 observations.
        let writer = Thread { [store = t.store] in
            var shift = 1
            while !done.load(ordering: .relaxed) && shift < 40 {
                do {
                    let now = clock.withLock { $0 = $0.addingTimeInterval(86_400); return $0 }
                    let frequencies = try store.seriesFrequencies()
                    var builder = PayloadBuilder(origin: "r\(shift).csv") { frequencies[$0] }
                    for (i, row) in Self.rows(series: 200, shift: shift).enumerated() {
                        try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
                    }
                    _ = try store.ingest(try builder.finish(), source: "src", recordRemovals: false,
                                         sha256: String(format: "%064x", shift), at: now)
                } catch {
                    failure.withLock { $0 = error }
                    return
                }
                shift += 1
            }
        }
        writer.start()
        while try t.store.releases(limit: 1).first.map({ $0.id < 3 }) ?? true { Thread.sleep(forTimeInterval: 0.01) }
        let target = t.folder + "/backups/brid.sqlite"
        try FileManager.default.createDirectory(atPath: t.folder + "/backups", withIntermediateDirectories: true)
        let result = try t.store.backup(to: target)
        let releasesWhenCopied = try #require(result.lastReleaseID)
        // Ingests went on during and after the copy.
        while try t.store.releases(limit: 1).first!.id < releasesWhenCopied + 2 && failure.withLock({ $0 }) == nil && writer.isExecuting {
            Thread.sleep(forTimeInterval: 0.01)
        }
        done.store(true, ordering: .relaxed)
        while writer.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        if let error = failure.withLock({ $0 }) { throw error }
        let original = try t.store.releases(limit: 1000)
        #expect(original.count > Int(releasesWhenCopied))

        #expect(try Self.integrity(target) == ["ok"])
        #expect(!FileManager.default.fileExists(atPath: target + "-wal"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: t.folder + "/backups") == ["brid.sqlite"], "no temporary file left")
        // Restored: the copy opened as a store holds exactly the releases up to the copy and
        // every version they wrote — the original as it was at that point.
        let copy = try SQLiteStore(path: target)
        defer { copy.close() }
        let copied = try copy.releases(limit: 1000)
        #expect(copied.map(\.id) == original.filter { $0.id <= releasesWhenCopied }.map(\.id))
        #expect(copied == original.filter { $0.id <= releasesWhenCopied })
        #expect(try Self.vintages(copy, upTo: .max) == Self.vintages(t.store, upTo: releasesWhenCopied))
        #expect(try copy.statistics().observationVersions == copied.reduce(0) { $0 + $1.added + $1.revised + $1.removed })
        // And it takes new releases like any store.
        let frequencies = try copy.seriesFrequencies()
        var builder = PayloadBuilder(origin: "after.csv") { frequencies[$0] }
        try builder.add(series: "s1", period: "1950", value: "-1", ordinal: 2, place: .line(2))
        #expect(try copy.ingest(try builder.finish(), source: "src", recordRemovals: false, sha256: String(repeating: "f", count: 64),
                                at: Date()) != .unchangedPayload)
    } }

    @Test func anExistingTargetIsRefusedUnlessOverwriting() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest(Self.rows(series: 5, shift: 0))
        let target = t.folder + "/b.sqlite"
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: target))
        #expect { try t.store.backup(to: target) } throws: { ($0 as? BackupError)?.kind == .exists }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "not a database")
        let result = try t.store.backup(to: target, overwrite: true)
        #expect(result.lastReleaseID == 1)
        #expect(try Self.integrity(target) == ["ok"])
        // Neither a folder, nor the live database, nor a relative path, nor a missing folder.
        #expect { try t.store.backup(to: t.folder, overwrite: true) } throws: { ($0 as? BackupError)?.kind == .exists }
        #expect { try t.store.backup(to: t.databasePath, overwrite: true) } throws: { ($0 as? BackupError)?.kind == .exists }
        #expect { try t.store.backup(to: "b.sqlite") } throws: { ($0 as? BackupError)?.kind == .failed }
        #expect { try t.store.backup(to: t.folder + "/no/such/b.sqlite") } throws: { ($0 as? BackupError)?.kind == .unwritable }
        #expect(try t.store.releases().count == 1)
    } }
}
