import BridCore
@testable import BridStore
import Foundation
import Testing

extension TemporaryStore {
    /// Ingests rows (series, period, value, status) as one payload of `source`.
    @discardableResult
    func ingest(statuses rows: [(String, String, String?, String?)], source: String = "src", snapshot: Bool = false,
                spillingEvery limit: Int? = nil) throws -> PayloadOutcome {
        clock = clock.addingTimeInterval(86_400)
        let frequencies = try store.seriesFrequencies()
        var builder = PayloadBuilder(origin: "test.csv", spill: limit == nil ? nil : MemorySpillArea(),
                                     memoryLimit: limit ?? PayloadBuilder.defaultMemoryLimit) { frequencies[$0] }
        for (i, row) in rows.enumerated() {
            try builder.add(series: row.0, period: row.1, value: row.2, status: row.3, ordinal: Int32(i + 2), place: .line(i + 2))
        }
        let payload = try builder.finish()
        let sha = String(repeating: "0", count: 48) + String(format: "%016x", UInt64(clock.timeIntervalSince1970))
        return try store.ingest(payload, source: source, recordRemovals: snapshot, sha256: sha, at: clock)
    }
}

/// Spilled runs in memory (the runtime's are unnamed files).
final class MemorySpillArea: SpillArea {
    func makeRun() throws -> any SpillRun { MemoryRun() }
}

final class MemoryRun: SpillRun, @unchecked Sendable {
    private var bytes: [UInt8] = []
    func append(_ raw: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: raw) }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        let n = max(0, min(buffer.count, bytes.count - offset))
        if n > 0 { bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) } }
        return n
    }
    var size: Int { bytes.count }
}

