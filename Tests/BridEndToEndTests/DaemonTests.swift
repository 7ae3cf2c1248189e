import BridTestSupport
import Foundation
import Testing

/// The built `brid` running as a daemon: a real config, drop folder, publisher on
/// 127.0.0.1, notify socket, and signals.
@Suite(.serialized) struct DaemonTests {
    static func config(publisher: Publisher, every: String = "1h") -> String {
        """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"

        [[source]]
        id = "bri-cn-kz"
        drop = "drop/bri-cn-kz"
        format = "csv"

        [[source]]
        id = "kz"
        url = "\(publisher.url("kz.csv"))"
        format = "csv"
        every = "\(every)"
        """
    }

    @Test func speaksSystemdsNotifyProtocol() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        try publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.535\n")
        try w.write("brid.toml", Self.config(publisher: publisher))
        let notify = try NotifySocket(path: w.root + "/notify.sock", collecting: true)
        let brid = try DaemonProcess(config: w.root + "/brid.toml",
                                     environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"],
                                     logPath: w.root + "/brid.log")
        try waitUntil("READY=1", seconds: 10) { notify.all.contains { $0.hasPrefix("READY=1\nSTATUS=2 sources, ") } }
        try waitUntil("the URL source is fetched", seconds: 5) { brid.log.contains("fetched: release 1") }
        try waitUntil("a STATUS with the next fetch", seconds: 5) { notify.all.contains { $0.hasPrefix("STATUS=2 sources, 0 failing, next fetch kz in ") } }
        // WATCHDOG_USEC = 0.4 s: a ping every 0.2 s from the scheduler loop.
        let pings = notify.count { $0 == "WATCHDOG=1" }
        Thread.sleep(forTimeInterval: 1.0)
        #expect(notify.count { $0 == "WATCHDOG=1" } - pings >= 3)

        brid.signal(SIGHUP)
        try waitUntil("RELOADING then READY", seconds: 5) {
            let all = notify.all
            guard let reloading = all.lastIndex(where: { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }) else { return false }
            return all[reloading...].contains { $0.hasPrefix("READY=1") }
        }
        try brid.waitForLog("reloaded")
        let (status, elapsed) = try brid.terminate()
        #expect(status == 0)
        #expect(elapsed < 5)
        #expect(notify.all.contains("STOPPING=1"))
    } }

    @Test func ingestsADroppedFileWithinASecond() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        try publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.535\n")
        try w.write("brid.toml", Self.config(publisher: publisher))
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 10)
        let folder = w.root + "/state/drop/bri-cn-kz"
        try w.write("staging/r1.csv", "series,period,value\ncn-kz.trade.total,2018,19.885\n")
        let start = Date()
        #expect(rename(w.root + "/staging/r1.csv", folder + "/r1.csv") == 0)
        try waitUntil("the file is processed", seconds: 1, poll: 0.005) { FileManager.default.fileExists(atPath: folder + "/processed/r1.csv") }
        #expect(Date().timeIntervalSince(start) < 1)
        try brid.waitForLog("accepted: release")
        // A file being written in place is left alone until it is closed, even when another
        // arrival makes brid scan the folder.
        let fd = open(folder + "/slow.csv", O_CREAT | O_WRONLY, 0o644)  // one open, as cp does
        let writing = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        writing.write(Data("series,period,value\ncn-kz.trade.total,2019,19.8".utf8))
        try w.write("staging/r2.csv", "series,period,value\ncn-eu.trains.horgos,2018,404\n")
        rename(w.root + "/staging/r2.csv", folder + "/r2.csv")
        try waitUntil("r2 is processed", seconds: 2) { FileManager.default.fileExists(atPath: folder + "/processed/r2.csv") }
        #expect(FileManager.default.fileExists(atPath: folder + "/slow.csv"), "half-written file left in place")
        writing.write(Data("85\n".utf8))
        try writing.close()
        try waitUntil("slow.csv is processed once closed", seconds: 2) { FileManager.default.fileExists(atPath: folder + "/processed/slow.csv") }
        try brid.waitForLog("file=slow.csv")
        let slowLine = brid.log.split(separator: "\n").first { $0.contains("file=slow.csv") } ?? ""
        #expect(slowLine.contains("accepted: release") && slowLine.contains("1 added"), "\(slowLine)")
        // A malformed file is rejected, and brid keeps running.
        try w.write("staging/bad.csv", "series,period,value\ncn-kz.trade.total,2019,x\n")
        rename(w.root + "/staging/bad.csv", folder + "/bad.csv")
        try waitUntil("the bad file is rejected", seconds: 2) { FileManager.default.fileExists(atPath: folder + "/rejected/bad.csv.error") }
        try brid.waitForLog("rejected: bad.csv line 2: value \"x\" is not a number")
        #expect(brid.isRunning)
        #expect(try brid.terminate().status == 0)
    } }

    @Test func fetchesOnItsScheduleAndKeepsTheOldConfigOnABrokenReload() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        try publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.535\n")
        try w.write("brid.toml", Self.config(publisher: publisher, every: "1s"))
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("fetched: release 1", seconds: 10)
        try publisher.publish("kz.csv", "series,period,value\nwb.kaz.exports,2018,8.6\n")
        try brid.waitForLog("fetched: release 2, 0 added, 1 revised", seconds: 5)
        try brid.waitForLog("fetched: unchanged (HTTP 304 not modified)", seconds: 5)

        try w.write("brid.toml", Self.config(publisher: publisher, every: "1s") + "\nunknown_key = 1\n")
        brid.signal(SIGHUP)
        try brid.waitForLog("reload refused")
        #expect(brid.log.contains("unknown_key"))
        let hits = try publisher.hits()["/kz.csv"] ?? 0
        try waitUntil("fetching goes on with the old config", seconds: 5) { (try publisher.hits()["/kz.csv"] ?? 0) > hits }
        #expect(brid.isRunning)
        #expect(try brid.terminate().status == 0)
    } }

    @Test func stopsWithinFiveSecondsDuringASlowFetch() async throws { try await offPool {
        let w = try Workspace(config: "")
        // A port that accepts connections but never answers: the fetch hangs until its timeout.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 16)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        defer { close(listener) }
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"
            socket = "state/control.sock"

            [[source]]
            id = "hanging"
            url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/never"
            format = "csv"
            timeout = "60s"
            """)
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 10)
        Thread.sleep(forTimeInterval: 0.5)  // the fetch is in flight
        let (status, elapsed) = try brid.terminate()
        #expect(status == 0)
        #expect(elapsed < 5, "took \(elapsed) s")
    } }
}
