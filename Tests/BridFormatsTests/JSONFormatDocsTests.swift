import BridCore
@testable import BridFormats
import Foundation
import Testing

/// The `[[source]]` examples of Docs/formats/*.md parse, validate and read their fixture.
@Suite struct JSONFormatDocsTests {
    static let docs = ["json", "worldbank-json", "fred-json", "sdmx-json"]

    func examples(_ name: String) throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Docs/formats/\(name).md").standardizedFileURL
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    func reader(_ toml: String) throws -> any PayloadFormat {
        let config = try ConfigParser.parse(text: toml, path: "brid.toml", formats: Formats.catalog).get()
        #expect(Formats.validate(config, file: "brid.toml").isEmpty)
        return try Formats.reader(for: try #require(config.sources.first)).get()
    }

    func read(_ toml: String, fixture: String) throws -> Payload {
        let reader = try reader(toml)
        var builder = PayloadBuilder(origin: fixture, ordinalKind: type(of: reader).ordinalKind) { _ in nil }
        try reader.read(try JSONTest.fixture(fixture), into: &builder)
        return try builder.finish()
    }

    @Test(arguments: docs) func everyExampleIsAValidConfig(_ name: String) throws {
        let blocks = try examples(name)
        #expect(!blocks.isEmpty)
        for block in blocks { _ = try reader(block) }
    }

    @Test func theExamplesReadTheFixtures() throws {
        #expect(try read(examples("json")[0], fixture: "comtrade-v1-chn.json").series.first?.key == "comtrade.CHN.ARG.M.TOTAL")
        #expect(try read(examples("worldbank-json")[0], fixture: "worldbank-usa-gnp.json").series.first?.key == "wb.USA.NY.GNP.PCAP.CD")
        let fred = try read(examples("fred-json")[0], fixture: "fred-observations-gnpca.json")
        #expect(fred.series.first?.periods.first == "1929")
        #expect(try read(examples("sdmx-json")[0], fixture: "sdmxjson2-exr-time-series.json").series.first?.key == "EXR.D.NZD.EUR.SP00.A")
        #expect(try read(examples("sdmx-json")[1], fixture: "oecd-sdmx-json1-part2.json").observationCount == 7)
    }

    @Test func misspelledOptionsAreConfigErrors() throws {
        let toml = try examples("json")[0].replacingOccurrences(of: "records = ", with: "recrods = ")
        guard case let .failure(errors) = ConfigParser.parse(text: toml, path: "brid.toml", formats: Formats.catalog) else {
            Issue.record("a misspelled option was accepted")
            return
        }
        #expect(errors.errors.contains { $0.key == "recrods" })
    }

    @Test func everyFormatIsRegisteredOnce() {
        let names = Formats.all.map { $0.name }
        for name in JSONFormatDocsTests.docs { #expect(names.filter { $0 == name }.count == 1) }
    }
}
