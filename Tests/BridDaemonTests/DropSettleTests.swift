import BridCore
@testable import BridDaemon
import BridRuntime
import Foundation
import Logging
import Testing

/// A file written in place without an inotify event is taken once it has been left alone
/// for the settle time — measured on the daemon's clock, so this runs on a manual one.
@Suite struct DropSettleTests {
    @Test func aFileStillBeingWrittenIsTakenOnceItSettlesOnTheDaemonsClock() async throws {
        let root = NSTemporaryDirectory() + "brid-settle-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/state/drop/d", withIntermediateDirectories: true)
        try Data("[daemon]\nstate_dir = \"state\"\n\n[[source]]\nid = \"d\"\ndrop = \"drop/d\"\nformat = \"csv\"\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/brid.toml"))
        let config = try ConfigLoader.load(path: root + "/brid.toml").get()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))
        let daemon = try standaloneDaemon(config, clock: clock, logger: logger)
        let folder = root + "/state/drop/d"
        try Data("series,period,value\ncn-kz.trade.total,2018,19.885\n".utf8).write(to: URL(fileURLWithPath: folder + "/r1.csv"))
        // Last written just now, by the daemon's clock.
        try FileManager.default.setAttributes([.modificationDate: clock.now()], ofItemAtPath: folder + "/r1.csv")

        #expect(await daemon.drops.scanDrop(folder).isEmpty, "left to settle")
        let due = clock.now().addingTimeInterval(DropSettleTests.settleWait)
        try await eventually("its scan waits on the clock") { clock.deadlines == [due] }
        clock.advance(by: DropSettleTests.settleWait - 0.2)
        #expect(FileManager.default.fileExists(atPath: folder + "/r1.csv"))
        clock.advance(by: 0.2)
        try await eventually("the settled file is taken") { FileManager.default.fileExists(atPath: folder + "/processed/r1.csv") }
        #expect(try daemon.store.releases().count == 1)
    }

    /// The settle time and a little more.
    static let settleWait = DropIntake.settleTime + 0.1
}
