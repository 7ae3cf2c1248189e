import BridCore
import CLinux
import Glibc

/// Spilled runs as unnamed temporary files (`O_TMPFILE`) in one folder — the state
/// folder, which has the room a large payload needs (`/tmp` may be memory). An unnamed
/// file vanishes with its last descriptor, so a crash leaves nothing behind.
public struct FileSpillArea: SpillArea {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func makeRun() throws -> any SpillRun {
        try FileRun(directory: directory)
    }
}

/// One run: a descriptor written at its end and read with `pread`.
final class FileRun: SpillRun, @unchecked Sendable {
    // Written by the one thread that builds the payload, then only read: the payload
    // hands runs over once they are complete.
    private let fd: Int32
    private let directory: String
    private(set) var size = 0

    /// A new unnamed file in `directory` (on a file system without O_TMPFILE: a named file,
    /// unlinked at once).
    init(directory: String) throws {
        fd = clinux_open_unnamed_file(directory)
        guard fd >= 0 else { throw SpillError("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        self.directory = directory
    }

    deinit { close(fd) }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        if let code = writeAll(fd, bytes) {
            throw SpillError("cannot write a temporary file in \(directory): \(String(cString: strerror(code)))")
        }
        size += bytes.count
    }

    /// The file as written so far, mapped (the mapping outlives this run).
    func mapped(path: String) throws -> MappedFile {
        try MappedFile(descriptor: fd, path: path)
    }

    func mapped() throws -> (any MappedBytes)? {
        try MappedFile(descriptor: fd, path: "a temporary file in \(directory)")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        while true {
            let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw SpillError("cannot read a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        }
    }
}

/// Writes all of `bytes` to `fd` (retrying short writes and EINTR); the errno of a failure,
/// nil when everything was written.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n <= 0 {
            if n < 0 && errno == EINTR { continue }
            return n < 0 ? errno : EIO  // a write of nothing would loop forever
        }
        done += n
    }
    return nil
}

extension MappedFile: MappedBytes {}
