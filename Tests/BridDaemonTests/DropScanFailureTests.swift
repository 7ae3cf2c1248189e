import BridCore
@testable import BridDaemon
import BridProtocol
import BridRuntime
@testable import BridStore
import Foundation
import Logging
import Testing

/// A drop folder whose scans fail for a reason other than a file's content — a store that
/// cannot be written, a folder that cannot be prepared — is a failing source: shown by
/// `status`, a failed `fetch`, counted for `fetch_failing`, retried with backoff on the
/// daemon's clock. Real SQLite files; the store made unwritable at its boundary with
/// `PRAGMA query_only` (a write then fails as on a read-only disk, for root too).
@Suite struct DropScanFailureTests {
    final class Harness: @unchecked Sendable {
        let root = NSTemporaryDirectory() + "brid-dropfail-" + UUID().uuidString.prefix(8)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))  // 2025-11-30T08:00:00Z
        let daemon: Daemon
        let api: ControlAPI

        init() throws {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try Data("""
                [daemon]
                state_dir = "state"

                [[source]]
                id = "d"
                drop = "drop/d"
                format = "csv"

                [[alert]]
                id = "d-failing"
                source = "d"
                when = "fetch_failing"
                failures = 2
                """.utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
            let config = try ConfigLoader.load(path: root + "/brid.toml").get()
            let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            daemon = try standaloneDaemon(config, clock: clock, logger: logger)
            api = ControlAPI(daemon: daemon, startedAt: clock.now(), logger: logger)
            try DropFolder(path: folder).prepare()
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        var folder: String { root + "/state/drop/d" }
        var store: any VintageStore { daemon.store }

        /// A file dropped a minute before the clock's now (settled).
        func drop(_ name: String) throws {
            let path = folder + "/" + name
            try Data("series,period,value\ncn-kz.trade.total,2018,19.885\n".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: clock.now().addingTimeInterval(-60)], ofItemAtPath: path)
        }

        /// Writes to the store fail (SQLITE_READONLY) while `on`.
        func storeWritable(_ on: Bool) throws {
            try store.sqlite.writer.withLock { try $0.execute("PRAGMA query_only = \(on ? "OFF" : "ON")") }
        }

        func fetch() async throws -> [FetchOutcome] {
            try await api.fetch(BridProtocol.FetchRequest(sources: ["d"])).outcomes
        }

        func status() async throws -> SourceStatus {
            try #require(try await api.status().sources.first { $0.id == "d" })
        }

        /// Moves the clock by `seconds`; the retries due run and schedule their next.
        func advance(by seconds: TimeInterval, expectingScans scans: Int) async throws {
            clock.advance(by: seconds)
            try await eventually("\(scans) failed scans") { await self.daemon.drops.scanFailures == scans }
        }

        /// When the next retry is due, relative to `start`.
        func retryDue(after start: Date) async -> TimeInterval? {
            await daemon.drops.scheduledScans[folder].map { $0.timeIntervalSince(start) }
        }
    }

    @Test func aScanThatCannotWriteTheStoreIsAFailingSourceRetriedWithBackoffUntilItWorks() async throws {
        let h = try Harness()
        let start = h.clock.now()
        try h.drop("r1.csv")
        try h.storeWritable(false)

        let outcomes = try await h.fetch()
        #expect(outcomes.map(\.outcome) == [.failed], "not \"no new files\": brictl fetch exits 1")
        #expect(outcomes.first?.message.contains("cannot scan \(h.folder)") == true)
        #expect(outcomes.first?.message.contains("readonly") == true, "\(outcomes)")
        #expect(FileManager.default.fileExists(atPath: h.folder + "/r1.csv"), "the file waits")
        // The store could not record it: status shows it all the same.
        #expect(try h.store.sourceState("d")?.consecutiveFailures ?? 0 == 0)
        var status = try await h.status()
        #expect(status.state == .failing)
        #expect(status.consecutiveFailures == 1)
        #expect(status.lastError?.contains("cannot scan") == true)
        #expect(status.lastErrorAt == start)
        #expect(await h.daemon.statusLine().contains("1 failing"))

        // Retried after 1 minute, then 2 (on the clock, not by the 5-minute rescan).
        #expect(await h.retryDue(after: start) == 60)
        h.clock.advance(by: 59)
        #expect(await h.daemon.drops.scanFailures == 1)
        try await h.advance(by: 1, expectingScans: 2)
        #expect(await h.retryDue(after: start) == 180)
        #expect(try await h.status().consecutiveFailures == 2)

        // The store can be written again, but the folder cannot be prepared: this failure
        // is recorded, with the two the store missed, and fetch_failing fires.
        try h.storeWritable(true)
        try FileManager.default.removeItem(atPath: h.folder + "/processed")
        try Data().write(to: URL(fileURLWithPath: h.folder + "/processed"))
        try await h.advance(by: 120, expectingScans: 3)
        let recorded = try #require(try h.store.sourceState("d"))
        #expect(recorded.consecutiveFailures == 3)
        #expect(recorded.lastError?.contains("cannot scan") == true)
        #expect(try h.store.alerts().map(\.rule) == ["d-failing"])
        #expect(await h.retryDue(after: start) == 180 + 240)

        // Fixed: the retry takes the file, the source is ok, the alert resolves.
        try FileManager.default.removeItem(atPath: h.folder + "/processed")
        h.clock.advance(by: 240)
        try await eventually("the waiting file is ingested") { FileManager.default.fileExists(atPath: h.folder + "/processed/r1.csv") }
        try await eventually("the scan has recovered") { await h.daemon.drops.failures.isEmpty }
        status = try await h.status()
        #expect(status.state == .ok)
        #expect(status.consecutiveFailures == 0)
        #expect(try h.store.releases().count == 1)
        #expect(try h.store.alerts().isEmpty)
    }

    @Test func aFileAnnouncedCompleteIsStillTakenOnTheRetry() async throws {
        let h = try Harness()
        let path = h.folder + "/fresh.csv"
        try Data("series,period,value\ncn-kz.trade.total,2018,19.885\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: h.clock.now()], ofItemAtPath: path)  // just written
        try h.storeWritable(false)
        await h.daemon.drops.arrived(DropWatcher.Arrival(folder: h.folder, name: "fresh.csv"))  // inotify: closed after writing
        #expect(await h.daemon.drops.scanFailures == 1)
        try h.storeWritable(true)
        // Still known complete: taken at once, not left to settle as if nobody had said so.
        #expect(try await h.fetch().map(\.outcome) == [.released])
        #expect(try await h.status().state == .ok)
    }

    @Test func aScanThatWorksAgainWithNoFileEndsTheFailure() async throws {
        let h = try Harness()
        try FileManager.default.removeItem(atPath: h.folder + "/processed")
        try Data().write(to: URL(fileURLWithPath: h.folder + "/processed"))
        for n in 1...2 {
            #expect(try await h.fetch().map(\.outcome) == [.failed])
            #expect(try h.store.sourceState("d")?.consecutiveFailures == n)
        }
        #expect(try h.store.alerts().map(\.rule) == ["d-failing"])
        try FileManager.default.removeItem(atPath: h.folder + "/processed")
        let outcomes = try await h.fetch()
        #expect(outcomes.map(\.outcome) == [.unchanged])
        #expect(outcomes.first?.message.hasPrefix("no new files") == true)
        #expect(try h.store.sourceState("d")?.consecutiveFailures == 0)
        #expect(try h.store.alerts().isEmpty, "fetch_failing resolves on the next successful scan")
        #expect(try await h.status().state == .ok)
    }

    @Test func aRejectedFileAfterFailedScansStaysAFailure() async throws {
        let h = try Harness()
        try FileManager.default.removeItem(atPath: h.folder + "/processed")
        try Data().write(to: URL(fileURLWithPath: h.folder + "/processed"))
        #expect(try await h.fetch().map(\.outcome) == [.failed])
        try FileManager.default.removeItem(atPath: h.folder + "/processed")
        try Data("series,period,value\ncn-kz.trade.total,2018,eight\n".utf8).write(to: URL(fileURLWithPath: h.folder + "/bad.csv"))
        try FileManager.default.setAttributes([.modificationDate: h.clock.now().addingTimeInterval(-60)], ofItemAtPath: h.folder + "/bad.csv")
        #expect(try await h.fetch().map(\.outcome) == [.rejected])
        #expect(try h.store.sourceState("d")?.consecutiveFailures == 2, "the rejection counts on top of the failed scan")
        #expect(try await h.status().state == .failing)
    }
}
