import BridCore
import BridFormats
import BridRuntime
import BridStore
import BridTestSupport
import Foundation
import Testing

/// Payloads larger than the in-memory limit are sorted in runs on disk and merged: these
/// tests make the limit tiny, so that every payload here is spilled, and compare what is
/// stored with the same payload ingested wholly in memory.
@Suite struct BoundedIngestTests {
    /// A store, an ingestor with a tiny memory limit, and one with none.
    final class Pair {
        let root: String
        let spilled: SQLiteStore
        let inMemory: SQLiteStore
        let spilledIngestor: Ingestor
        let inMemoryIngestor: Ingestor
        var now = Date(timeIntervalSince1970: 1_543_622_400)

        init(limit: Int = 997) throws {
            root = NSTemporaryDirectory() + "brid-bounded-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
            spilled = try SQLiteStore(path: root + "/a/brid.sqlite")
            inMemory = try SQLiteStore(path: root + "/b/brid.sqlite")
            spilledIngestor = Ingestor(store: spilled, memoryLimit: limit)
            inMemoryIngestor = Ingestor(store: inMemory, memoryLimit: Int.max)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func spec(snapshot: Bool = false, format: any PayloadFormat = try! CSVFormat(settings: FormatSettings())) -> Ingestor.SourceSpec {
            Ingestor.SourceSpec(id: "src", reader: format, snapshot: snapshot)
        }

        /// Ingests `text` as a file into both stores; returns both results.
        @discardableResult
        func ingest(_ text: String, name: String = "p.csv", snapshot: Bool = false,
                    format: any PayloadFormat = try! CSVFormat(settings: FormatSettings())) throws -> (PayloadOutcome, PayloadOutcome) {
            now = now.addingTimeInterval(60)
            let path = root + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            defer { unlink(path) }
            let a = try spilledIngestor.ingest(file: try MappedFile(path: path), origin: name, source: spec(snapshot: snapshot, format: format), at: now)
            let b = try inMemoryIngestor.ingest(file: try MappedFile(path: path), origin: name, source: spec(snapshot: snapshot, format: format), at: now)
            return (a, b)
        }

        /// Every release's changes and every series' latest values, as text.
        func contents(_ store: SQLiteStore) throws -> [String] {
            var lines: [String] = []
            for release in try store.releases(limit: 1_000).reversed() {
                lines.append("release \(release.id) +\(release.added) ~\(release.revised) -\(release.removed) =\(release.unchanged)")
                for change in try store.changes(release: release.id) {
                    lines.append("  \(change.kind) \(change.series) \(change.period) \(change.value ?? "∅") \(change.previousValue ?? "∅")")
                }
            }
            for summary in try store.seriesSummaries() {
                lines.append("series \(summary.key) \(summary.frequency) \(summary.latestPeriod ?? "-") \(summary.latestValue ?? "∅")")
            }
            return lines
        }

        /// What `PRAGMA foreign_key_check` finds wrong (nothing, when every version's series
        /// and release exist).
        func foreignKeyProblems(_ store: SQLiteStore) throws -> String {
            try sqlite3(store, "PRAGMA foreign_key_check")
        }

        /// The vintage tables as the sqlite3 shell dumps them (and what the foreign key
        /// check finds, which is nothing when the keys the release writer does not check
        /// row by row hold).
        func dump(_ store: SQLiteStore) throws -> String {
            try sqlite3(store, "PRAGMA foreign_key_check", ".dump releases series observation_versions release_contents series_summaries")
        }

        private func sqlite3(_ store: SQLiteStore, _ commands: String...) throws -> String {
            try ProcessRunner.run("/usr/bin/sqlite3", ["-readonly", store.path] + commands).stdout
        }
    }

    /// A long CSV whose rows of each series are scattered through the file (series
    /// interleaved, periods in reverse), so every run holds a piece of every series.
    static func scattered(series: Int, periods: Int, change: (Int, Int) -> String? = { _, _ in nil }) -> String {
        var text = "series,period,value\n"
        for p in (0..<periods).reversed() {
            for s in 0..<series {
                let value = change(s, p) ?? "\(s).\(p)"
                text += "sc.s\(s),\(2000 + p / 12)-\(String(format: "%02d", p % 12 + 1)),\(value)\n"
            }
        }
        return text
    }

    /// Series after series, each complete before the next: streamed to the store while it
    /// is read, whatever its size.
    static func grouped(series: Int, periods: Int, change: (Int, Int) -> String? = { _, _ in nil }) -> String {
        var text = "series,period,value\n"
        for s in 0..<series {
            for p in 0..<periods {
                text += "gr.s\(s),\(2000 + p / 12)-\(String(format: "%02d", p % 12 + 1)),\(change(s, p) ?? "\(s).\(p)")\n"
            }
        }
        return text
    }

