import BridTestSupport
import Foundation
import Testing

/// The built `brid` whose database cannot grow — its file-size limit (RLIMIT_FSIZE, set on
/// the running daemon with prlimit; it binds root too) below what an ingest writes, as a
/// full disk would be: a dropped file waits, the source is failing, `brictl fetch` exits 1;
/// once the database can grow again the file is taken.
@Suite(.serialized) struct FullDiskTests {
    @Test func aDropThatCannotBeStoredIsAFailingSourceUntilTheDatabaseCanGrow() async throws { try await offPool {
        let w = try Workspace(config: Workspace.oneDropSource)
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 30)
        func brictl(_ arguments: String...) throws -> BridProcess.Result {
            try BridProcess.run(["--socket", w.root + "/state/control.sock"] + arguments, executable: BridProcess.brictlPath)
        }
        // The database's files may grow by 256 KiB at most; the payload needs megabytes.
        let state = w.root + "/state/"
        let largest = ["brid.sqlite", "brid.sqlite-wal", "brid.sqlite-shm"].compactMap {
            (try? FileManager.default.attributesOfItem(atPath: state + $0))?[.size] as? Int
        }.max() ?? 0
        try limitFileSize(of: brid.pid, to: largest + 256 * 1024)
        let rows = (0..<20_000).map { "cn-kz.trade.s\($0),2018,\($0).5" }.joined(separator: "\n")
        try w.write("staging/big.csv", "series,period,value\n" + rows + "\n")
        let folder = state + "drop/d"
        #expect(rename(w.root + "/staging/big.csv", folder + "/big.csv") == 0)
        try brid.waitForLog("cannot scan \(folder)", seconds: 60)  // a loaded machine: give the ingest time to reach the limit

        let fetch = try brictl("fetch", "d")
        #expect(fetch.status == 1, "\(fetch.stdout)\(fetch.stderr)")
        #expect(fetch.stdout.contains("failed") && fetch.stdout.contains("cannot scan"), "\(fetch.stdout)")
        #expect(!fetch.stdout.contains("no new files"))
        let status = try brictl("--json", "status")
        let sources = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])["sources"] as? [[String: Any]]
        let d = try #require(sources?.first { $0["id"] as? String == "d" })
        #expect(d["state"] as? String == "failing", "\(d)")
        #expect((d["consecutiveFailures"] as? Int ?? 0) >= 2, "the scan on arrival and the fetch: \(d)")
        #expect((d["lastError"] as? String)?.contains("cannot scan") == true, "\(d)")
        #expect(FileManager.default.fileExists(atPath: folder + "/big.csv"), "the file waits")
        #expect(brid.isRunning)

        try limitFileSize(of: brid.pid, to: nil)
        let again = try brictl("fetch", "d")
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("released"), "\(again.stdout)")
        #expect(FileManager.default.fileExists(atPath: folder + "/processed/big.csv"))
        #expect(try brictl("status").stdout.contains("0 failing") || !(try brictl("status").stdout.contains("failing")))
        #expect(try brid.terminate().status == 0)
    } }
}

/// Sets the soft RLIMIT_FSIZE of a running process (nil: unlimited), its hard limit left
/// alone so it can be raised again.
private func limitFileSize(of pid: pid_t, to bytes: Int?) throws {
    let resource = Int32(RLIMIT_FSIZE.rawValue)
    var current = rlimit()
    guard setProcessLimit(pid, resource, nil, &current) == 0 else {
        throw WaitTimeout(description: "prlimit: \(String(cString: strerror(errno)))")
    }
    var wanted = rlimit(rlim_cur: bytes.map { rlim_t($0) } ?? current.rlim_max, rlim_max: current.rlim_max)
    guard setProcessLimit(pid, resource, &wanted, nil) == 0 else {
        throw WaitTimeout(description: "prlimit: \(String(cString: strerror(errno)))")
    }
}

/// glibc's prlimit, which Swift's Glibc module hides (it is a _GNU_SOURCE function).
@_silgen_name("prlimit")
private func setProcessLimit(_ pid: pid_t, _ resource: Int32, _ new: UnsafePointer<rlimit>?, _ old: UnsafeMutablePointer<rlimit>?) -> Int32