/// An observation version may carry a status (Eurostat's `p`, SDMX's OBS_STATUS); a change of
/// status alone is a revision (provisional → final is what revision analysis asks about).
@Suite struct ObservationStatusTests {
    @Test(arguments: StoreBackend.allCases)
    func aStatusOnlyChangeMakesAVersionCountedAsRevised(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest(statuses: [("x", "2021", "5400", "p"), ("x", "2022", "5500", "p")])
        let release = try #require(t.release(try t.ingest(statuses: [("x", "2021", "5400", nil), ("x", "2022", "5500", "p")])))
        #expect((release.added, release.revised, release.removed, release.unchanged) == (0, 1, 0, 1))
        let history = try #require(try t.store.history(series: "x", period: "2021"))
        #expect(history.map(\.value) == ["5400", "5400"])
        #expect(history.map(\.status) == ["p", nil])
        #expect(try t.store.changes(release: release.id) == [
            ObservationChange(series: "x", period: "2021", kind: .revised, value: "5400", status: nil, previousValue: "5400",
                              previousStatus: "p", previousReleaseID: 1),
        ])
    }

    @Test(arguments: StoreBackend.allCases)
    func theSameValueAndStatusMakeNoVersion(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest(statuses: [("x", "2021", "5400", "p"), ("x", "2022", nil, "c")])
        #expect(try t.ingest(statuses: [("x", "2021", "5400.0", "p"), ("x", "2022", nil, "c")]) == .unchangedValues(observations: 2))
        #expect(try t.store.releases().count == 1)
        // Another spelling of the same number with another status: the new version keeps the new text.
        _ = try t.ingest(statuses: [("x", "2021", "5400.0", "e"), ("x", "2022", nil, "c")])
        #expect(try t.store.history(series: "x", period: "2021")?.map(\.value) == ["5400", "5400.0"])
    }

    @Test(arguments: StoreBackend.allCases)
    func showAndExportReadTheStatusOfEachVintage(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest(statuses: [("x", "2021", "5400", "p"), ("x", "2020", "4900", nil)])
        _ = try t.ingest(statuses: [("x", "2021", "5410", nil), ("x", "2020", "4900", nil)])
        #expect(try t.store.observations(series: "x", vintage: .release(1)) == [
            ObservationRow(period: "2020", value: "4900", status: nil, releaseID: 1),
            ObservationRow(period: "2021", value: "5400", status: "p", releaseID: 1),
        ])
        #expect(try t.store.observations(series: "x")?.map(\.status) == [nil, nil])
        let cursor = try t.store.observationsCursor(series: "x", vintage: .release(1))
        #expect(try cursor.next(10).map(\.status) == [nil, "p"])
        let history = try t.store.historyCursor(series: "x", period: "2021")
        #expect(try history.next(10).map(\.status) == ["p", nil])
        #expect(try t.store.versions(series: "x")?.versions.map(\.status) == [nil, "p", nil])
    }

    @Test(arguments: StoreBackend.allCases)
    func aRemovedPeriodComingBackKeepsItsNewStatus(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest(statuses: [("x", "2021", "1", "p"), ("x", "2022", "2", nil)], snapshot: true)
        _ = try t.ingest(statuses: [("x", "2022", "2", nil)], snapshot: true)
        _ = try t.ingest(statuses: [("x", "2021", "1", "e"), ("x", "2022", "2", nil)], snapshot: true)
        #expect(try t.store.history(series: "x", period: "2021")?.map(\.status) == ["p", nil, "e"])
        #expect(try t.store.history(series: "x", period: "2021")?.map(\.removed) == [false, true, false])
    }

    /// More versions than one multi-row statement holds (64 on SQLite), with statuses,
    /// no status and no value mixed: each row keeps its own.
    @Test(arguments: StoreBackend.allCases)
    func manyVersionsKeepTheirOwnStatusesAndValues(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        var rows: [(String, String, String?, String?)] = []
        for month in 0..<150 {
            let period = String(2000 + month / 12) + "-" + (month % 12 < 9 ? "0" : "") + String(month % 12 + 1)
            rows.append(("m", period, month % 5 == 4 ? nil : String(month), month % 3 == 0 ? "s\(month % 7)" : nil))
        }
        _ = try t.ingest(statuses: rows)
        let stored = try #require(try t.store.observations(series: "m"))
        #expect(stored.map(\.period) == rows.map(\.1))
        #expect(stored.map(\.value) == rows.map(\.2))
        #expect(stored.map(\.status) == rows.map(\.3))
    }

    @Test(arguments: StoreBackend.allCases)
    func aSpilledPayloadCarriesItsStatuses(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        var rows: [(String, String, String?, String?)] = []
        for year in (2000..<2040).reversed() { rows.append(("x", String(year), String(year), year % 3 == 0 ? "p" : nil)) }
        _ = try t.ingest(statuses: rows, spillingEvery: 7)
        let stored = try #require(try t.store.observations(series: "x"))
        #expect(stored.count == 40)
        for row in stored { #expect(row.status == (Int(row.period)! % 3 == 0 ? "p" : nil)) }
        // The same again, spilled: unchanged.
        #expect(try t.ingest(statuses: rows, spillingEvery: 7) == .unchangedValues(observations: 40))
    }

    @Test func theSchemaBoundsAStatusAndKeepsVersionsImmutable() throws {
        let t = try TemporaryStore()
        _ = try t.ingest(statuses: [("x", "2021", "1", "p")])
        let db = try Connection(path: t.folder + "/brid.sqlite")
        #expect(throws: (any Error).self) { try db.execute("UPDATE observation_versions SET status = 'e'") }
        #expect(throws: (any Error).self) {
            try db.execute("INSERT INTO observation_versions (series_id, period, release_id, value, status) VALUES (1, '2022', 1, '1', '\(String(repeating: "x", count: 17))')")
        }
        #expect(throws: (any Error).self) {
            try db.execute("INSERT INTO observation_versions (series_id, period, release_id, value, status) VALUES (1, '2022', 1, '1', '')")
        }
        let status = try db.prepare("SELECT status FROM observation_versions").firstRow { $0.text(0) }
        #expect(status == "p")
    }

    @Test func theBuilderRefusesAnOverlongStatusAndDropsAnEmptyOne() throws {
        var builder = PayloadBuilder(origin: "t.csv") { _ in nil }
        try builder.add(series: "x", period: "2020", value: "1", status: " ", ordinal: 2, place: .line(2))
        try builder.add(series: "x", period: "2021", value: "1", status: " p ", ordinal: 3, place: .line(3))
        #expect(throws: InputError.self) {
            try builder.add(series: "x", period: "2022", value: "1", status: String(repeating: "p", count: 17), ordinal: 4, place: .line(4))
        }
        let payload = try builder.finish()
        #expect(payload.series[0].statuses == [nil, "p"])
    }
}
