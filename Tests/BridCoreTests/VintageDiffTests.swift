@testable import BridCore
import Testing

@Suite struct VintageDiffTests {
    func incoming(_ rows: [(String, String?)]) -> SeriesObservations {
        var s = SeriesObservations(key: "x", frequency: .annual)
        for (i, row) in rows.enumerated() {
            s.periods.append(row.0)
            s.values.append(row.1)
            s.ordinals.append(Int32(i + 2))
        }
        return s
    }

    func stored(_ rows: [(String, String?, Bool)]) -> [StoredObservation] {
        rows.map { StoredObservation(period: $0.0, value: $0.1, removed: $0.2) }
    }

    @Test func classifiesAddedRevisedUnchanged() {
        let changes = SeriesChanges(
            current: stored([("2016", "1", false), ("2017", "2.50", false), ("2018", "3", false)]),
            incoming: incoming([("2017", "2.5"), ("2018", "3.1"), ("2019", "4")]),
            recordRemovals: false)
        #expect(changes.added == [2])
        #expect(changes.revised == [1])
        #expect(changes.unchanged == 1)
        #expect(changes.removed.isEmpty)  // append mode never removes 2016
    }

    @Test func snapshotsRemoveWhatThePayloadLacks() {
        let changes = SeriesChanges(
            current: stored([("2016", "1", false), ("2017", "2", false), ("2018", nil, true)]),
            incoming: incoming([("2017", "2")]),
            recordRemovals: true)
        #expect(changes.removed == ["2016"])  // 2018 is already removed
        #expect(changes.unchanged == 1)
    }

    @Test func aRemovedPeriodComingBackIsAdded() {
        let changes = SeriesChanges(current: stored([("2018", nil, true)]), incoming: incoming([("2018", "5")]), recordRemovals: true)
        #expect(changes.added == [0])
    }

    @Test func valueToNoValueIsARevision() {
        let changes = SeriesChanges(current: stored([("2018", "5", false), ("2019", nil, false)]),
                                    incoming: incoming([("2018", nil), ("2019", nil)]), recordRemovals: false)
        #expect(changes.revised == [0])
        #expect(changes.unchanged == 1)
    }

    @Test func removingAWholeSeries() {
        #expect(SeriesChanges(removingAllOf: stored([("2017", "1", false), ("2018", nil, true)])).removed == ["2017"])
    }
}

@Suite struct DeletionTests {
    @Test func explicitDeletionsRemoveEvenInAppendMode() throws {
        var b = PayloadBuilder(origin: "x.csv") { _ in nil }
        try b.add(series: "x", period: "2018", value: "1", ordinal: 2, place: .line(2))
        try b.delete(series: "x", period: "2016", ordinal: 3, place: .line(3))
        let incoming = try b.finish().series[0]
        #expect(incoming.deletedPeriods == ["2016"])
        let current = [StoredObservation(period: "2016", value: "5", removed: false), StoredObservation(period: "2017", value: "6", removed: false)]
        let changes = SeriesChanges(current: current, incoming: incoming, recordRemovals: false)
        #expect(changes.removed == ["2016"])
        #expect(changes.added == [0])
    }

    @Test func storingAndDeletingOnePeriodIsADuplicate() throws {
        var b = PayloadBuilder(origin: "x.csv") { _ in nil }
        try b.add(series: "x", period: "2018", value: "1", ordinal: 2, place: .line(2))
        try b.delete(series: "x", period: "2018", ordinal: 4, place: .line(4))
        #expect(throws: InputError(origin: "x.csv", place: .line(4), reason: "duplicate observation for series x, period 2018 (first at line 2)")) {
            try b.finish()
        }
    }
}
