import BridTestSupport
import Foundation
import Testing

/// One brid per state folder, and a state folder brid can write: both decided at start.
@Suite struct StateFolderTests {
    static let config = """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"

        [[source]]
        id = "kz"
        drop = "drop/kz"
        format = "csv"
        """

    static let sample = "series,period,value\ncn-kz.trade.total,2018,19.885\n"

    @Test func onceIsRefusedBesideARunningDaemonOnTheSameStateFolder() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        let daemon = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/daemon.log")
        try daemon.waitForLog("running:", seconds: 10)
        let releases = try w.sql("SELECT count(*) FROM releases")

        // The daemon holds the folder: --once takes nothing and writes nothing.
        let once = try w.brid("--once")
        #expect(once.status == 1)
        #expect(once.stderr.contains("another brid is running on the state folder \(w.root)/state (pid \(daemon.pid))"), "\(once.stderr)")
        #expect(once.stderr.contains("brictl fetch --all"))
        #expect(!once.stderr.contains("done:"))
        #expect(try w.sql("SELECT count(*) FROM releases") == releases)

        // A second daemon is refused the same way, before it opens the store.
        let second = try w.brid()
        #expect(second.status == 1)
        #expect(second.stderr.contains("another brid is running on the state folder"), "\(second.stderr)")
        #expect(!second.stderr.contains("database"), "\(second.stderr)")

        // The lock goes with the daemon: --once runs once it has stopped.
        #expect(try daemon.terminate().status == 0)
        try w.write("state/drop/kz/r1.csv", Self.sample)
        let after = try w.brid("--once")
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try w.sql("SELECT count(*) FROM releases") == "1\n")
    } }

    @Test func aDaemonKilledHardLeavesNoLockBehind() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        let daemon = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/daemon.log")
        try daemon.waitForLog("running:", seconds: 10)
        daemon.signal(SIGKILL)
        _ = try daemon.waitForExit()
        let once = try w.brid("--once")
        #expect(once.status == 0, "\(once.stderr)")
    } }

    /// Runs brid so that it cannot write what root could: as `nobody` when the tests run
    /// as root (root ignores permission bits), else as this user with the bits cleared.
    struct Unprivileged {
        let root = getuid() == 0
        var prefix: [String] { root ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : [] }

        init() {
            chmod(BuiltProducts.folder, 0o755)  // nobody runs the built brid
        }

        /// The state folder cannot be written (nor anything created in it).
        func readOnlyFolder(_ path: String) {
            if !root { chmod(path, 0o555) }  // root's files are 0755 / 0644 to nobody already
        }

        /// The folder can be written, the database file cannot.
        func readOnlyDatabase(folder: String, database: String) {
            if root {
                chown(folder, 65534, 65534)
                for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasPrefix("brid.lock") {
                    chown(folder + "/" + file, 65534, 65534)
                }
            } else {
                chmod(database, 0o444)
            }
        }
    }

    @Test func aStateFolderThatCannotBeWrittenStopsBridAtStart() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        try w.write("state/drop/kz/r1.csv", Self.sample)
        #expect(try w.brid("--once").status == 0)
        let user = Unprivileged()
        user.readOnlyFolder(w.root + "/state")
        defer { chmod(w.root + "/state", 0o755) }

        let daemon = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/daemon.log", via: user.prefix)
        #expect(try daemon.waitForExit() == 1, "\(daemon.log)")
        #expect(daemon.log.contains("cannot write the state folder \(w.root)/state"), "\(daemon.log)")
        #expect(!daemon.log.contains("running:"))

        let once = try BridProcess.run(["--once", "--config", w.root + "/brid.toml"], prefix: user.prefix)
        #expect(once.status == 1)
        #expect(once.stderr.contains("cannot write the state folder"), "\(once.stderr)")
    } }

    @Test func aDatabaseThatCannotBeWrittenStopsBridAtStart() async throws { try await offPool {
        let w = try Workspace(config: Self.config)
        try w.write("state/drop/kz/r1.csv", Self.sample)
        #expect(try w.brid("--once").status == 0)
        let user = Unprivileged()
        user.readOnlyDatabase(folder: w.root + "/state", database: w.root + "/state/brid.sqlite")

        let daemon = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/daemon.log", via: user.prefix)
        #expect(try daemon.waitForExit() == 1, "\(daemon.log)")
        #expect(daemon.log.contains("cannot write the database \(w.root)/state/brid.sqlite: it is read-only"), "\(daemon.log)")
        #expect(!daemon.log.contains("running:"))
        // What it held is untouched.
        #expect(try w.sql("SELECT count(*) FROM releases") == "1\n")
    } }
}
