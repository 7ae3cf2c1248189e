import BridCore
import Glibc

/// A payload file mapped read-only into memory, so readers see one buffer whatever its
/// size, while the resident memory stays bounded: pages already read are dropped with
/// `releasePages()` (they are the file's own, so a reader looking back just reads them
/// from the page cache again).
public final class MappedFile: @unchecked Sendable {
    // Immutable after init; the mapping is read-only.
    public let path: String
    public let size: Int
    private let base: UnsafeMutableRawPointer?

    /// Maps `path`; throws `RuntimeError` when it cannot be opened or mapped.
    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try self.init(descriptor: fd, path: path)
    }

    /// Maps the whole of an open file as it is now (a downloaded body's spool, say), named
    /// `path` in errors; the descriptor stays the caller's (the mapping outlives it).
    public init(descriptor fd: Int32, path: String) throws {
        self.path = path
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RuntimeError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        size = Int(info.st_size)
        if size == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw RuntimeError("cannot map \(path): \(String(cString: strerror(errno)))") }
        base = mapped
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
    }

    deinit {
        if let base { munmap(base, size) }
    }

    /// The file's bytes.
    public var bytes: UnsafeBufferPointer<UInt8> {
        guard let base else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
    }

    /// Drops the mapping's resident pages (they are read again from the file if needed).
    public func releasePages() {
        if let base { _ = madvise(base, size, MADV_DONTNEED) }
    }

    /// The SHA-256 of the file as lowercase hex, read slice by slice so that at most one
    /// slice is resident at a time.
    public func sha256() -> String {
        let slice = 4 << 20
        var hasher = SHA256()
        var offset = 0
        while offset < size, let base {
            let count = min(slice, size - offset)
            hasher.update(UnsafeRawBufferPointer(start: base + offset, count: count))
            _ = madvise(base + offset, count, MADV_DONTNEED)
            offset += count
        }
        return hasher.finalizeHex()
    }
}
