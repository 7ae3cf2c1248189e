import BridTestSupport
import Foundation
import Testing

/// The control socket and brictl, live: the built `brid` daemon and `brictl` as child
/// processes over a real Unix socket in a temporary folder.
@Suite(.serialized) struct ControlTests {
    final class Running {
        let workspace: Workspace
        let publisher: Publisher
        let brid: DaemonProcess
        var socket: String { workspace.root + "/state/control.sock" }

        init() throws {
            workspace = try Workspace(config: "")
            publisher = try Publisher(folder: workspace.root + "/published")
            try publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.535\n")
            try workspace.write("brid.toml", Self.config(publisher))
            try workspace.write("state/drop/bri-cn-kz/sample.csv", """
                series,period,value
                cn-kz.trade.total,2018,19.885
                cn-eu.trains.alataw,2018,2388

                """)
            // Dropped a minute ago, while brid was down: taken by the start-up scan.
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)],
                                                  ofItemAtPath: workspace.root + "/state/drop/bri-cn-kz/sample.csv")
            brid = try DaemonProcess(config: workspace.root + "/brid.toml", logPath: workspace.root + "/brid.log")
            try brid.waitForLog("accepted: release", seconds: 10)
            try brid.waitForLog("fetched: release")
        }

        /// The daemon tests' config (a drop source, a URL source), plus a failing URL source
        /// and a catalogue entry.
        static func config(_ publisher: Publisher, extra: String = "") -> String {
            DaemonTests.config(publisher: publisher, every: "6h") + """


                [[source]]
                id = "broken"
                url = "\(publisher.url("status/503"))"
                format = "csv"
                every = "6h"

                [[series]]
                key = "cn-kz.trade.total"
                name = "China–Kazakhstan trade volume"
                unit = "USD bn"
                frequency = "A"
                \(extra)
                """
        }

        func brictl(_ arguments: String..., environment: [String: String] = [:], prefix: [String] = []) throws -> BridProcess.Result {
            try BridProcess.run(["--socket", socket] + arguments, environment: environment, executable: BridProcess.brictlPath, prefix: prefix)
        }
    }

    @Test func readCommandsAnswerFromTheStore() async throws { try await offPool {
        let r = try Running()
        let status = try r.brictl("status")
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("bri-cn-kz"))
        #expect(status.stdout.contains("broken"))
        let json = try r.brictl("--json", "status")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let sources = parsed?["sources"] as? [[String: Any]]
        #expect(sources?.map { $0["id"] as? String } == ["bri-cn-kz", "kz", "broken"])
        #expect(sources?.first { $0["id"] as? String == "broken" }?["state"] as? String == "failing")

        let series = try r.brictl("series", "cn-*")
        #expect(series.stdout.contains("cn-kz.trade.total") && series.stdout.contains("19.885") && !series.stdout.contains("wb.kaz"))
        let show = try r.brictl("show", "cn-kz.trade.total")
        #expect(show.status == 0)
        #expect(show.stdout.contains("19.885"))
        #expect(try r.brictl("show", "cn-kz.trade.total", "--as-of", "2000-01-01").stdout.contains("19.885") == false)
        #expect(try r.brictl("history", "cn-kz.trade.total", "2018").stdout.contains("first published"))
        #expect(try r.brictl("releases").stdout.contains("sample.csv"))
        #expect(try r.brictl("release", "1").status == 0)
        // Which release is 1 depends on whether the drop or the URL was ingested first.
        let release = try r.workspace.sql("SELECT max(id) FROM releases WHERE source_id = 'bri-cn-kz'").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try r.brictl("export", "cn-kz.trade.total", "cn-eu.trains.alataw").stdout ==
                "series,period,value,release,status\ncn-kz.trade.total,2018,19.885,\(release),\ncn-eu.trains.alataw,2018,2388,\(release),\n")
        #expect(try r.brictl("alerts").status == 0)

        // Not found: exit 4.
        #expect(try r.brictl("show", "no.such.series").status == 4)
        #expect(try r.brictl("release", "999").status == 4)
        #expect(try r.brictl("history", "cn-kz.trade.total", "2017").status == 4)
        #expect(try r.brictl("ack", "1").status == 4)
        // Usage: exit 2.
        #expect(try r.brictl("show", "x", "--as-of", "yesterday").status == 2)
        #expect(try r.brictl("show", "cn-kz.trade.total", "--from", "2018-13").status == 2)
    } }

    @Test func mutatingCommandsChangeTheDaemon() async throws { try await offPool {
        let r = try Running()
        // ingest: the file's bytes over the socket, the same result as a drop.
        try r.workspace.write("revision.csv", "series,period,value\ncn-kz.trade.total,2018,19.902\n")
        let ingest = try r.brictl("ingest", r.workspace.root + "/revision.csv", "--source", "bri-cn-kz")
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try r.brictl("history", "cn-kz.trade.total", "2018").stdout.contains("19.885 → 19.902"))
        try r.workspace.write("bad.csv", "series,period,value\ncn-kz.trade.total,2019,x\n")
        let rejected = try r.brictl("ingest", r.workspace.root + "/bad.csv", "--source", "bri-cn-kz")
        #expect(rejected.status == 1)
        #expect((rejected.stdout + rejected.stderr).contains("bad.csv line 2"))
        #expect(r.brid.log.contains("control: ingest bad.csv"))  // audited with the peer
        #expect(r.brid.log.contains("peer.uid=\(getuid())"))

        // fetch waits for the outcome.
        try r.publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.6\n")
        let fetch = try r.brictl("fetch", "kz")
        #expect(fetch.status == 0)
        #expect(try r.brictl("show", "wb.kaz.exports").stdout.contains("8.6"))
        #expect(try r.brictl("fetch", "broken").status == 1)
        #expect(try r.brictl("fetch", "nope").status == 4)

        // pause survives a restart.
        #expect(try r.brictl("pause", "kz").status == 0)
        #expect(try r.brictl("--json", "sources").stdout.contains("\"paused\""))
        #expect(try r.brid.terminate().status == 0)
        let again = try DaemonProcess(config: r.workspace.root + "/brid.toml", logPath: r.workspace.root + "/brid2.log")
        try again.waitForLog("running:", seconds: 10)
        #expect(try r.brictl("--json", "sources").stdout.contains("\"paused\""))
        #expect(try r.brictl("resume", "kz").status == 0)
        #expect(!(try r.brictl("--json", "sources").stdout.contains("\"paused\"")))

        // reload: applied, then refused with the errors and exit 1.
        #expect(try r.brictl("reload").status == 0)
        try r.workspace.write("brid.toml", Running.config(r.publisher, extra: "\nbogus = 1\n"))
        let refused = try r.brictl("reload")
        #expect(refused.status == 1)
        #expect((refused.stdout + refused.stderr).contains("bogus"))
        #expect(try r.brictl("status").stdout.contains("reload"))
        #expect(try again.terminate().status == 0)
    } }

    @Test func unreachableDaemonIsExitThree() async throws { try await offPool {
        let run = try BridProcess.run(["--socket", "/nonexistent/brid.sock", "status"], executable: BridProcess.brictlPath)
        #expect(run.status == 3)
        #expect(run.stderr.contains("brictl: cannot reach brid at /nonexistent/brid.sock: No such file or directory — is it running? (systemctl status brid)"))
    } }

    @Test func abuseDoesNotStopTheServer() async throws { try await offPool {
        let r = try Running()
        // Garbage and invalid UTF-8 get error replies; the connection stays usable.
        let client = try LineSocket(path: r.socket, sendTimeout: 1)
        try client.send(Array("this is not json\n".utf8))
        #expect(try client.readLine().contains("\"bad_request\""))
        try client.send([0xFF, 0xFE, 0x0A])
        #expect(try client.readLine().contains("\"bad_request\""))
        try client.send(Array(#"{"v":3,"id":1,"cmd":"status"}"#.utf8) + [0x0A])
        #expect(try client.readLine().contains("version_mismatch"))
        try client.send(Array(#"{"v":2,"id":2,"cmd":"series.show","args":{"series":5}}"#.utf8) + [0x0A])
        #expect(try client.readLine().contains("bad_request"))
        try client.send(Array(#"{"v":2,"id":3,"cmd":"status"}"#.utf8) + [0x0A])
        #expect(try client.readLine().contains("\"ok\":true"))

        // A 10 MiB line: an error reply, then the connection is closed.
        let big = try LineSocket(path: r.socket, sendTimeout: 1)
        try? big.send([UInt8](repeating: 0x61, count: 10 << 20) + [0x0A])
        #expect(try big.readLine().contains("bad_request"))

        // 500 idle connections, one client sending half a line, one never reading its replies.
        var idle: [LineSocket] = []
        for _ in 0..<500 { idle.append(try LineSocket(path: r.socket, sendTimeout: 1)) }
        let half = try LineSocket(path: r.socket, sendTimeout: 1)
        try half.send(Array(#"{"v":2,"id":1,"cmd":"sta"#.utf8))
        let greedy = try LineSocket(path: r.socket, sendTimeout: 1)
        let request = Array(#"{"v":2,"id":1,"cmd":"series.list"}"#.utf8) + [0x0A]
        // Once its socket buffers are full brid stops reading it; its sends then time out.
        for _ in 0..<2000 { if (try? greedy.send(request)) == nil { break } }
        let status = try r.brictl("status")
        #expect(status.status == 0)
        #expect(status.stdout.contains("bri-cn-kz"))
        #expect(r.brid.isRunning)
        _ = idle
    } }

    @Test(.enabled(if: getuid() == 0, "needs root to create a user"))
    func anUnprivilegedUserMayReadButNotChange() async throws { try await offPool {
        let r = try Running()
        let user = "brid-test-\(getpid() % 10000)"
        _ = try? shell("/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user)
        defer { _ = try? shell("/usr/sbin/userdel", user) }
        chmod(r.socket, 0o666)  // reachable, but the user is not in the socket's group
        var path = URL(fileURLWithPath: r.socket).deletingLastPathComponent()
        while path.path != "/" {  // let the user traverse to the socket
            chmod(path.path, 0o755)
            path = path.deletingLastPathComponent()
        }
        chmod(BuiltProducts.folder, 0o755)
        let asUser = ["/usr/sbin/runuser", "-u", user, "--"]
        let status = try r.brictl("status", prefix: asUser)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("bri-cn-kz"))
        let pause = try r.brictl("pause", "kz", prefix: asUser)
        #expect(pause.status == 1)
        #expect(pause.stderr.contains("forbidden") || pause.stderr.contains("only root"), "\(pause.stderr)")
        #expect(try r.brictl("--json", "sources").stdout.contains("\"paused\"") == false)

        // A member of the socket's group (a supplementary group, as `usermod -aG` makes it)
        // may change things.
        let group = "brid-tg-\(getpid() % 10000)"
        _ = try? shell("/usr/sbin/groupadd", "--system", group)
        defer { _ = try? shell("/usr/sbin/groupdel", group) }
        #expect(try shell("/usr/sbin/usermod", "-aG", group, user) == 0)
        #expect(try shell("/usr/bin/chgrp", group, r.socket) == 0)
        let member = try r.brictl("pause", "kz", prefix: asUser)
        #expect(member.status == 0, "\(member.stderr) \(member.stdout)")
        #expect(try r.brictl("--json", "sources").stdout.contains("\"paused\""))
    } }

    @Test func socketActivationAndStaleSockets() async throws { try await offPool {
        let w = try Workspace(config: Workspace.oneDropSource)
        try FileManager.default.createDirectory(atPath: w.root + "/state", withIntermediateDirectories: true)
        // A stale socket file from a brid that died: replaced.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array((w.root + "/state/control.sock").utf8)) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(stale)
        let first = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/first.log")
        try first.waitForLog("running:", seconds: 10)
        #expect(try BridProcess.run(["--socket", w.root + "/state/control.sock", "status"], executable: BridProcess.brictlPath).status == 0)
        // Something that is not a socket at the socket path is never deleted.
        let notASocket = try Workspace(config: """
            [daemon]
            state_dir = "state"
            socket = "state/notes.txt"
            """)
        try notASocket.write("state/notes.txt", "precious")
        let refused = try BridProcess.run(["--config", notASocket.root + "/brid.toml"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("exists and is not a socket"))
        #expect(try notASocket.read("state/notes.txt") == "precious")
        // A second brid does not steal a socket that answers.
        let second = try BridProcess.run(["--config", w.root + "/brid.toml"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another brid is running"))
        #expect(try first.terminate().status == 0)
        #expect(!FileManager.default.fileExists(atPath: w.root + "/state/control.sock"))

        // Socket activation: systemd-socket-activate holds the socket and passes it on.
        let activated = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/activated.log",
                                          via: ["/usr/bin/systemd-socket-activate", "-l", w.root + "/activated.sock", "--fdname=control"])
        try waitUntil("the activation socket exists", seconds: 5) { FileManager.default.fileExists(atPath: w.root + "/activated.sock") }
        let status = try BridProcess.run(["--socket", w.root + "/activated.sock", "status"], executable: BridProcess.brictlPath)
        #expect(status.status == 0, "\(status.stderr)")
        try activated.waitForLog("(from systemd)")
        #expect(try activated.terminate().status == 0)
    } }
}

@discardableResult
func shell(_ arguments: String...) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
