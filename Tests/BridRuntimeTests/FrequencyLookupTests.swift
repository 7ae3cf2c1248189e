import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Testing

/// A payload's series take the frequency the store has for them (here weekly, from the
/// catalogue, for dates that would otherwise be read as days), looked up by windows of
/// stored keys, whatever the payload's order of keys.
@Suite struct FrequencyLookupTests {
    static func key(_ n: Int) -> String { "c" + String(10_000 + n) }

    @Test(arguments: [false, true]) func storedFrequenciesAreUsedInAnyKeyOrder(reversed: Bool) throws {
        let f = try DropFixture()
        let count = 5_000
        let weekly = (0..<count).filter { $0 % 3 == 0 }
        _ = try f.store.applyCatalogue(weekly.map { SeriesMetadata(key: Self.key($0), name: nil, unit: nil, frequency: .weekly) })
        var order = Array(0..<count)
        if reversed { order.reverse() }
        try f.drop("p.csv", "series,period,value\n" + order.map { "\(Self.key($0)),2018-01-03,\($0)\n" }.joined(), age: 10)
        let taken = try f.processAll()
        #expect(taken.count == 1)
        guard case .released = taken.first?.outcome else {
            Issue.record("not released: \(String(describing: taken.first?.outcome))")
            return
        }
        let frequencies = try f.store.seriesFrequencies()
        for n in 0..<count {
            #expect(frequencies[Self.key(n)] == (n % 3 == 0 ? .weekly : .daily), "\(Self.key(n))")
        }
        #expect(try f.store.observations(series: Self.key(0))?.map(\.period) == ["2018-W01"])
        #expect(try f.store.observations(series: Self.key(1))?.map(\.period) == ["2018-01-03"])
    }
}
