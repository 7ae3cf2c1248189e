import BridCore
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Testing

/// Zip payloads through a real drop folder, store and spool files: the member chosen by
/// `member` (a glob), inflated into the spool within `max_bytes`.
@Suite struct ZipPayloadTests {
    /// A zip archive of `members` written by the system's zip.
    static func zip(_ members: [(String, [UInt8])]) throws -> [UInt8] {
        let folder = NSTemporaryDirectory() + "brid-zip-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, bytes) in members {
            let url = URL(fileURLWithPath: folder + "/" + name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zip")
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.arguments = ["-q", "-X", "out.zip"] + members.map(\.0)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/out.zip")))
    }

    func spec(member: String? = nil, maxBytes: Int = 1 << 20) throws -> Ingestor.SourceSpec {
        Ingestor.SourceSpec(id: "src", reader: try CSVFormat(settings: FormatSettings()), snapshot: false, maxBytes: maxBytes,
                            member: try member.map { try Glob($0) })
    }

    func process(_ f: DropFixture, _ name: String, _ bytes: [UInt8], _ spec: Ingestor.SourceSpec) throws -> PayloadOutcome {
        try Data(bytes).write(to: URL(fileURLWithPath: f.folder.path + "/" + name))
        f.now = f.now.addingTimeInterval(60)
        return try f.folder.process(name, source: spec, ingestor: f.ingestor, at: f.now).outcome
    }

    func rejection(_ outcome: PayloadOutcome) -> String? {
        if case let .rejected(error) = outcome { return error.description }
        return nil
    }

    static let data = Array("series,period,value\nwb.KAZ,2023,262641892078.524\nwb.CHN,2022,17881782683707.3\n".utf8)
    static let metadata = Array("Country Code,Region\nKAZ,Europe & Central Asia\n".utf8)

    @Test func theMemberChosenByItsGlobIsReadAndTheOthersLeftAlone() throws {
        let f = try DropFixture()
        let archive = try Self.zip([("Metadata_Country_API_1.csv", Self.metadata), ("API_NY.GDP_1.csv", Self.data), ("Metadata_Indicator_API_1.csv", Self.metadata)])
        let outcome = try process(f, "gdp.zip", archive, try spec(member: "API_*.csv"))
        guard case let .released(summary) = outcome else { Issue.record("\(outcome)"); return }
        #expect(summary.added == 2)
        #expect(try f.store.observations(series: "wb.KAZ")?.first?.value == "262641892078.524")
        #expect(try f.store.seriesSummaries().map(\.key).sorted() == ["wb.CHN", "wb.KAZ"])
    }

    @Test func anArchiveOfOneMemberNeedsNoMemberKey() throws {
        let f = try DropFixture()
        let outcome = try process(f, "one.zip", try Self.zip([("data.csv", Self.data)]), try spec())
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try f.store.observations(series: "wb.CHN")?.first?.value == "17881782683707.3")
        // What the control socket hands over (bytes in memory) is unzipped too.
        let memory = try f.ingestor.ingest(try Self.zip([("data.csv", Array("series,period,value\nx,2020,1\n".utf8))]),
                                           origin: "upload.zip", source: try spec(), at: f.now)
        #expect(memory.succeeded, "\(memory)")
    }

    @Test func noMatchingMemberOrSeveralAreRefusedListingTheMembers() throws {
        let f = try DropFixture()
        let archive = try Self.zip([("API_1.csv", Self.data), ("Metadata_1.csv", Self.metadata)])
        let none = try process(f, "a.zip", archive, try spec(member: "*.tsv"))
        #expect(rejection(none) == "a.zip: no member of the zip archive matches member = \"*.tsv\" (its members: \"API_1.csv\", \"Metadata_1.csv\")")
        let unchosen = try process(f, "b.zip", archive, try spec())
        #expect(rejection(unchosen) == "b.zip: the zip archive has 2 members (\"API_1.csv\", \"Metadata_1.csv\"): choose one with `member = \"…\"` (a glob) on the [[source]]")
        let several = try process(f, "c.zip", archive, try spec(member: "*.csv"))
        #expect(rejection(several)?.hasPrefix("c.zip: 2 members of the zip archive match member = \"*.csv\"") == true)
        #expect(try f.store.seriesSummaries().isEmpty)
        // An xlsx workbook given to another format is named as such.
        let workbook = try Self.zip([("[Content_Types].xml", Array("<Types/>".utf8)), ("xl/workbook.xml", Array("<workbook/>".utf8))])
        #expect(rejection(try process(f, "d.xlsx", workbook, try spec())) == "d.xlsx: this zip archive is an xlsx workbook: read it with format = \"xlsx\"")
        #expect(f.files(in: f.folder.rejectedPath).filter { !$0.hasSuffix(".error") } == ["a.zip", "b.zip", "c.zip", "d.xlsx"])
    }

    @Test func aTruncatedOrDamagedArchiveIsRefused() throws {
        let f = try DropFixture()
        let whole = try Self.zip([("data.csv", Array(("series,period,value\n" + (0..<2000).map { "s\($0 % 5),\(1000 + $0 / 5),\($0)" }.joined(separator: "\n")).utf8))])
        let cut = try process(f, "cut.zip", Array(whole.prefix(whole.count - 30)), try spec())
        #expect(rejection(cut)?.hasPrefix("cut.zip: a corrupt zip archive: ") == true, "\(cut)")
        var damaged = whole
        for i in 200..<216 { damaged[i] ^= 0x5A }
        let bad = try process(f, "bad.zip", damaged, try spec())
        #expect(rejection(bad)?.hasPrefix("bad.zip: a corrupt zip archive: zip member \"data.csv\": ") == true, "\(bad)")
        #expect(try f.store.seriesSummaries().isEmpty)
    }

    @Test func aZipBombIsRefusedByMaxBytes() throws {
        let f = try DropFixture()
        let bomb = try Self.zip([("bomb.csv", Array(("series,period,value\n" + String(repeating: "s,2020,1\n", count: 1 << 20)).utf8))])
        #expect(bomb.count < 100_000)
        let outcome = try process(f, "bomb.zip", bomb, try spec(maxBytes: 1 << 20))
        #expect(rejection(outcome)?.hasPrefix("bomb.zip: zip bomb refused: member \"bomb.csv\" inflates to more than max_bytes (1048576 bytes) from ") == true, "\(outcome)")
        #expect(try f.store.seriesSummaries().isEmpty)
    }
}
