import BridCore
@testable import BridStore
import Foundation
import Testing

@Suite struct QueryTests {
    /// Three vintages of a monthly series, one day apart.
    func vintages(_ backend: StoreBackend) throws -> TemporaryStore {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("m", "2018-01", "1"), ("m", "2018-02", "2")])                        // release 1
        _ = try t.ingest([("m", "2018-01", "1.1"), ("m", "2018-02", "2"), ("m", "2018-03", "3")])  // release 2
        _ = try t.ingest([("m", "2018-03", "3.3"), ("other", "2018", "9")], source: "src")         // release 3
        return t
    }

    @Test(arguments: StoreBackend.allCases)
    func latestAndAsOfRelease(backend: StoreBackend) throws {
        let t = try vintages(backend)
        #expect(try t.store.observations(series: "m")?.map(\.value) == ["1.1", "2", "3.3"])
        #expect(try t.store.observations(series: "m", vintage: .release(1))?.map(\.value) == ["1", "2"])
        #expect(try t.store.observations(series: "m", vintage: .release(2))?.map(\.releaseID) == [2, 1, 2])
    }

    @Test(arguments: StoreBackend.allCases)
    func asOfATime(backend: StoreBackend) throws {
        let t = try vintages(backend)
        let releases = try t.store.releases().reversed().map(\.ingestedAt)
        #expect(try t.store.observations(series: "m", vintage: .time(releases[0].addingTimeInterval(-1))) == [])
        #expect(try t.store.observations(series: "m", vintage: .time(releases[0]))?.map(\.value) == ["1", "2"])
        #expect(try t.store.observations(series: "m", vintage: .time(releases[1].addingTimeInterval(3600)))?.map(\.value) == ["1.1", "2", "3"])
    }

    @Test(arguments: StoreBackend.allCases)
    func periodRange(backend: StoreBackend) throws {
        let t = try vintages(backend)
        #expect(try t.store.observations(series: "m", from: "2018-02")?.map(\.period) == ["2018-02", "2018-03"])
        #expect(try t.store.observations(series: "m", from: "2018-01", to: "2018-02")?.map(\.period) == ["2018-01", "2018-02"])
    }

    @Test(arguments: StoreBackend.allCases)
    func unknownSeriesIsNil(backend: StoreBackend) throws {
        let t = try vintages(backend)
        #expect(try t.store.observations(series: "nope") == nil)
        #expect(try t.store.history(series: "nope", period: "2018") == nil)
    }

    @Test(arguments: StoreBackend.allCases)
    func releasesPerSource(backend: StoreBackend) throws {
        let t = try vintages(backend)
        _ = try t.ingest([("z", "2018", "1")], source: "elsewhere")
        #expect(try t.store.releases(source: "src").map(\.id) == [3, 2, 1])
        #expect(try t.store.releases(source: "elsewhere").map(\.id) == [4])
        #expect(try t.store.releases(limit: 2).map(\.id) == [4, 3])
        #expect(try t.store.latestReleaseID() == 4)
    }

    @Test(arguments: StoreBackend.allCases)
    func seriesSummaries(backend: StoreBackend) throws {
        let t = try vintages(backend)
        _ = try t.store.applyCatalogue([SeriesMetadata(key: "m", name: "Monthly thing", unit: "t", frequency: .monthly)])
        let summaries = try t.store.seriesSummaries()
        #expect(summaries.map(\.key) == ["m", "other"])
        #expect(summaries[0].latestPeriod == "2018-03")
        #expect(summaries[0].latestValue == "3.3")
        #expect(summaries[0].name == "Monthly thing")
        #expect(summaries[0].frequency == .monthly)
        #expect(try t.store.seriesSummaries(matching: { $0.hasPrefix("o") }).map(\.key) == ["other"])
    }

    @Test(arguments: StoreBackend.allCases)
    func catalogueNeverChangesTheFrequencyOfStoredData(backend: StoreBackend) throws {
        let t = try vintages(backend)
        let conflicts = try t.store.applyCatalogue([SeriesMetadata(key: "m", name: nil, unit: nil, frequency: .annual),
                                                    SeriesMetadata(key: "new", name: "New", unit: nil, frequency: .quarterly)])
        #expect(conflicts == ["series m is stored with frequency M but the catalogue says A; keeping M"])
        let frequencies = try t.store.seriesFrequencies()
        #expect(frequencies["m"] == .monthly)
        #expect(frequencies["new"] == .quarterly)
    }
}
