import BridCore
import Foundation

/// One brid at a time on a state folder: the daemon and `brid --once` each hold an
/// exclusive `flock` on `STATE_DIR/brid.lock` while they run, so two processes never
/// ingest from the same drop folders into the same database. The kernel drops the lock
/// when the process ends, `kill -9` included, so a crash leaves nothing to clean up.
public final class StateLock: Sendable {
    /// The lock file's name in the state folder.
    public static let fileName = "brid.lock"

    private let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { close(fd) }

    /// Takes the lock, or says who holds it. `holderHint` ends the refusal: what to do
    /// instead of starting a second brid.
    public static func acquire(stateDir: String, holderHint: String) throws -> StateLock {
        let path = Paths.appending(fileName, to: stateDir)
        // O_CLOEXEC: a child (an exec notifier) must not keep the lock after brid ends.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw RuntimeError("cannot write the state folder \(stateDir): \(fileName): \(reason) — brid needs to write its state folder (check its owner, mode and file system)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            let holder = busy ? holderPID(fd).map { " (pid \($0))" } ?? "" : ""
            close(fd)
            guard busy else { throw RuntimeError("cannot lock \(path): \(reason)") }
            throw RuntimeError("another brid is running on the state folder \(stateDir)\(holder): \(holderHint)")
        }
        // Who holds it, for the message a second brid prints.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return StateLock(fd: fd)
    }

    private static func holderPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace())
    }
}
