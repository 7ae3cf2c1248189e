@testable import BridCore
import Testing

@Suite struct PayloadBuilderTests {
    func builder(_ known: [String: Frequency] = [:]) -> PayloadBuilder {
        PayloadBuilder(origin: "kz.csv") { known[$0] }
    }

    @Test func groupsBySeriesAndSortsPeriods() throws {
        var b = builder()
        try b.add(series: "cn-kz.trade.total", period: "2018", value: "19.885", ordinal: 2, place: .line(2))
        try b.add(series: "cn-kz.trains.alataw", period: "2018", value: "2388", ordinal: 3, place: .line(3))
        try b.add(series: "cn-kz.trade.total", period: "2017", value: "17.9", ordinal: 4, place: .line(4))
        let payload = try b.finish()
        #expect(payload.series.map(\.key) == ["cn-kz.trade.total", "cn-kz.trains.alataw"])
        #expect(payload.series[0].periods == ["2017", "2018"])
        #expect(payload.series[0].values == ["17.9", "19.885"])
        #expect(payload.series[0].ordinals == [4, 2])
        #expect(payload.observationCount == 3)
    }

    /// A streamed payload's batches start small (the writer starts while the rest is
    /// read) and double up to `Payload.batchObservations`; every series comes once, in order.
    @Test func streamedBatchesStartSmallAndDouble() throws {
        let channel = SeriesChannel(capacity: 1_000)
        var b = builder()
        b.stream(to: channel)
        let count = 6_000, periods = 100
        var line: Int32 = 2
        for s in 0..<count {
            for p in 0..<periods {
                try b.add(series: "m.s\(s)", period: String(2000 + p), value: "1", ordinal: line, place: .line(Int(line)))
                line += 1
            }
        }
        try b.finishStream()
        var sizes: [Int] = [], keys: [String] = []
        receiving: while true {
            switch channel.receive() {
            case let .batch(batch):
                sizes.append(batch.reduce(0) { $0 + $1.count })
                keys += batch.map(\.key)
            case .end: break receiving
            default: Issue.record("unexpected message"); break receiving
            }
        }
        #expect(keys == (0..<count).map { "m.s\($0)" })
        // Each batch closes at the first series that reaches its limit.
        var limit = Payload.firstStreamedBatchObservations
        for size in sizes.dropLast() {
            #expect(size >= limit && size < limit + periods)
            limit = min(limit * 2, Payload.batchObservations)
        }
        #expect(sizes.first.map { $0 < 2 * Payload.firstStreamedBatchObservations } == true)
        #expect(sizes.count > 5 && sizes.max().map { $0 < Payload.batchObservations + periods } == true)
    }

    @Test func usesTheKnownFrequencyToNormalise() throws {
        var b = builder(["fred.gnpca": .annual])
        try b.add(series: "fred.gnpca", period: "2018-01-01", value: "1.0", ordinal: 1, place: .record(1))
        let payload = try b.finish()
        #expect(payload.series[0].frequency == .annual)
        #expect(payload.series[0].periods == ["2018"])
    }

    @Test func aLaterPeriodOfAnotherFrequencyIsAnError() throws {
        var b = builder()
        try b.add(series: "x", period: "2018-03", value: "1", ordinal: 2, place: .line(2))
        #expect(throws: InputError(origin: "kz.csv", place: .line(3), reason: "period \"2018\" does not fit a series of frequency M (2018-03 expected) for series x")) {
            try b.add(series: "x", period: "2018", value: "1", ordinal: 3, place: .line(3))
        }
    }

    @Test func duplicatesNameBothLines() throws {
        var b = builder()
        try b.add(series: "x", period: "2018", value: "1", ordinal: 2, place: .line(2))
        try b.add(series: "x", period: "2019", value: "1", ordinal: 3, place: .line(3))
        try b.add(series: "x", period: "2018", value: "2", ordinal: 7, place: .line(7))
        let error = #expect(throws: InputError.self) { try b.finish() }
        #expect(error?.description == "kz.csv line 7: duplicate observation for series x, period 2018 (first at line 2)")
    }

    @Test func badKeysAndValuesNameThePlace() throws {
        var b = builder()
        let key = #expect(throws: InputError.self) { try b.add(series: "bad key", period: "2018", value: "1", ordinal: 5, place: .line(5)) }
        #expect(key?.place == .line(5))
        #expect(key?.reason.contains("a space") == true)
        let value = #expect(throws: InputError.self) { try b.add(series: "x", period: "2018", value: "NaN", ordinal: 6, place: .line(6)) }
        #expect(value?.description == "kz.csv line 6: value \"NaN\" is not a finite number (NaN and infinities are not values; use an empty cell, '.', 'NA' or ':' for no value) (series x, period 2018)")
    }

    @Test func anEmptyPayloadIsAnError() {
        #expect(throws: InputError(origin: "kz.csv", place: nil, reason: "no observations found")) { try builder().finish() }
    }

    @Test func missingValuesStayMissing() throws {
        var b = builder()
        try b.add(series: "x", period: "2018", value: "NA", ordinal: 1, place: .line(1))
        try b.add(series: "x", period: "2019", value: nil, ordinal: 2, place: .line(2))
        #expect(try b.finish().series[0].values == [nil, nil])
    }
}
