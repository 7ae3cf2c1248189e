import BridCore
@testable import BridFormats
import Foundation
import Testing

/// `format = "xls"`: workbooks through the table layout into observations.
@Suite struct XLSFormatTests {
    typealias X = XLSTestFile

    func read(_ bytes: [UInt8], series: String? = nil, _ options: [String: Any] = [:]) throws -> Payload {
        try readPayload(try XLSFormat(settings: settings(series: series, options)), bytes, origin: "nbs.xls")
    }

    @Test func nbsProvincialGDPAsObservations() throws {
        let payload = try read(try XLSReaderTests.fixture(), series: "cn.nbs.gdp.{A}", ["sheet": "分省年度数据"])
        #expect(payload.series.count == 31)
        #expect(payload.observationCount == 155)
        let lines = Set(payload.lines)
        #expect(lines.contains("cn.nbs.gdp.北京市 2019 35371.28"))
        #expect(lines.contains("cn.nbs.gdp.广东省 2015 72812.55"))
        #expect(lines.contains("cn.nbs.gdp.西藏自治区 2017 1310.92"))
        let beijing = try #require(payload.series.first { $0.key == "cn.nbs.gdp.北京市" })
        #expect(beijing.frequency == .annual)
        #expect(beijing.periods == ["2015", "2016", "2017", "2018", "2019"])
        #expect(Set(beijing.ordinals) == [5])
        // The same with the header row given and the sheet by number.
        let given = try read(try XLSReaderTests.fixture(), series: "cn.nbs.gdp.{A}", ["sheet": 1, "header_row": 4])
        #expect(given.lines == payload.lines)
    }

    @Test func aBadValueNamesItsSheetAndCell() throws {
        let bytes = X.workbook(globals: [X.sst(["地区", "2019年", "2018年", "北京市", "n.a.?"])], sheet: "分省年度数据", [
            X.labelSST(3, 0, 0), X.labelSST(3, 1, 1), X.labelSST(3, 2, 2),
            X.labelSST(4, 0, 3), X.number(4, 1, 35371.28), X.labelSST(4, 2, 4),
        ])
        let error = #expect(throws: InputError.self) { try read(bytes, series: "cn.{A}") }
        #expect(error?.place == .cell(sheet: "分省年度数据", column: 2, row: 5))
        #expect(error?.description.hasPrefix("nbs.xls '分省年度数据'!C5: ") == true)
    }

    @Test func aMissingSheetOrAnEncryptedWorkbookStoresNothing() throws {
        #expect(throws: InputError.self) { try read(try XLSReaderTests.fixture(), series: "cn.{A}", ["sheet": "Sheet2"]) }
        let encrypted = X.compoundFile(X.workbookStream(globals: [X.record(0x002F, [1, 0] + [UInt8](repeating: 0, count: 52))], sheets: []))
        let error = #expect(throws: InputError.self) { try read(encrypted, series: "cn.{A}") }
        #expect(error?.reason.contains("encrypted") == true)
    }

    @Test func theFormatIsListedWithTheTableOptions() throws {
        #expect(Formats.catalog["xls"] == TableLayout.options)
        #expect(throws: FormatSettingsError.self) { try XLSFormat(settings: settings()) }
    }

    /// The `format = "xls"` examples of Docs/formats/xls.md and tables.md are valid configs
    /// that read the NBS fixture with its check values.
    @Test func theDocumentedConfigsReadTheFixture() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Docs/formats").standardizedFileURL
        var blocks: [String] = []
        for page in ["xls.md", "tables.md"] {
            let text = try String(contentsOf: docs.appendingPathComponent(page), encoding: .utf8)
            blocks += text.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
                .filter { $0.contains("format = \"xls\"\n") }
        }
        #expect(blocks.count == 2)
        for block in blocks {
            let config = try ConfigParser.parse(text: block, path: "brid.toml", formats: Formats.catalog).get()
            #expect(Formats.validate(config, file: "brid.toml").isEmpty)
            let source = try #require(config.sources.first)
            let reader = try Formats.reader(for: source).get()
            var builder = PayloadBuilder(origin: "doc", ordinalKind: type(of: reader).ordinalKind) { _ in nil }
            try reader.read(try XLSReaderTests.fixture(), into: &builder)
            let payload = try builder.finish()
            let prefix = try #require(source.seriesTemplate?.replacing("{A}", with: ""))
            let lines = Set(payload.lines)
            #expect(payload.series.count == 31)
            for check in ["北京市 2019 35371.28", "广东省 2015 72812.55", "西藏自治区 2017 1310.92"] {
                #expect(lines.contains(prefix + check), "\(prefix + check)")
            }
        }
    }
}
