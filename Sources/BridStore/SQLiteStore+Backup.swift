import BridCore
import CSQLite
import Foundation

/// What `backup(to:)` wrote.
public struct BackupResult: Sendable, Equatable {
    public let path: String
    public let bytes: Int64
    /// The newest release the copy holds (nil for a store without releases).
    public let lastReleaseID: Int64?
    /// How long the copy took, in seconds.
    public let seconds: Double
}

/// Why a backup was not written.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The target exists and overwriting was not asked for.
        case exists
        /// The target cannot be written (its folder is missing, read-only, …).
        case unwritable
        case failed
    }

    public let kind: Kind
    public let description: String
}

extension SQLiteStore {
    /// Writes a consistent copy of the database to `target` (an absolute path) while
    /// ingests go on: `VACUUM INTO` on a read connection of its own, so the copy is the
    /// snapshot of the moment it started — whole releases only — and writers are never
    /// blocked (in WAL mode a reader holds no lock a writer waits for). The copy is written
    /// under a temporary name beside the target, flushed to disk, checked with
    /// `PRAGMA quick_check` and renamed into place, so `target` is never a half-written file.
    /// An existing `target` is refused unless `overwrite`.
    ///
    /// A copy is a complete database: pointing `state_dir` at a folder that holds it as
    /// `brid.sqlite` restores it.
    public func backup(to target: String, overwrite: Bool) throws(BackupError) -> BackupResult {
        let started = Date()
        guard target.hasPrefix("/") else { throw BackupError(kind: .failed, description: "the backup path must be absolute: \(target)") }
        let resolvedSelf = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let resolvedTarget = URL(fileURLWithPath: target).resolvingSymlinksInPath().path
        if [resolvedSelf, resolvedSelf + "-wal", resolvedSelf + "-shm"].contains(resolvedTarget) {
            throw BackupError(kind: .exists, description: "\(target) is the live database itself")
        }
        var info = stat()
        if lstat(target, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw BackupError(kind: .exists, description: "\(target) is a folder; name the file to write")
            }
            if !overwrite { throw BackupError(kind: .exists, description: "\(target) exists; use --force to replace it") }
        }
        let folder = Paths.directory(of: target)
        if stat(folder.isEmpty ? "/" : folder, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw BackupError(kind: .unwritable, description: "cannot write \(target): no folder \(folder)")
        }
        if access(folder, W_OK) != 0 {
            throw BackupError(kind: .unwritable, description: "cannot write \(target): brid (uid \(getuid())) may not write to \(folder): \(String(cString: strerror(errno)))")
        }
        // Unique, so that two backups to one path never share a temporary file.
        let temporary = folder + "/." + Paths.lastComponent(of: target) + ".partial-\(getpid())-\(UInt32.random(in: .min ... .max))"
        do {
            try copy(into: temporary)
            let lastRelease = try Self.check(temporary)
            try Self.flush(temporary)
            if overwrite {
                guard rename(temporary, target) == 0 else {
                    throw BackupError(kind: .unwritable, description: "cannot rename the copy to \(target): \(String(cString: strerror(errno)))")
                }
            } else {
                // link() fails when the target appeared meanwhile: never a silent replacement.
                // (A file system without hard links, vfat say, gets a checked rename instead.)
                if link(temporary, target) == 0 {
                    unlink(temporary)
                } else if errno == EEXIST || lstat(target, &info) == 0 {
                    throw BackupError(kind: .exists, description: "\(target) exists; use --force to replace it")
                } else if rename(temporary, target) != 0 {
                    throw BackupError(kind: .unwritable, description: "cannot rename the copy to \(target): \(String(cString: strerror(errno)))")
                }
            }
            try? Self.flush(folder)
            var written = stat()
            stat(target, &written)
            return BackupResult(path: target, bytes: Int64(written.st_size), lastReleaseID: lastRelease,
                                seconds: Date().timeIntervalSince(started))
        } catch let error as BackupError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw BackupError(kind: .failed, description: "backup to \(target) failed: \(error)")
        }
    }

    /// `VACUUM INTO` (one read transaction of its own: VACUUM runs outside any other).
    private func copy(into temporary: String) throws {
        let connection = try Connection(path: path, readOnly: true)
        defer { connection.close() }
        do {
            try connection.prepare("VACUUM INTO ?").bind(.text(temporary)).run()
        } catch {
            throw BackupError(kind: .unwritable, description: "cannot write the copy \(temporary): \(error.message)")
        }
    }

    /// Opens the copy on its own and runs `PRAGMA quick_check` on it; returns its newest release.
    private static func check(_ copy: String) throws -> Int64? {
        let connection = try Connection(path: copy, readOnly: true)
        defer { connection.close() }
        let verdict = try connection.prepare("PRAGMA quick_check").rows { $0.text(0) ?? "" }
        guard verdict == ["ok"] else {
            throw BackupError(kind: .failed, description: "the copy failed its check: \(verdict.prefix(3).joined(separator: "; "))")
        }
        return try connection.prepare("SELECT max(id) FROM releases").firstRow { $0.optionalInt(0) } ?? nil
    }

    /// fsync, so a copy reported written survives a power cut.
    private static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError(kind: .failed, description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw BackupError(kind: .failed, description: "cannot flush \(path): \(String(cString: strerror(errno)))") }
    }
}
