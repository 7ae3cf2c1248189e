import BridCore
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// The WAL on real SQLite files: bounded while the store is open, gone once it is closed.
@Suite struct StoreMaintenanceTests {
    /// `count` series × 50 annual periods, the values shifted by `shift`.
    static func rows(series count: Int, shift: Int = 0) -> [(String, String, String?)] {
        (0..<count).flatMap { s in (1950..<2000).map { year in ("s\(s)", String(year), String(s * year + shift)) } }
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func closeCheckpointsAndRemovesTheWALAndSharedMemory() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest(Self.rows(series: 200))
        #expect(exists(t.databasePath + "-wal"))
        #expect(exists(t.databasePath + "-shm"))
        #expect(t.store.storageSizes().walBytes > 0)
        t.store.close()
        #expect(!exists(t.databasePath + "-wal"))
        #expect(!exists(t.databasePath + "-shm"))
        #expect(t.store.isClosed)
        // Every later use throws instead of touching a closed handle; a second close is harmless.
        #expect(throws: StoreError.self) { try t.store.releases() }
        #expect(throws: StoreError.self) { try t.ingest([("x", "2018", "1")]) }
        t.store.close()
        // All of it reached the database file.
        let reopened = try SQLiteStore(path: t.databasePath)
        #expect(try reopened.statistics().observationVersions == 200 * 50)
        reopened.close()
    } }

    @Test func closeClosesTheReaderBeforeTheWriter() async throws { try await offPool {
        // A read-only connection cannot checkpoint: were it the last to close, the WAL
        // would stay. The store closes its reader first and its writer last.
        let t = try TemporaryStore()
        try t.ingest(Self.rows(series: 10))
        _ = try t.store.observations(series: "s1")  // the reader has been used
        t.store.close()
        #expect(!exists(t.databasePath + "-wal"))
    } }

    @Test func checkpointTruncatesTheWALAndStatisticsCountTheDatabaseAlone() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest(Self.rows(series: 400))
        let wal = t.store.storageSizes().walBytes
        #expect(wal > 500_000)
        #expect(try t.sqlite.checkpointIfLarge(threshold: wal + 1) == false)
        #expect(t.store.storageSizes().walBytes == wal)
        // `status` counts the database file, not the WAL.
        let sizes = t.store.storageSizes()
        #expect(try t.store.statistics().sizeBytes == sizes.databaseBytes)
        #expect(try t.sqlite.checkpointIfLarge(threshold: 1_000) == true)
        #expect(t.store.storageSizes().walBytes == 0)
        #expect(t.store.storageSizes().databaseBytes > 500_000)
        // Still a working store.
        try t.ingest(Self.rows(series: 400, shift: 1))
        #expect(try t.store.releases().count == 2)
    } }

    @Test func theWALIsCappedAndCheckpointedAfterEachLargeRelease() async throws { try await offPool {
        let t = try TemporaryStore()
        let limit = try t.sqlite.writer.withLock { db in try db.prepare("PRAGMA journal_size_limit").firstRow { $0.int(0) } }
        #expect(limit == SQLiteStore.journalSizeLimit)
        // What the daemon does after each release (with a threshold this test's releases pass):
        // the WAL never holds more than the last release.
        var largest: Int64 = 0
        for shift in 0..<5 {
            try t.ingest(Self.rows(series: 300, shift: shift))
            largest = max(largest, t.store.storageSizes().walBytes)
            #expect(try t.sqlite.checkpointIfLarge(threshold: 100_000))
            #expect(t.store.storageSizes().walBytes == 0)
        }
        #expect(largest < t.store.storageSizes().databaseBytes)
    } }

    @Test func theParallelDiffsReadConnectionsDoNotPinTheWAL() async throws { try await offPool {
        // 2,000 stored series, above the threshold (2,000 today, 512 in the ingest rewrite)
        // from which each revision is diffed on two read connections of their own, opened
        // inside the write transaction. Closed before the commit, they do not keep
        // SQLite's automatic checkpoint (lowered from 1,000 pages to 50 here, to keep the
        // test small) from resetting the WAL: six revisions in one open store, with no
        // explicit checkpoint, are written over each other instead of adding up.
        let t = try TemporaryStore()
        try t.sqlite.writer.withLock { db in try db.execute("PRAGMA wal_autocheckpoint = 50") }
        func rows(_ shift: Int) -> [(String, String, String?)] {
            var result: [(String, String, String?)] = []
            for s in 0..<2_000 {
                let revised = s % 10 == 0 ? shift : 0  // a tenth of the series revised each time
                for year in 1990..<2000 { result.append(("s\(s)", String(year), String(s * year + revised))) }
            }
            return result
        }
        try t.ingest(rows(0))
        var sizes: [Int64] = []
        for shift in 1...6 {
            try t.ingest(rows(shift))
            sizes.append(t.store.storageSizes().walBytes)
        }
        #expect(try t.store.releases().map(\.revised) == [2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 0])
        // Appended, each release would make the file longer; reused, it stays as it was.
        #expect(sizes.allSatisfy { $0 == sizes[0] }, "WAL sizes after each revision: \(sizes)")
    } }

    @Test func aReopenedStoreDoesNotAppendToAnOldWAL() async throws { try await offPool {
        // Before the store closed its connections, every process left its WAL behind and the
        // next one appended to it: +1 release's size per run.
        let t = try TemporaryStore()
        var path = t.databasePath
        for shift in 0..<4 {
            let store = shift == 0 ? try t.sqlite : try SQLiteStore(path: path)
            let frequencies = try store.seriesFrequencies()
            var builder = PayloadBuilder(origin: "r.csv") { frequencies[$0] }
            for (i, row) in Self.rows(series: 300, shift: shift).enumerated() {
                try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
            }
            _ = try store.ingest(try builder.finish(), source: "src", recordRemovals: false,
                                 sha256: String(repeating: "\(shift)", count: 64), at: Date(timeIntervalSince1970: Double(1_600_000_000 + shift)))
            store.close()
            #expect(!exists(path + "-wal"))
            path = store.path
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.releases().count == 4)
        reopened.close()
    } }
}
