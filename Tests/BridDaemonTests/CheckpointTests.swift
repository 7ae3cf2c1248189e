import BridCore
@testable import BridDaemon
import BridRuntime
import BridStore
import Foundation
import Testing

/// After each release the daemon folds a large WAL back into the database file: drops,
/// URL checks and control-socket ingests alike (real SQLite files, a manual clock).
@Suite struct CheckpointTests {
    static let config = """
        [daemon]
        state_dir = "state"

        [[source]]
        id = "kz"
        url = "http://publisher.test/kz.csv"
        format = "csv"
        every = "1h"

        [[source]]
        id = "drop"
        drop = "drop/in"
        format = "csv"
        """

    /// 200 series × 50 years, every value shifted by `shift`.
    static func csv(prefix: String, shift: Int) -> String {
        var text = "series,period,value\n"
        for s in 0..<200 { for year in 1950..<2000 { text += "\(prefix)\(s),\(year),\(s * year + shift)\n" } }
        return text
    }

    @Test func aLargeWALIsCheckpointedAfterEachKindOfRelease() async throws {
        let h = try DaemonHarness(config: Self.config)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv(prefix: "kz", shift: 0))
        try await h.start()
        try await h.settle()
        let store = await h.store
        // The default threshold (64 MiB) leaves a release of 10,000 observations in the WAL.
        #expect(try store.releases().count == 1)
        #expect(store.storageSizes().walBytes > 100_000)

        try store.sqlite.walCheckpointThreshold.store(100_000, ordering: .relaxed)
        // A URL check.
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv(prefix: "kz", shift: 1))
        #expect(await h.daemon.beginCheck("kz"))
        guard case .released = await h.daemon.check("kz") else { Issue.record("no release"); return }
        #expect(store.storageSizes().walBytes == 0)
        // A dropped file.
        let folder = h.root + "/state/drop/in"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(Self.csv(prefix: "d", shift: 0).utf8).write(to: URL(fileURLWithPath: folder + "/r1.csv"))
        #expect(await h.daemon.drops.scanDrop(folder, settle: false).count == 1)
        #expect(try store.releases().count == 3)
        #expect(store.storageSizes().walBytes == 0)
        // A file sent over the control socket.
        let spec = try Ingestor.SourceSpec(try #require(await h.daemon.config.source(id: "drop")))
        _ = try await h.daemon.ingest(Array(Self.csv(prefix: "d", shift: 1).utf8), origin: "r2.csv", source: spec)
        #expect(try store.releases().count == 4)
        #expect(store.storageSizes().walBytes == 0)
        // Every release reached the database file.
        #expect(try store.statistics().observationVersions == 40_000)
    }
}
