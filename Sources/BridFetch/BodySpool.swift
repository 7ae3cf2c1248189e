import BridCore
import CLinux
import Glibc
import Synchronization

/// Where a fetched body goes as it arrives: an unnamed temporary file (`O_TMPFILE`) in a
/// folder with room for it — the state folder, as `/tmp` may be memory — hashed on the way
/// (SHA-256), so a download of any size takes no more memory than curl's buffer.
///
/// The file is gone with its last descriptor: this spool's, and any mapping made of it
/// (`MappedFile(descriptor:)` in BridRuntime). A failed or aborted fetch, or a crash,
/// leaves nothing behind. Several fetches may append to one spool one after another (the
/// pages of a World Bank response); after a failed fetch its contents are undefined.
public final class BodySpool: Sendable {
    private struct State: ~Copyable {
        var size = 0
        var hasher: SHA256? = SHA256()
        var digest: String?
    }

    /// The folder the file was created in (errors name it).
    public let directory: String
    /// The file, open for reading and writing; closed with the spool. Map it once the
    /// fetches are done.
    public let descriptor: Int32
    private let state = Mutex(State())

    /// Creates the file in `directory`.
    public init(directory: String) throws(BodySpoolError) {
        self.directory = directory
        descriptor = clinux_open_unnamed_file(directory)
        guard descriptor >= 0 else { throw BodySpoolError(action: "create", directory: directory, errno: errno) }
    }

    deinit { close(descriptor) }

    /// Bytes appended so far.
    public var size: Int { state.withLock { $0.size } }

    /// Appends `bytes` at the end and hashes them.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(BodySpoolError) {
        try state.withLock { (state: inout State) throws(BodySpoolError) in
            precondition(state.digest == nil, "BodySpool: append after sha256()")
            var done = 0
            while done < bytes.count {
                let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw BodySpoolError(action: "write", directory: directory, errno: errno)
                }
                done += n
            }
            state.hasher?.update(bytes)
            state.size += bytes.count
        }
    }

    public func append(_ bytes: [UInt8]) throws(BodySpoolError) {
        // withUnsafeBytes rethrows untyped errors: carry the typed one out by hand.
        let failure: BodySpoolError? = bytes.withUnsafeBytes { buffer in
            do throws(BodySpoolError) {
                try append(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// The SHA-256 of everything appended, as 64 lowercase hex digits. Nothing can be
    /// appended after it.
    public func sha256() -> String {
        state.withLock { state in
            if let digest = state.digest { return digest }
            let digest = state.hasher.take()!.finalizeHex()
            state.digest = digest
            return digest
        }
    }

    /// The whole file read into memory: for small bodies only (the tests read what was spooled).
    public func contents() throws(BodySpoolError) -> [UInt8] {
        let size = self.size
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BodySpoolError(action: "read", directory: directory, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }
}

/// A spool's file could not be created, written or read (a full disk, a missing folder).
public struct BodySpoolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// "create", "write" or "read".
    public var action: String
    public var directory: String
    /// `strerror`'s text.
    public var reason: String

    init(action: String, directory: String, errno code: Int32) {
        self.action = action
        self.directory = directory
        self.reason = String(cString: strerror(code))
    }

    public var description: String {
        "cannot \(action) a temporary file in \(directory): \(reason)"
    }
}