    @Test func aGroupedPayloadIsStreamedAndStoredExactly() async throws { try await offPool {
        let pair = try Pair()
        let (a, b) = try pair.ingest(Self.grouped(series: 60, periods: 120))
        #expect(a == b)
        let (c, d) = try pair.ingest(Self.grouped(series: 61, periods: 120) { s, p in (s + p) % 50 == 0 ? "-\(s).\(p)" : nil }, snapshot: false)
        #expect(c == d)
        guard case let .released(revision) = c else { Issue.record("not released: \(c)"); return }
        #expect((revision.added, revision.revised) == (120, 140))  // -0.0 is 0.0: not a revision
        #expect(try pair.dump(pair.spilled) == pair.dump(pair.inMemory))
        #expect(try pair.foreignKeyProblems(pair.spilled) == "")
    } }

    /// A series that comes back on the last line, after every other was written: the
    /// streamed write is rolled back and the payload read whole.
    @Test func aSeriesComingBackLateIsReadWholeInstead() async throws { try await offPool {
        let pair = try Pair()
        let text = Self.grouped(series: 60, periods: 120) + "gr.s0,2030-01,7\n"
        let (a, b) = try pair.ingest(text)
        #expect(a == b)
        guard case let .released(release) = a else { Issue.record("not released: \(a)"); return }
        #expect(release.added == 7_201)
        #expect(release.id == 1)
        #expect(try pair.dump(pair.spilled) == pair.dump(pair.inMemory))
    } }

    @Test func aBadLastRowOfAStreamedPayloadRejectsEverything() async throws { try await offPool {
        let pair = try Pair()
        try pair.ingest("series,period,value\ngr.s1,2000-01,1\n")
        let before = try pair.dump(pair.spilled)
        let (a, b) = try pair.ingest(Self.grouped(series: 60, periods: 120) + "gr.s99,2000-01,1e\n", name: "bad.csv")
        #expect(a == b)
        #expect(a == .rejected(InputError(origin: "bad.csv", place: .line(7_202), reason: "value \"1e\" has a malformed exponent (series gr.s99, period 2000-01)")))
        #expect(try pair.dump(pair.spilled) == before)
        // A duplicate inside one streamed series, far from its first occurrence.
        let (c, _) = try pair.ingest(Self.grouped(series: 3, periods: 120) + "gr.s3,2000-01,1\ngr.s3,2000-01,2\n", name: "dup.csv")
        #expect(c == .rejected(InputError(origin: "dup.csv", place: .line(363), reason: "duplicate observation for series gr.s3, period 2000-01 (first at line 362)")))
        #expect(try pair.dump(pair.spilled) == before)
    } }

    @Test func aScatteredPayloadIsStoredAsIfHeldInMemory() async throws { try await offPool {
        let pair = try Pair()
        let (a, b) = try pair.ingest(Self.scattered(series: 40, periods: 120))
        #expect(a == b)
        guard case let .released(release) = a else { Issue.record("not released: \(a)"); return }
        #expect(release.added == 4_800)
        // A revision of 1 % and an unchanged remainder, spilled again.
        let (c, d) = try pair.ingest(Self.scattered(series: 40, periods: 120) { s, p in (s * 120 + p) % 100 == 0 ? "9\(s).\(p)" : nil })
        #expect(c == d)
        guard case let .released(revision) = c else { Issue.record("not released: \(c)"); return }
        #expect((revision.added, revision.revised, revision.unchanged) == (0, 48, 4_752))
        #expect(try pair.contents(pair.spilled) == pair.contents(pair.inMemory))
        #expect(try pair.dump(pair.spilled) == pair.dump(pair.inMemory))
        #expect(try pair.foreignKeyProblems(pair.spilled) == "")
        #expect(try pair.foreignKeyProblems(pair.inMemory) == "")
    } }

    @Test func aWideFileOfTwoThousandColumns() async throws { try await offPool {
        let pair = try Pair()
        var text = "period," + (0..<2_000).map { "w.c\($0)" }.joined(separator: ",") + "\n"
        for year in 1990..<2000 {
            text += "\(year)," + (0..<2_000).map { "\($0 * 10 + year - 1990)" }.joined(separator: ",") + "\n"
        }
        let (a, b) = try pair.ingest(text)
        #expect(a == b)
        guard case let .released(release) = a else { Issue.record("not released: \(a)"); return }
        #expect(release.added == 20_000)
        #expect(try pair.spilled.observations(series: "w.c1999")?.map(\.value) == (0..<10).map { "\(19_990 + $0)" })
        #expect(try pair.dump(pair.spilled) == pair.dump(pair.inMemory))
    } }

