import BridRuntime
import Foundation
import Testing

/// A datagram socket bound in a temporary folder, standing in for systemd's notify socket.
final class NotifySocket {
    let path: String
    let fd: Int32

    init() throws {
        path = NSTemporaryDirectory() + "notify-" + UUID().uuidString.prefix(8) + ".sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram, or nil after the timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }
}

@Suite struct SystemdNotifierTests {
    @Test func sendsStateDatagrams() throws {
        let socket = try NotifySocket()
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
