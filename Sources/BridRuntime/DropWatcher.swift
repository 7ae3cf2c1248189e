import BridCore
import CLinux
import Foundation
import Synchronization

/// Watches drop folders with inotify and reports which folder got a new complete file
/// (`IN_CLOSE_WRITE`: written in place and closed; `IN_MOVED_TO`: renamed in). One thread
/// blocks in `poll`, so an idle daemon uses no CPU; `stop()` wakes it through an eventfd.
public final class DropWatcher: Sendable {
    /// A file that is complete in a folder (closed after writing, or renamed in); `name` is
    /// nil after an inotify queue overflow, when every watched folder is reported.
    public struct Arrival: Sendable, Equatable {
        public let folder: String
        public let name: String?

        public init(folder: String, name: String?) {
            self.folder = folder
            self.name = name
        }
    }

    /// Arrivals in order (a folder may repeat).
    public let arrivals: AsyncStream<Arrival>
    private let continuation: AsyncStream<Arrival>.Continuation
    private let inotify: Int32
    /// An eventfd, created close-on-exec (as the control server's): `stop()` writes to it.
    private let wake: Int32
    private let watches = Mutex<[Int32: String]>([:])

    public init() throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw RuntimeError("inotify_init1 failed: \(String(cString: strerror(errno)))") }
        let wakeFD = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard wakeFD >= 0 else {
            close(fd)
            throw RuntimeError("eventfd failed: \(String(cString: strerror(errno)))")
        }
        inotify = fd
        wake = wakeFD
        (arrivals, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    deinit {
        close(inotify)
        close(wake)
    }

    /// Starts watching `folder` (which must exist).
    public func watch(_ folder: String) throws {
        let wd = inotify_add_watch(inotify, folder, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR))
        guard wd >= 0 else { throw RuntimeError("cannot watch \(folder): \(String(cString: strerror(errno)))") }
        watches.withLock { $0[wd] = folder }
    }

    /// Stops watching `folder`.
    public func unwatch(_ folder: String) {
        let wd = watches.withLock { table in table.first { $0.value == folder }?.key }
        if let wd {
            inotify_rm_watch(inotify, wd)
            _ = watches.withLock { $0.removeValue(forKey: wd) }
        }
    }

    public var watchedFolders: [String] { watches.withLock { Array($0.values).sorted() } }

    /// Starts the reading thread.
    public func start() {
        PosixThread.start(named: "brid-inotify") { [self] in self.run() }
    }

    /// Ends the reading thread and the `arrivals` stream.
    public func stop() {
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || fds[1].revents != 0 { break }
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            for arrival in parse(buffer, count: count) { continuation.yield(arrival) }
        }
        continuation.finish()
    }

    /// The arrivals a batch of inotify events tells of.
    private func parse(_ buffer: [UInt8], count: Int) -> [Arrival] {
        var arrivals: [Arrival] = []
        var offset = 0
        let headerSize = MemoryLayout<inotify_event>.size
        while offset + headerSize <= count {
            let (wd, mask, length) = buffer.withUnsafeBytes { raw in
                let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                return (event.wd, event.mask, Int(event.len))
            }
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                arrivals += watchedFolders.map { Arrival(folder: $0, name: nil) }
            } else if let folder = watches.withLock({ $0[wd] }) {
                // The name is NUL-padded to `length` bytes after the header.
                let bytes = buffer[(offset + headerSize)..<min(offset + headerSize + length, count)].prefix { $0 != 0 }
                let name = bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
                arrivals.append(Arrival(folder: folder, name: name))
            }
            offset += headerSize + length
        }
        return arrivals
    }
}
