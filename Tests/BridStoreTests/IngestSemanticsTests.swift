import BridCore
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

@Suite struct IngestSemanticsTests {
    @Test(arguments: StoreBackend.allCases)
    func firstReleaseAddsEverything(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let outcome = try t.ingest([("cn-kz.trade.total", "2018", "19.885"), ("cn-eu.trains.alataw", "2018", "2388")])
        let release = try #require(t.release(outcome))
        #expect(release.id == 1)
        #expect((release.added, release.revised, release.removed, release.unchanged) == (2, 0, 0, 0))
        #expect(try t.latest("cn-kz.trade.total") == ["2018": "19.885"])
        #expect(try t.store.release(id: 1) == release)
    }

    @Test(arguments: StoreBackend.allCases)
    func aByteIdenticalPayloadOnlyRecordsTheCheck(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let digest = String(repeating: "a", count: 64)
        _ = try t.ingest([("x", "2018", "1")], digest: digest)
        #expect(try t.store.lastPayloadDigest(source: "src") == digest)
        #expect(try t.ingest([("x", "2018", "1")], digest: digest) == .unchangedPayload)
        #expect(try t.store.releases().count == 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func samValuesInADifferentPayloadAreUnchanged(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", "19.885"), ("x", "2019", "20")])
        // Different bytes (another spelling), same decimals: no release.
        #expect(try t.ingest([("x", "2018", "19.8850"), ("x", "2019", "2e1")]) == .unchangedValues(observations: 2))
        #expect(try t.store.releases().count == 1)
        #expect(try t.latest("x") == ["2018": "19.885", "2019": "20"])  // the first text stays
    }

    @Test(arguments: StoreBackend.allCases)
    func aRevisionWritesExactlyTheChangedObservations(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2017", "1"), ("x", "2018", "2"), ("y", "2018", "3")])
        let release = try #require(t.release(try t.ingest([("x", "2017", "1"), ("x", "2018", "2.5"), ("y", "2018", "3"), ("y", "2019", "4")])))
        #expect((release.added, release.revised, release.removed, release.unchanged) == (1, 1, 0, 2))
        let changes = try t.store.changes(release: release.id)
        #expect(changes == [
            ObservationChange(series: "x", period: "2018", kind: .revised, value: "2.5", previousValue: "2", previousReleaseID: 1),
            ObservationChange(series: "y", period: "2019", kind: .added, value: "4", previousValue: nil, previousReleaseID: nil),
        ])
    }

    @Test(arguments: StoreBackend.allCases)
    func revisingToTheSameValueTwiceMakesOneVersion(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", "19.885")])
        _ = try t.ingest([("x", "2018", "19.902")])
        #expect(try t.ingest([("x", "2018", "19.902")]) == .unchangedValues(observations: 1))
        let history = try #require(try t.store.history(series: "x", period: "2018"))
        #expect(history.map(\.value) == ["19.885", "19.902"])
    }

    @Test(arguments: StoreBackend.allCases)
    func revisedAndRevisedBackIsTwoRevisions(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", "19.885")])
        _ = try t.ingest([("x", "2018", "19.902")])
        _ = try t.ingest([("x", "2018", "19.885")])
        let history = try #require(try t.store.history(series: "x", period: "2018"))
        #expect(history.map(\.value) == ["19.885", "19.902", "19.885"])
        #expect(history.map(\.releaseID) == [1, 2, 3])
        #expect(history[0].validUntil == history[1].validFrom)
        #expect(history[1].replacedBy == 3)
        #expect(history[2].validUntil == nil)
    }

    @Test(arguments: StoreBackend.allCases)
    func appendModeNeverRemoves(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2017", "1"), ("x", "2018", "2")])
        #expect(try t.ingest([("x", "2018", "2")]) == .unchangedValues(observations: 1))
        #expect(try t.latest("x") == ["2017": "1", "2018": "2"])
    }

    @Test(arguments: StoreBackend.allCases)
    func aSnapshotRemovesAndALaterReleaseBringsBack(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2017", "1"), ("x", "2018", "2")], snapshot: true)
        let removal = try #require(t.release(try t.ingest([("x", "2018", "2")], snapshot: true)))
        #expect((removal.added, removal.revised, removal.removed, removal.unchanged) == (0, 0, 1, 1))
        #expect(try t.latest("x") == ["2018": "2"])
        #expect(try t.store.changes(release: removal.id) == [
            ObservationChange(series: "x", period: "2017", kind: .removed, value: nil, previousValue: "1", previousReleaseID: 1),
        ])
        let back = try #require(t.release(try t.ingest([("x", "2017", "1.1"), ("x", "2018", "2")], snapshot: true)))
        #expect((back.added, back.revised, back.removed) == (1, 0, 0))
        #expect(try t.latest("x") == ["2017": "1.1", "2018": "2"])
        let history = try #require(try t.store.history(series: "x", period: "2017"))
        #expect(history.map(\.removed) == [false, true, false])
        #expect(history.map(\.value) == ["1", nil, "1.1"])
        // What was known after the removal: 2017 is absent, not a missing value.
        #expect(try t.store.observations(series: "x", vintage: .release(removal.id))?.map(\.period) == ["2018"])
    }

    @Test(arguments: StoreBackend.allCases)
    func aSnapshotWithoutASeriesRemovesAllOfIt(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", "1"), ("y", "2018", "2"), ("y", "2019", "3")], snapshot: true)
        let release = try #require(t.release(try t.ingest([("x", "2018", "1")], snapshot: true)))
        #expect(release.removed == 2)
        #expect(try t.latest("y").isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func missingValuesAreStoredAsNoValueNotZero(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", String?.none), ("x", "2019", "0")])
        let expected: [String: String?] = ["2018": nil, "2019": "0"]
        #expect(try t.latest("x") == expected)
        let revision = try #require(t.release(try t.ingest([("x", "2018", "5"), ("x", "2019", "0")])))
        #expect(revision.revised == 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func aSeriesBelongsToOneSource(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", "1")], source: "a")
        let error = #expect(throws: InputError.self) { try t.ingest([("x", "2018", "2")], source: "b") }
        #expect(error?.reason == "series x belongs to source a; one series is fed by one source")
        #expect(try t.latest("x") == ["2018": "1"])
        #expect(try t.store.releases().count == 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func releaseIdsAndTimesOnlyRise(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("x", "2018", "1")])
        t.clock = t.clock.addingTimeInterval(-10 * 86_400)  // the wall clock went back
        let second = try #require(t.release(try t.ingest([("x", "2018", "2")])))
        let first = try #require(try t.store.release(id: 1))
        #expect(second.id == 2)
        #expect(second.ingestedAt >= first.ingestedAt)
    }
}

