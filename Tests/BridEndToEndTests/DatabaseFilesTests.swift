import BridTestSupport
import Foundation
import Testing

/// The database files the built brid leaves in `state_dir`: after a clean `--once` and
/// after SIGTERM of a running daemon, `brid.sqlite` alone — checkpointed, no `-wal`, no `-shm`.
@Suite(.serialized) struct DatabaseFilesTests {
    static let config = """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"

        [[source]]
        id = "big"
        drop = "drop/big"
        format = "csv"
        """

    /// 250 series × 40 years: a release of 10,000 observations.
    static func csv(shift: Int) -> String {
        var text = "series,period,value\n"
        for s in 0..<250 { for year in 1980..<2020 { text += "s\(s),\(year),\(s * year + shift)\n" } }
        return text
    }

    func databaseFiles(_ w: Workspace) -> [String] {
        w.files("state").filter { $0.hasPrefix("brid.sqlite") }
    }

    @Test func onceLeavesNoWAL() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        for shift in 0..<3 {
            try w.write("state/drop/big/r\(shift).csv", Self.csv(shift: shift))
            let run = try w.brid("--once")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("accepted: release \(shift + 1), "))
            #expect(databaseFiles(w) == ["brid.sqlite"])
        }
        #expect(try w.sql("SELECT count(*), sum(added + revised) FROM releases") == "3|30000\n")
        #expect(try w.sql("PRAGMA integrity_check") == "ok\n")
    } }

    @Test func aStoppedDaemonLeavesNoWAL() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 10)
        try w.write("staging/r1.csv", Self.csv(shift: 0))
        #expect(rename(w.root + "/staging/r1.csv", w.root + "/state/drop/big/r1.csv") == 0)
        try brid.waitForLog("accepted: release 1", seconds: 20)
        // While it runs, the database is in WAL mode, and `status` shows the two files apart.
        #expect(databaseFiles(w).contains("brid.sqlite-wal"))
        let json = try BridProcess.run(["--socket", w.root + "/state/control.sock", "--json", "status"], executable: BridProcess.brictlPath)
        #expect(json.status == 0, "\(json.stderr)")
        let database = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])["database"] as? [String: Any]
        let size = try FileManager.default.attributesOfItem(atPath: w.root + "/state/brid.sqlite")[.size] as? Int
        #expect(database?["sizeBytes"] as? Int == size)
        #expect((database?["walBytes"] as? Int ?? 0) > 0)
        let text = try BridProcess.run(["--socket", w.root + "/state/control.sock", "status"], executable: BridProcess.brictlPath)
        #expect(text.stdout.contains(" + WAL "), "\(text.stdout)")
        let (status, elapsed) = try brid.terminate()
        #expect(status == 0, "\(brid.log)")
        #expect(elapsed < 5)
        #expect(databaseFiles(w) == ["brid.sqlite"], "\(brid.log)")
        #expect(try w.sql("SELECT count(*) FROM observation_versions") == "10000\n")
    } }
}
