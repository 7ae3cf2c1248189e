import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Testing

/// Gzip payloads and other encodings through a real drop folder, store and spool files.
@Suite struct PayloadDecodingTests {
    /// `bytes` compressed by the system's gzip.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c", "-n"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Fed from a thread of its own: gzip's output pipe fills while its input is written.
        let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }

    func drop(_ fixture: DropFixture, _ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: fixture.folder.path + "/" + name))
    }

    func spec(_ options: [String: FormatOption] = [:], maxBytes: Int = 1 << 20) throws -> Ingestor.SourceSpec {
        let settings = FormatSettings(options: options)
        return Ingestor.SourceSpec(id: "src", reader: try CSVFormat(settings: settings), snapshot: false, maxBytes: maxBytes,
                                   encoding: try TextEncoding(settings: settings))
    }

    func process(_ fixture: DropFixture, _ name: String, _ spec: Ingestor.SourceSpec, maxBytes: Int = 1 << 20) throws -> DropFolder.Taken {
        fixture.now = fixture.now.addingTimeInterval(60)
        var spec = spec
        spec.maxBytes = maxBytes
        return try fixture.folder.process(name, source: spec, ingestor: fixture.ingestor, at: fixture.now)
    }

    func rejection(_ taken: DropFolder.Taken) -> String? {
        if case let .rejected(error) = taken.outcome { return error.description }
        return nil
    }

    @Test func aGzipFileIsInflatedWhateverItsName() throws {
        let f = try DropFixture()
        let csv = "series,period,value\n" + (0..<5_000).map { "s\($0 % 7),\(1_000 + $0 / 7),\($0).5" }.joined(separator: "\n") + "\n"
        try drop(f, "data.csv", try Self.gzip(Array(csv.utf8)))
        let taken = try process(f, "data.csv", try spec())
        guard case let .released(summary) = taken.outcome else { Issue.record("\(taken.outcome)"); return }
        #expect(summary.added == 5_000)
        #expect(try f.store.observations(series: "s3")?.first { $0.period == "1000" }?.value == "3.5")
    }

    @Test func aTruncatedGzipIsRefusedNamingTheFileAndOffset() throws {
        let f = try DropFixture()
        let csv = "series,period,value\n" + (0..<20_000).map { "s\($0 % 7),\(1_000 + $0 / 7),\($0 * 7919 % 10_007)" }.joined(separator: "\n")
        let whole = try Self.gzip(Array(csv.utf8))
        try drop(f, "cut.csv.gz", Array(whole.prefix(whole.count / 2)))
        let taken = try process(f, "cut.csv.gz", try spec())
        #expect(rejection(taken)?.hasPrefix("cut.csv.gz: truncated gzip: the compressed data ends at byte offset \(whole.count / 2) before the end of its stream") == true,
                "\(taken.outcome)")
        #expect(try f.store.seriesSummaries().isEmpty)
        #expect(f.files(in: f.folder.rejectedPath) == ["cut.csv.gz", "cut.csv.gz.error"])

        // Bytes changed in the middle: zlib's own complaint, at its offset.
        var corrupt = whole
        for i in (whole.count / 2)..<(whole.count / 2 + 16) { corrupt[i] ^= 0x5A }
        try drop(f, "bad.csv.gz", corrupt)
        let bad = try process(f, "bad.csv.gz", try spec())
        #expect(rejection(bad)?.contains("gzip") == true, "\(bad.outcome)")
        #expect(try f.store.seriesSummaries().isEmpty)
    }

    /// Concatenated members are one payload, as `gunzip` reads them; anything else after
    /// the gzip data is refused.
    @Test func concatenatedMembersAndTrailingBytes() throws {
        let f = try DropFixture()
        let members = try Self.gzip(Array("series,period,value\na,2020,1\n".utf8)) + Self.gzip(Array("a,2021,2\n".utf8))
        try drop(f, "two.csv.gz", members)
        let two = try process(f, "two.csv.gz", try spec())
        #expect(two.outcome.succeeded, "\(two.outcome)")
        #expect(try f.store.observations(series: "a")?.map(\.value) == ["1", "2"])

        let first = try Self.gzip(Array("series,period,value\nb,2020,1\n".utf8))
        try drop(f, "tail.csv.gz", first + Array("junk".utf8))
        let tail = try process(f, "tail.csv.gz", try spec())
        #expect(rejection(tail) == "tail.csv.gz: 4 bytes after the end of the gzip data at compressed byte offset \(first.count) are not another gzip member")
        #expect(try f.store.observations(series: "b") == nil)
    }

    /// What the control socket hands over (`brictl ingest`) is decoded the same way.
    @Test func bytesInMemoryAreInflatedToo() throws {
        let f = try DropFixture()
        let gz = try Self.gzip(Array("series,period,value\nc,2020,1.5\n".utf8))
        let outcome = try f.ingestor.ingest(gz, origin: "upload.csv.gz", source: try spec(), at: f.now)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try f.store.observations(series: "c")?.first?.value == "1.5")
        let bomb = try Self.gzip([UInt8](repeating: 0x20, count: 2 << 20))
        let refused = try f.ingestor.ingest(bomb, origin: "upload.csv.gz", source: try spec(maxBytes: 1 << 20), at: f.now)
        guard case let .rejected(error) = refused else { Issue.record("\(refused)"); return }
        #expect(error.reason.hasPrefix("gzip bomb refused"))
    }

    @Test func aGzipBombIsRefusedByMaxBytes() throws {
        let f = try DropFixture()
        // 8 MB of one repeated row compresses to some 25 kB.
        let bomb = try Self.gzip(Array(("series,period,value\n" + String(repeating: "s,2020,1\n", count: 1 << 20)).utf8))
        #expect(bomb.count < 100_000)
        try drop(f, "bomb.csv.gz", bomb)
        let taken = try process(f, "bomb.csv.gz", try spec(), maxBytes: 1 << 20)
        #expect(rejection(taken) == "bomb.csv.gz: gzip bomb refused: it inflates to more than max_bytes (1048576 bytes) from \(bomb.count) compressed bytes")
        #expect(try f.store.seriesSummaries().isEmpty)
    }

    @Test func latin1AndWindows1251Text() throws {
        let f = try DropFixture()
        // ISO-8859-1, `;` and decimal commas, as Destatis writes: "Gebrauchsgüter" as the series' name.
        let latin1: [UInt8] = Array("series;period;value;name\nde.pkw;2000;74,4;Gebrauchsg".utf8) + [0xFC] + Array("ter\n".utf8)
        try drop(f, "de.csv", latin1)
        let de = try process(f, "de.csv", try spec(["encoding": .string("iso-8859-1"), "decimal": .string(",")]))
        #expect(de.outcome.succeeded, "\(de.outcome)")
        #expect(try f.store.observations(series: "de.pkw")?.first?.value == "74.4")
        #expect(try f.store.seriesInfo("de.pkw")?.name == "Gebrauchsgüter")

        // windows-1251: "г.Алматы" with a thousands space.
        let cp1251: [UInt8] = Array("series;period;value;name\nkz.alm;2023;6 673,5;".utf8) + [0xE3, 0x2E, 0xC0, 0xEB, 0xEC, 0xE0, 0xF2, 0xFB, 0x0A]
        try drop(f, "kz.csv", cp1251)
        let kz = try process(f, "kz.csv", try spec(["encoding": .string("windows-1251"), "decimal": .string(","), "thousands": .string(" ")]))
        #expect(kz.outcome.succeeded, "\(kz.outcome)")
        #expect(try f.store.observations(series: "kz.alm")?.first?.value == "6673.5")
        #expect(try f.store.seriesInfo("kz.alm")?.name == "г.Алматы")

        // Without the setting the same bytes are not UTF-8: refused, naming the line.
        try drop(f, "de2.csv", latin1)
        let refused = try process(f, "de2.csv", try spec(["decimal": .string(",")]))
        #expect(rejection(refused)?.hasPrefix("de2.csv line 2:") == true, "\(refused.outcome)")
    }

    @Test func gzippedUTF16() throws {
        let f = try DropFixture()
        let text = "series,period,value,name\nkz.ast,2023,1.5,Астана\n"
        let utf16: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { (unit: UInt16) -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        try drop(f, "kz.csv.gz", try Self.gzip(utf16))
        let taken = try process(f, "kz.csv.gz", try spec())
        #expect(taken.outcome.succeeded, "\(taken.outcome)")
        #expect(try f.store.seriesInfo("kz.ast")?.name == "Астана")
    }
}
