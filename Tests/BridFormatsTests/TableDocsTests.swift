import BridCore
@testable import BridFormats
import Foundation
import Testing

/// The `[[source]]` examples of Docs/formats/tables.md parse, validate and read their fixtures.
@Suite struct TableDocsTests {
    func examples() throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Docs/formats/tables.md").standardizedFileURL
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    func reader(_ toml: String) throws -> any PayloadFormat {
        let config = try ConfigParser.parse(text: toml, path: "brid.toml", formats: Formats.catalog).get()
        #expect(Formats.validate(config, file: "brid.toml").isEmpty)
        return try Formats.reader(for: try #require(config.sources.first)).get()
    }

    func read(_ toml: String, _ bytes: [UInt8]) throws -> Payload {
        let reader = try reader(toml)
        var builder = PayloadBuilder(origin: "doc", ordinalKind: type(of: reader).ordinalKind) { _ in nil }
        try reader.read(bytes, into: &builder)
        return try builder.finish()
    }

    func publication(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: CSVTableTests.publications.appendingPathComponent(name)))
    }

    /// Every example whose format this build has (xlsx and xls come with their readers).
    @Test func everyExampleOfAKnownFormatIsAValidConfig() throws {
        let blocks = try examples()
        #expect(blocks.count == 4)
        for block in blocks where Formats.all.contains(where: { block.contains("format = \"\($0.name)\"\n") }) {
            _ = try reader(block)
        }
    }

    @Test func theCSVExamplesReadTheFixtures() throws {
        let blocks = try examples()
        let wb = try read(blocks[0], try publication("API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2002465.csv"))
        #expect(wb.series.first { $0.key == "wb.CHN.NY.GDP.MKTP.CD" }?.values.first == "59716249310.9742")
        let latin1 = try publication("destatis_63111-0001.csv")
        var bytes: [UInt8] = []
        var transcoder = try #require(latin1.withUnsafeBufferPointer { TextTranscoder(encoding: .iso88591, prefix: $0) })
        try latin1.withUnsafeBufferPointer { try transcoder.transcode($0, into: &bytes) }
        let destatis = try read(blocks[1], bytes)
        #expect(destatis.series.first { $0.key == "de.hh.cars" }?.values.first == "74.4")
    }
}
