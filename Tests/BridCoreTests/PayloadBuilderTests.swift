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
