import BridCore
@testable import BridStore
import Foundation

/// A store in a fresh temporary folder, removed when the test's value goes away.
final class TemporaryStore {
    let folder: String
    let store: SQLiteStore
    var clock = Date(timeIntervalSince1970: 1_543_622_400)  // 2018-12-01T00:00:00Z

    init() throws {
        folder = NSTemporaryDirectory() + "brid-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder + "/brid.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// Ingests rows (series, period, value) as one payload of `source`, one day after the last.
    @discardableResult
    func ingest(_ rows: [(String, String, String?)], source: String = "src", snapshot: Bool = false, digest: String? = nil) throws -> PayloadOutcome {
        clock = clock.addingTimeInterval(86_400)
        let frequencies = try store.seriesFrequencies()
        var builder = PayloadBuilder(origin: "test.csv") { frequencies[$0] }
        for (i, row) in rows.enumerated() {
            try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
        }
        let payload = try builder.finish()
        let sha = digest ?? String(repeating: "0", count: 48) + String(format: "%016x", UInt64(clock.timeIntervalSince1970))
        return try store.ingest(payload, source: source, recordRemovals: snapshot, sha256: sha, at: clock)
    }

    func release(_ outcome: PayloadOutcome) -> Release? {
        if case let .released(release) = outcome { return release }
        return nil
    }

    func latest(_ series: String) throws -> [String: String?] {
        Dictionary(uniqueKeysWithValues: try (store.observations(series: series) ?? []).map { ($0.period, $0.value) })
    }
}
