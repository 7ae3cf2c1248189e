import BridCore
import BridRuntime
import BridStore
import Foundation
import Testing

@Suite struct DropFolderTests {
    @Test func takesCompleteFilesOldestFirst() throws {
        let f = try DropFixture()
        try f.drop("b.csv", "series,period,value\nx,2018,1\n", age: 100)
        try f.drop("a.csv", "series,period,value\nx,2018,2\n", age: 50)
        try f.drop(".hidden.csv", "junk")
        try f.drop("c.csv.tmp", "junk")
        try f.drop("d.csv.part", "junk")
        try FileManager.default.createDirectory(atPath: f.folder.path + "/sub", withIntermediateDirectories: true)
        #expect(try f.folder.pendingFiles() == ["b.csv", "a.csv"])
    }

    @Test func acceptedFilesMoveToProcessedAfterTheirRelease() throws {
        let f = try DropFixture()
        try f.drop("r1.csv", "series,period,value\nx,2018,19.885\n", age: 10)
        let outcomes = try f.processAll()
        guard case let .released(release) = outcomes[0].outcome else {
            Issue.record("not released: \(outcomes)")
            return
        }
        #expect(release.origin == "r1.csv")
        #expect(outcomes[0].movedTo == f.folder.processedPath + "/r1.csv")
        #expect(f.files(in: f.folder.processedPath) == ["r1.csv"])
        #expect(try f.folder.pendingFiles().isEmpty)
    }

    @Test func rejectedFilesMoveAsideWithTheReason() throws {
        let f = try DropFixture()
        try f.drop("bad.csv", "series,period,value\nx,2018,1\nx,2019,oops\n")
        let outcomes = try f.processAll()
        #expect(outcomes[0].outcome == .rejected(InputError(origin: "bad.csv", place: .line(3), reason: "value \"oops\" is not a number (series x, period 2019)")))
        #expect(f.files(in: f.folder.rejectedPath) == ["bad.csv", "bad.csv.error"])
        let note = try String(contentsOfFile: f.folder.rejectedPath + "/bad.csv.error", encoding: .utf8)
        #expect(note.hasPrefix("bad.csv line 3: value \"oops\" is not a number"))
        #expect(note.contains("nothing from this file was stored"))
        #expect(try f.store.releases().isEmpty)
        #expect(try f.store.observations(series: "x") == nil)
    }

    @Test func sameNameTwiceDoesNotOverwrite() throws {
        let f = try DropFixture()
        try f.drop("r.csv", "series,period,value\nx,2018,1\n")
        _ = try f.processAll()
        try f.drop("r.csv", "series,period,value\nx,2018,2\n")
        _ = try f.processAll()
        #expect(f.files(in: f.folder.processedPath) == ["r.2.csv", "r.csv"])
        #expect(try f.store.releases().count == 2)
    }

    @Test func aFileSeenAgainAfterACrashIsNotStoredTwice() throws {
        let f = try DropFixture()
        let text = "series,period,value\nx,2018,1\n"
        try f.drop("r.csv", text)
        // brid committed the release and died before moving the file.
        _ = try f.ingestor.ingest(Array(text.utf8), origin: "r.csv", source: f.spec, at: f.now)
        #expect(try f.store.releases().count == 1)
        let outcomes = try f.processAll()
        #expect(outcomes[0].outcome == .unchangedPayload)
        #expect(f.files(in: f.folder.processedPath) == ["r.csv"])
        #expect(try f.store.releases().count == 1)
    }

    @Test func oversizedFilesAreRejectedUnread() throws {
        let f = try DropFixture()
        try f.drop("big.csv", "series,period,value\n" + String(repeating: "x,2018,1\n", count: 10))
        var spec = f.spec
        spec.maxBytes = 50
        let outcome = try f.folder.process("big.csv", source: spec, ingestor: f.ingestor, at: f.now)
        guard case let .rejected(error) = outcome.outcome else {
            Issue.record("accepted an oversized file")
            return
        }
        #expect(error.reason == "file is 110 bytes, over max_bytes (50 bytes)")
    }

