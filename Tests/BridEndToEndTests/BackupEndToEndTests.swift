import BridTestSupport
import Foundation
import Testing

/// `brictl backup` against the built brid: a copy taken while a large file is being
/// ingested, restored by pointing `state_dir` at it, with the same vintages.
@Suite(.serialized) struct BackupEndToEndTests {
    static func config(stateDir: String) -> String {
        """
        [daemon]
        state_dir = "\(stateDir)"
        socket = "\(stateDir)/control.sock"

        [[source]]
        id = "big"
        drop = "drop/big"
        format = "csv"
        """
    }

    /// `series` × 600 annual periods.
    static func csv(series: Int, shift: Int) -> String {
        var lines = ["series,period,value"]
        lines.reserveCapacity(series * 600 + 1)
        for s in 0..<series { for year in 1500..<2100 { lines.append("s\(s),\(year),\(s + year + shift)") } }
        return lines.joined(separator: "\n") + "\n"
    }

    func brictl(_ socket: String, _ arguments: String..., in directory: String? = nil) throws -> BridProcess.Result {
        try BridProcess.run(["--socket", socket] + arguments, in: directory, executable: BridProcess.brictlPath)
    }

    /// Starts brid on a copy: `state_dir` is a folder holding it as brid.sqlite.
    func restore(_ copy: String, in w: Workspace, as name: String) throws -> (DaemonProcess, String) {
        try FileManager.default.createDirectory(atPath: w.root + "/" + name, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: copy, toPath: w.root + "/\(name)/brid.sqlite")
        try w.write("\(name).toml", Self.config(stateDir: name))
        let brid = try DaemonProcess(config: w.root + "/\(name).toml", logPath: w.root + "/\(name).log")
        try brid.waitForLog("running:", seconds: 10)
        return (brid, w.root + "/\(name)/control.sock")
    }

    @Test func aBackupDuringAnIngestRestoresTheVintagesOfThatMoment() async throws { try await offPool {
        let w = try Workspace(config: Self.config(stateDir: "state"))
        let socket = w.root + "/state/control.sock"
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 10)
        try w.write("staging/r1.csv", Self.csv(series: 20, shift: 0))
        #expect(rename(w.root + "/staging/r1.csv", w.root + "/state/drop/big/r1.csv") == 0)
        try brid.waitForLog("accepted: release 1", seconds: 20)

        // A large revision (120,000 rows): the backup is taken while brid reads and stores it.
        try w.write("staging/r2.csv", Self.csv(series: 200, shift: 1))
        let before = try brictl(socket, "export", "--vintages", "s1")
        #expect(before.status == 0, "\(before.stderr)")
        #expect(rename(w.root + "/staging/r2.csv", w.root + "/state/drop/big/r2.csv") == 0)
        try FileManager.default.createDirectory(atPath: w.root + "/backups", withIntermediateDirectories: true)
        // A relative path is the caller's: brictl makes it absolute before brid sees it.
        let backup = try brictl(socket, "--json", "backup", "backups/during.sqlite", in: w.root)
        let inProgress = !brid.log.contains("accepted: release 2")
        #expect(backup.status == 0, "\(backup.stderr)")
        let reply = try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any]
        #expect(reply?["path"] as? String == w.root + "/backups/during.sqlite")
        #expect(inProgress, "the ingest had finished before the backup: \(brid.log)")
        #expect(reply?["lastReleaseID"] as? Int == 1)
        #expect(brid.log.contains("control: backup to \(w.root)/backups/during.sqlite"))
        try brid.waitForLog("accepted: release 2", seconds: 60)
        let after = try brictl(socket, "export", "--vintages", "s1")
        #expect(after.stdout != before.stdout)

        // An existing file is refused (exit 1, the file untouched) unless --force.
        let refused = try brictl(socket, "backup", w.root + "/backups/during.sqlite")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("exists; use --force"), "\(refused.stderr)")
        #expect(try w.sql("SELECT max(id) FROM releases", database: "backups/during.sqlite") == "1\n")
        let now = try brictl(socket, "backup", w.root + "/backups/now.sqlite")
        #expect(now.status == 0, "\(now.stderr)")
        #expect(now.stdout.hasPrefix("backup \(w.root)/backups/now.sqlite: "), "\(now.stdout)")
        #expect(now.stdout.contains("up to release 2"))
        #expect(try brictl(socket, "backup", "--force", w.root + "/backups/now.sqlite").status == 0)
        #expect(try brictl(socket, "backup", w.root + "/no/such/folder/b.sqlite").status == 1)
        let s199 = try brictl(socket, "export", "--vintages", "s199")
        #expect(try brid.terminate().status == 0)

        for copy in ["during", "now"] {
            #expect(try w.sql("PRAGMA integrity_check", database: "backups/\(copy).sqlite") == "ok\n")
        }
        // Restored: brid started on each copy shows the vintages of its moment — the copy
        // taken mid-ingest exactly the original before release 2.
        let (restoredDuring, duringSocket) = try restore(w.root + "/backups/during.sqlite", in: w, as: "restored-during")
        #expect(try brictl(duringSocket, "export", "--vintages", "s1").stdout == before.stdout)
        #expect(try brictl(duringSocket, "--json", "status").stdout.contains("\"releases\" : 1,"))
        #expect(try restoredDuring.terminate().status == 0)
        let (restoredNow, nowSocket) = try restore(w.root + "/backups/now.sqlite", in: w, as: "restored-now")
        #expect(try brictl(nowSocket, "export", "--vintages", "s1").stdout == after.stdout)
        #expect(try brictl(nowSocket, "export", "--vintages", "s199").stdout == s199.stdout)
        #expect(try restoredNow.terminate().status == 0)
    } }
}
