import BridRuntime
import BridTestSupport
import Foundation
import Testing

@Suite struct SystemdNotifierTests {
    @Test func sendsStateDatagrams() throws {
        let socket = try NotifySocket(path: NSTemporaryDirectory() + "notify-" + UUID().uuidString.prefix(8) + ".sock")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path])
        #expect(notifier.ready(status: "3 sources"))
        #expect(socket.receive() == "READY=1\nSTATUS=3 sources")
        notifier.watchdog()
        #expect(socket.receive() == "WATCHDOG=1")
        notifier.reloading()
        let reloading = try #require(socket.receive())
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(UInt64(reloading.split(separator: "=").last!)! > 0)
        notifier.stopping()
        #expect(socket.receive() == "STOPPING=1")
    }

    @Test func disabledWithoutNotifySocket() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
    }

    @Test func watchdogIntervalHonoursWatchdogPID() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "20000000"], pid: 42) == .seconds(10))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "42"], pid: 42) == .seconds(10))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "7"], pid: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:], pid: 42) == nil)
    }

    @Test func socketActivationVariables() {
        let env = ["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "control:extra"]
        #expect(SocketActivation.sockets(environment: env, pid: 42) == [.init(fd: 3, name: "control"), .init(fd: 4, name: "extra")])
        #expect(SocketActivation.sockets(environment: env, pid: 43).isEmpty)
        #expect(SocketActivation.sockets(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "1"], pid: 42) == [.init(fd: 3, name: "unknown")])
    }
}

@Suite struct DropWatcherTests {
    @Test func reportsFilesRenamedOrWrittenIntoAFolder() async throws {
        let root = NSTemporaryDirectory() + "watch-" + UUID().uuidString
        let folder = root + "/drop"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let watcher = try DropWatcher()
        try watcher.watch(folder)
        watcher.start()
        var arrivals = watcher.arrivals.makeAsyncIterator()

        try Data("a".utf8).write(to: URL(fileURLWithPath: root + "/staged.csv"))
        #expect(rename(root + "/staged.csv", folder + "/r1.csv") == 0)
        #expect(await arrivals.next() == DropWatcher.Arrival(folder: folder, name: "r1.csv"))

        try Data("b".utf8).write(to: URL(fileURLWithPath: folder + "/written.csv"))  // closed after writing
        #expect(await arrivals.next() == DropWatcher.Arrival(folder: folder, name: "written.csv"))

        watcher.stop()
        while await arrivals.next() != nil {}  // the stream ends once the thread stops
        #expect(watcher.watchedFolders == [folder])
    }
}