    @Test func aDuplicateInAnotherRunRejectsEverything() async throws { try await offPool {
        let pair = try Pair()
        try pair.ingest("series,period,value\nsc.s1,2000-01,1\n")
        let before = try pair.dump(pair.spilled)
        // The duplicate of line 2 is thousands of lines later, in another run.
        var text = Self.scattered(series: 40, periods: 120)
        text += "sc.s0,2009-12,5\n"
        let (a, b) = try pair.ingest(text, name: "dup.csv")
        #expect(a == b)
        #expect(a == .rejected(InputError(origin: "dup.csv", place: .line(4_802),
                                          reason: "duplicate observation for series sc.s0, period 2009-12 (first at line 2)")))
        #expect(try pair.dump(pair.spilled) == before)
    } }

    @Test func aBadLastRowRejectsEverything() async throws { try await offPool {
        let pair = try Pair()
        try pair.ingest("series,period,value\nsc.s1,2000-01,1\n")
        let before = try pair.dump(pair.spilled)
        let (a, _) = try pair.ingest(Self.scattered(series: 40, periods: 120) + "sc.s1,2020-01,oops\n", name: "bad.csv")
        #expect(a == .rejected(InputError(origin: "bad.csv", place: .line(4_802), reason: "value \"oops\" is not a number (series sc.s1, period 2020-01)")))
        #expect(try pair.dump(pair.spilled) == before)
    } }

    @Test func aSpilledSnapshotRemovesWhatItLacks() async throws { try await offPool {
        let pair = try Pair()
        try pair.ingest(Self.scattered(series: 40, periods: 120), snapshot: true)
        // Without series 0 and without the oldest period of every other series.
        let lines = Self.scattered(series: 40, periods: 120).split(separator: "\n").filter { line in
            !line.hasPrefix("sc.s0,") && !line.contains(",2000-01,")
        }
        let (a, b) = try pair.ingest(lines.joined(separator: "\n") + "\n", snapshot: true)
        #expect(a == b)
        guard case let .released(release) = a else { Issue.record("not released: \(a)"); return }
        #expect(release.removed == 120 + 39)
        #expect(try pair.foreignKeyProblems(pair.spilled) == "")
        #expect(try pair.spilled.observations(series: "sc.s0")?.isEmpty == true)
        #expect(try pair.dump(pair.spilled) == pair.dump(pair.inMemory))
    } }

    @Test func spilledSDMXCSVWithDeletions() async throws { try await offPool {
        let pair = try Pair(limit: 50)
        let format = try SDMXCSVFormat(settings: FormatSettings())
        var text = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
        for year in 2000..<2030 { for area in ["KZ", "CN", "RU", "DE"] { text += "dataflow,X:Y(1.0),I,A,\(area),\(year),\(year - 1999)\n" } }
        let (a, b) = try pair.ingest(text, format: format)
        #expect(a == b)
        var second = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
        for year in 2000..<2030 { second += "dataflow,X:Y(1.0),\(year % 3 == 0 ? "D" : "I"),A,KZ,\(year),\(year - 1999)\n" }
        let (c, d) = try pair.ingest(second, name: "d.csv", format: format)
        #expect(c == d)
        guard case let .released(release) = c else { Issue.record("not released: \(c)"); return }
        #expect(release.removed == 10)
        #expect(try pair.dump(pair.spilled) == pair.dump(pair.inMemory))
    } }

    @Test func theSpillLeavesNoFileBehind() async throws { try await offPool {
        let pair = try Pair()
        try pair.ingest(Self.scattered(series: 40, periods: 120))
        let files = try FileManager.default.contentsOfDirectory(atPath: pair.root + "/a").filter { !$0.hasPrefix("brid.sqlite") }
        #expect(files.isEmpty)
    } }

    @Test func theDigestOfAMappedFileIsItsSHA256() async throws { try await offPool {
        let pair = try Pair()
        let path = pair.root + "/big.bin"
        // Larger than one hashing slice (16 MiB), with a tail.
        var bytes = [UInt8](repeating: 0, count: (16 << 20) + 12_345)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(try MappedFile(path: path).sha256() == String(output.prefix(64)))
        #expect(SHA256.hex(bytes) == String(output.prefix(64)))
        let mapped = try MappedFile(path: path)
        #expect(mapped.bytes.elementsEqual(bytes))
        withExtendedLifetime(mapped) {}
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try MappedFile(path: path).sha256() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    } }
}