    @Test func aRevisedFileMakesOneReleaseWithExactlyTheChanges() throws {
        let f = try DropFixture()
        try f.drop("r1.csv", "series,period,value\nx,2017,1\nx,2018,2\ny,2018,3\n", age: 10)
        try f.drop("r2.csv", "series,period,value\nx,2017,1\nx,2018,2.5\ny,2018,3\n", age: 5)
        let outcomes = try f.processAll()
        guard case let .released(second) = outcomes[1].outcome else {
            Issue.record("second file not released")
            return
        }
        #expect((second.added, second.revised, second.removed, second.unchanged) == (0, 1, 0, 2))
        #expect(try f.store.changes(release: second.id).map { "\($0.series) \($0.period) \($0.previousValue ?? "") → \($0.value ?? "")" } == ["x 2018 2 → 2.5"])
    }
}

@Suite struct DropSettleTests {
    @Test func aFreshFileIsLeftUntilItSettlesUnlessKnownComplete() throws {
        let f = try DropFixture()
        try f.drop("old.csv", "series,period,value\nx,2018,1\n", age: 60)
        try f.drop("writing.csv", "series,period,value\nx,20", age: 0)
        try f.drop("closed.csv", "series,period,value\ny,2018,1\n", age: 0)
        let settled = Date().addingTimeInterval(-2)
        #expect(try f.folder.pendingFiles(settledBefore: settled) == ["old.csv"])
        #expect(try f.folder.pendingFiles(settledBefore: settled, complete: ["closed.csv"]) == ["old.csv", "closed.csv"])
        #expect(try f.folder.pendingFiles().count == 3, "--once takes every file")
    }
}

/// A rejection whose `.error` note cannot be written: the file is still rejected, moved
/// aside and its reason recorded; the outcome says in words why there is no note.
@Suite struct RejectionNoteTests {
    @Test func aNoteThatCannotBeCreatedLeavesTheRejectionWhole() throws {
        let f = try DropFixture()
        try f.drop("bad.csv", "series,period,value\nx,2018,oops\n")
        // A link where the note goes (a real failure any user can make): never written through.
        try FileManager.default.createSymbolicLink(atPath: f.folder.rejectedPath + "/bad.csv.error", withDestinationPath: f.root + "/nowhere/x")
        let outcome = try #require(try f.processAll().first)
        #expect(outcome.outcome == .rejected(InputError(origin: "bad.csv", place: .line(2), reason: "value \"oops\" is not a number (series x, period 2018)")))
        #expect(outcome.movedTo == f.folder.rejectedPath + "/bad.csv")
        #expect(outcome.noteProblem == "cannot create \(f.folder.rejectedPath)/bad.csv.error: File exists", "\(String(describing: outcome.noteProblem))")
        #expect(!FileManager.default.fileExists(atPath: f.root + "/nowhere"))
        #expect(try f.folder.pendingFiles().isEmpty)
    }

    @Test(.enabled(if: Tmpfs.available, "needs root and mount(2)"))
    func onAFullDiskTheNoteIsLeftOutNotHalfWritten() throws {
        let f = try DropFixture()
        let disk = f.root + "/drop"
        let mount = try Tmpfs(at: disk, size: 256 << 10)
        defer { mount.unmount() }
        try f.folder.prepare()
        try f.drop("bad.csv", "series,period,value\nx,2018,oops\n")
        try mount.fill()
        let outcome = try #require(try f.processAll().first)
        guard case .rejected = outcome.outcome else {
            Issue.record("not rejected: \(outcome)")
            return
        }
        #expect(outcome.movedTo == f.folder.rejectedPath + "/bad.csv")
        #expect(outcome.noteProblem == "cannot write \(f.folder.rejectedPath)/bad.csv.error: No space left on device",
                "\(String(describing: outcome.noteProblem))")
        #expect(f.files(in: f.folder.rejectedPath) == ["bad.csv"], "no empty note left behind")
    }
}

/// A small tmpfs mounted for a test (root only): a real full disk.
struct Tmpfs {
    let path: String

    /// Whether this process may mount one (tried once, on a folder of its own).
    static let available: Bool = {
        guard getuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "brid-tmpfs-probe-" + UUID().uuidString
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard Glibc.mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(probe, Int32(MNT_DETACH))
        return true
    }()

    init(at path: String, size: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Glibc.mount("tmpfs", path, "tmpfs", 0, "size=\(size)") == 0 else {
            throw RuntimeError("cannot mount a tmpfs on \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
    }

    /// Writes a file until the disk has no space left.
    func fill() throws {
        let fd = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw RuntimeError("cannot create the filler: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x46, count: 4096)
        while true {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
        }
        guard errno == ENOSPC else { throw RuntimeError("filling stopped early: \(String(cString: strerror(errno)))") }
    }

    func unmount() {
        umount2(path, Int32(MNT_DETACH))
    }
}
