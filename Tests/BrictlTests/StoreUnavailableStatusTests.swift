@testable import brictl
import BridInfo
import BridProtocol
import Foundation
import Testing

/// `brictl status` while the daemon's store is unavailable: said first, with how old the figures are.
@Suite struct StoreUnavailableStatusTests {
    let t0 = Date(timeIntervalSince1970: 1_764_000_000)

    func status(_ outage: StoreUnavailable?) -> StatusResponse {
        StatusResponse(version: "0.1.0", pid: 42, startedAt: t0, configPath: "/etc/brid/brid.toml",
                       database: DatabaseStatus(path: "db.example:5432 database brid as brid", sizeBytes: 0, releases: 3, series: 1,
                                                observationVersions: 9),
                       sources: [], alerts: AlertCounts(), storeUnavailable: outage)
    }

    @Test func theOutageComesRightAfterTheHeadWithTheFiguresAge() throws {
        let outage = StoreUnavailable(since: t0.addingTimeInterval(60), reason: "server closed the connection unexpectedly",
                                      figuresFrom: t0.addingTimeInterval(30))
        let lines = StatusCommand.render(status(outage), Terminal(now: t0.addingTimeInterval(120))).split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("STORE UNAVAILABLE since 2025-11-24T16:01:00Z"), "\(lines)")
        #expect(lines[1].hasSuffix(": server closed the connection unexpectedly"))
        #expect(lines[2].contains("checks, drop folders and alert deliveries wait"))
        #expect(lines[3].contains("the figures below were read 2025-11-24T16:00:30Z"))
        let none = StatusCommand.render(status(StoreUnavailable(since: t0, reason: "x")), Terminal(now: t0))
        #expect(none.contains("no figures read from the store yet"))
        #expect(!StatusCommand.render(status(nil), Terminal(now: t0)).contains("UNAVAILABLE"))
    }

    @Test func theFieldIsOptionalOnTheWire() throws {
        let outage = StoreUnavailable(since: t0, reason: "connection refused", figuresFrom: nil)
        let data = try WireJSON.encoder.encode(status(outage))
        #expect(try WireJSON.decoder.decode(StatusResponse.self, from: data) == status(outage))
        let without = try WireJSON.encoder.encode(status(nil))
        #expect(!String(decoding: without, as: UTF8.self).contains("storeUnavailable"))
        #expect(try WireJSON.decoder.decode(StatusResponse.self, from: without).storeUnavailable == nil)
    }
}
