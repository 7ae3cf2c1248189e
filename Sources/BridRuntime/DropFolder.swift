import BridCore
import BridStore
import Foundation

/// A folder where payload files of one source are dropped. Complete files are ingested
/// oldest first, each in its own transaction, then moved to `processed/` — or, on any
/// error, to `rejected/` with a `NAME.error` text beside it. A file is moved only after
/// its transaction committed; if brid dies in between, the file is seen again, its hash
/// matches the source's last payload, and it is moved without a second release.
public struct DropFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var processedPath: String { path + "/processed" }
    public var rejectedPath: String { path + "/rejected" }

    /// What happened to one file.
    public struct Taken: Sendable, Equatable {
        public let file: String
        public let outcome: PayloadOutcome
        /// Where the file is now.
        public let movedTo: String
        /// Why the `.error` note of a rejected file could not be written (a full disk, …),
        /// in words; nil when it was, or for an accepted file.
        public let noteProblem: String?

        public init(file: String, outcome: PayloadOutcome, movedTo: String, noteProblem: String? = nil) {
            self.file = file
            self.outcome = outcome
            self.movedTo = movedTo
            self.noteProblem = noteProblem
        }
    }

    /// Whether a name is a finished payload: not a dotfile, not `*.tmp` / `*.part`.
    public static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part") && !name.hasSuffix(".partial")
    }

    /// Creates the folder and its `processed/` and `rejected/` subfolders if missing.
    public func prepare() throws {
        for folder in [path, processedPath, rejectedPath] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// Complete regular files waiting in the folder, oldest first (then by name).
    ///
    /// - Parameters:
    ///   - settledBefore: when given, a file modified after this time is left for later (it
    ///     may still be being written in place), unless it is in `complete`;
    ///   - complete: names known to be complete (closed after writing, or renamed in).
    public func pendingFiles(settledBefore: Date? = nil, complete: Set<String> = []) throws -> [String] {
        try scan(settledBefore: settledBefore, complete: complete).ready
    }

    /// The files to take now (as `pendingFiles`), and how many were left to settle — one
    /// listing of the folder for both.
    public func scan(settledBefore: Date?, complete: Set<String>) throws -> (ready: [String], unsettled: Int) {
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
        var files: [(name: String, modified: timespec)] = []
        var unsettled = 0
        for name in names where Self.isCandidate(name) {
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if let settledBefore, !complete.contains(name),
               Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9 > settledBefore.timeIntervalSince1970 {
                unsettled += 1
                continue
            }
            files.append((name, info.st_mtim))
        }
        files.sort { a, b in
            (a.modified.tv_sec, a.modified.tv_nsec, a.name) < (b.modified.tv_sec, b.modified.tv_nsec, b.name)
        }
        return (files.map(\.name), unsettled)
    }

    /// Ingests one file of the folder and moves it. Store failures (disk full, …) are
    /// thrown and the file stays where it is, to be tried again. The source's `maxBytes`
    /// limits the file and what a gzip file inflates to.
    public func process(_ name: String, source: Ingestor.SourceSpec, ingestor: Ingestor, at now: Date) throws -> Taken {
        let file = path + "/" + name
        let result: PayloadOutcome
        switch try mapPayload(file, name: name, maxBytes: source.maxBytes) {
        case let .success(mapped):
            result = try ingestor.ingest(file: mapped, origin: name, source: source, at: now)
        case let .failure(error):
            try ingestor.store.recordFailure(source: source.id, message: error.description, at: now)
            result = .rejected(error)
        }
        switch result {
        case let .rejected(rejection):
            let destination: String
            do {
                destination = try move(file, into: rejectedPath, name: name)
            } catch {
                // The reason is said even when the file cannot be moved aside.
                throw RuntimeError("rejected: \(rejection.description) — but it stays in the folder: \(error)")
            }
            let note = "\(rejection.description)\nrejected at \(Timestamp.format(now)) for source \(source.id); nothing from this file was stored.\n"
            // Best effort: the rejection is recorded and the file moved aside whether or not
            // its note can be written (on a full disk it cannot).
            let problem = Self.writeNote(note, to: destination + ".error")
            return Taken(file: name, outcome: result, movedTo: destination, noteProblem: problem)
        default:
            return Taken(file: name, outcome: result, movedTo: try move(file, into: processedPath, name: name))
        }
    }

    /// Writes a rejected file's note as a new file (never through a link a dropper may have
    /// planted), or says in words why it could not; a partly written note is removed.
    static func writeNote(_ note: String, to path: String) -> String? {
        func failure(_ what: String) -> String { "cannot \(what) \(path): \(String(cString: strerror(errno)))" }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return failure("create") }
        var problem: String?
        if let code = Array(note.utf8).withUnsafeBytes({ writeAll(fd, $0) }) {
            problem = "cannot write \(path): \(String(cString: strerror(code)))"
        }
        if close(fd) != 0, problem == nil { problem = failure("write") }
        if problem != nil { unlink(path) }
        return problem
    }

    /// The file, mapped; `.failure` for a file that is too large (an input error), a thrown
    /// error when it cannot be read (not the input's fault: it stays, to be tried again).
    /// Mapped, not read: memory does not grow with the file (see `MappedFile`).
    private func mapPayload(_ file: String, name: String, maxBytes: Int) throws -> Result<MappedFile, InputError> {
        var info = stat()
        if stat(file, &info) == 0, Int(info.st_size) > maxBytes {
            return .failure(InputError(origin: name, place: nil, reason: "file is \(info.st_size) bytes, over max_bytes (\(maxBytes) bytes)"))
        }
        return .success(try MappedFile(path: file))
    }

    /// Renames `file` into `folder`, never over an existing file (`name.2.csv`, …).
    private func move(_ file: String, into folder: String, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var destination = folder + "/" + name
        var n = 2
        let (stem, ext) = Self.split(name)
        while FileManager.default.fileExists(atPath: destination) || FileManager.default.fileExists(atPath: destination + ".error") {
            destination = folder + "/" + stem + ".\(n)" + ext
            n += 1
        }
        guard rename(file, destination) == 0 else {
            throw RuntimeError("cannot move \(file) to \(destination): \(String(cString: strerror(errno)))")
        }
        return destination
    }

    static func split(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
