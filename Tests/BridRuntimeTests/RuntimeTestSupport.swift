import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Logging
import Synchronization

/// A temporary folder with a store and a drop folder for source `src`.
final class DropFixture {
    let root: String
    let store: SQLiteStore
    let folder: DropFolder
    let ingestor: Ingestor
    var now = Date(timeIntervalSince1970: 1_543_622_400)

    init(snapshot: Bool = false) throws {
        root = NSTemporaryDirectory() + "brid-runtime-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        store = try SQLiteStore(path: root + "/brid.sqlite")
        folder = DropFolder(path: root + "/drop/src")
        try folder.prepare()
        ingestor = Ingestor(store: store)
        self.snapshot = snapshot
    }

    let snapshot: Bool

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var spec: Ingestor.SourceSpec {
        Ingestor.SourceSpec(id: "src", reader: try! CSVFormat(settings: FormatSettings()), snapshot: snapshot)
    }

    /// Writes a file into the drop folder with a given modification time offset.
    func drop(_ name: String, _ text: String, age: TimeInterval = 0) throws {
        let path = folder.path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let time = Date().addingTimeInterval(-age)
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
    }

    func processAll() throws -> [DropFolder.Taken] {
        try folder.pendingFiles().map { name in
            now = now.addingTimeInterval(60)
            var spec = spec
            spec.maxBytes = 1 << 20
            return try folder.process(name, source: spec, ingestor: ingestor, at: now)
        }
    }

    func files(in path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

/// Collects log lines in memory.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var sink: LineSink { LineSink { line in self.lines.withLock { $0.append(line) } } }

    var text: String { lines.withLock { $0.joined() } }

    func logger(journal: Bool = false, level: Logger.Level = .debug) -> Logger {
        let sink = self.sink
        return Logger(label: "test") { label in StderrLogHandler(label: label, level: level, journal: journal, sink: sink) }
    }
}
