@testable import brictl
import BridProtocol
import Foundation
import Testing

/// The STATUS column of `show`, `history` and `release`: shown only when some row has a status.
@Suite struct StatusColumnTests {
    let t0 = Date(timeIntervalSince1970: 1_764_000_000)
    let series = SeriesInfo(key: "estat.A.EUR_HAB.AL", frequency: "A", source: "estat")

    @Test func aColumnShownOnlyWhenFilled() {
        var table = Table([.init("PERIOD"), .init("VALUE", .right), .init("STATUS", whenFilled: true), .init("RELEASE", .right)])
        table.add(["2020", "4900", "", "1"])
        #expect(table.render(Terminal()) == "PERIOD  VALUE  RELEASE\n2020     4900        1")
        table.add(["2021", "5400", "p", "1"])
        #expect(table.render(Terminal()) == "PERIOD  VALUE  STATUS  RELEASE\n2020     4900                1\n2021     5400  p             1")
    }

    @Test func showHistoryAndReleaseShowTheStatus() {
        let show = ShowCommand.render(ShowResponse(series: series, observations: [
            Observation(period: "2020", value: "4900", releaseID: 1), Observation(period: "2021", value: "5400", status: "p", releaseID: 1),
        ]), Terminal(now: t0))
        #expect(show.contains("PERIOD  VALUE  STATUS  RELEASE"))
        #expect(show.contains("2021     5400  p             1"))
        let plain = ShowCommand.render(ShowResponse(series: series, observations: [Observation(period: "2020", value: "4900", releaseID: 1)]),
                                       Terminal(now: t0))
        #expect(!plain.contains("STATUS"))

        let history = HistoryCommand.render(HistoryResponse(series: series, period: "2021", versions: [
            ObservationVersion(releaseID: 1, source: "estat", value: "5400", status: "p", validFrom: t0, validUntil: t0.addingTimeInterval(86_400)),
            ObservationVersion(releaseID: 2, source: "estat", value: "5400", validFrom: t0.addingTimeInterval(86_400)),
        ]), Terminal(now: t0))
        #expect(history.contains("STATUS"))
        #expect(history.contains("status p → none"))

        let release = ReleaseCommand.render(ReleaseResponse(
            release: Release(id: 2, source: "estat", ingestedAt: t0, origin: "nama.tsv", sha256: String(repeating: "0", count: 64),
                             added: 0, revised: 2, removed: 0, unchanged: 0),
            changes: [ReleaseChange(series: series.key, period: "2021", kind: .revised, value: "5400", previousValue: "5400", previousStatus: "p"),
                      ReleaseChange(series: series.key, period: "2022", kind: .revised, value: "5600", status: "e", previousValue: "5500", previousStatus: "p")]),
                                            Terminal(now: t0))
        #expect(release.contains("2021    revised  status p → none"))
        #expect(release.contains("5500 → 5600, +1.82 %  e"))
    }
}