@Suite struct LargePayloadTests {
    /// Over `ReleaseWriter.parallelThreshold` stored series, the diff runs on two threads with
    /// read connections of their own: the outcome must be exactly the sequential one.
    @Test(arguments: StoreBackend.allCases)
    func aLargeRevisionIsDiffedExactly(backend: StoreBackend) async throws { try await offPool {
        let t = try TemporaryStore(backend)
        let count = ReleaseWriter.parallelThreshold + 2_500
        var rows: [(String, String, String?)] = []
        for s in 0..<count {
            rows.append(("big.s\(s)", "2017", "\(s)"))
            rows.append(("big.s\(s)", "2018", "\(s).5"))
        }
        _ = try t.ingest(rows, snapshot: true)
        var revised = rows
        let revisions = (count + 29) / 30
        for s in stride(from: 0, to: count, by: 30) { revised[2 * s + 1].2 = "\(s).75" }
        revised.removeLast()                                                              // a removal (snapshot)
        revised.append(("big.s0", "2019", "7"))                                           // an addition
        let release = try #require(t.release(try t.ingest(revised, snapshot: true)))
        #expect((release.added, release.revised, release.removed) == (1, revisions, 1))
        #expect(release.unchanged == 2 * count - revisions - 1)
        let changes = try t.store.changes(release: release.id)
        #expect(changes.count == revisions + 2)
        #expect(changes.filter { $0.kind == .revised }.allSatisfy { $0.period == "2018" && $0.value?.hasSuffix(".75") == true })
        #expect(changes.contains(ObservationChange(series: "big.s\(count - 1)", period: "2018", kind: .removed, value: nil,
                                                   previousValue: "\(count - 1).5", previousReleaseID: 1)))
    } }
}
