import BridCore
@testable import BridFormats
import BridFuzzing
import Foundation
import Testing

@Suite struct XLSXTests {
    static func rows(_ bytes: [UInt8], sheet: SheetChoice = .first) throws(InputError) -> [Int: [TableCell]] {
        var rows: [Int: [TableCell]] = [:]
        try bytes.withUnsafeBufferPointer { (buffer) throws(InputError) in
            let workbook = try XLSXWorkbook(bytes: buffer, origin: "book.xlsx", limit: 1 << 30)
            try workbook.forEachRow(sheet: sheet) { (number, cells) throws(InputError) in
                #expect(rows[number] == nil)
                rows[number] = cells
            }
        }
        return rows
    }

    static func error(_ bytes: [UInt8], sheet: SheetChoice = .first) -> InputError? {
        #expect(throws: InputError.self) { _ = try rows(bytes, sheet: sheet) }
    }

    static func cell(_ rows: [Int: [TableCell]], _ reference: String) -> TableCell {
        let letters = reference.prefix { $0.isLetter }
        guard let row = rows[Int(reference.dropFirst(letters.count))!], let column = ColumnName.index(letters), column < row.count else { return .empty }
        return row[column]
    }

    @Test func theKazakhstanWorkbookHasItsCheckValues() throws {
        let bytes = try [UInt8](Data(contentsOf: ZipArchiveTests.root.appendingPathComponent("Tests/Fixtures/publications/kz_bns_grp_per_capita.xlsx")))
        try bytes.withUnsafeBufferPointer { buffer in
            let workbook = try XLSXWorkbook(bytes: buffer, origin: "kz.xlsx", limit: 1 << 30)
            #expect(workbook.sheets.map(\.name) == ["тыс.тенге", "в долларах США"])
        }
        let rows = try Self.rows(bytes, sheet: .name("тыс.тенге"))
        #expect(Self.cell(rows, "E4") == .number("1024.2"))
        #expect(Self.cell(rows, "A4") == .text("Республика Казахстан"))
        #expect(Self.cell(rows, "E3").label?.hasPrefix("2008 год") == true)
        #expect(Self.cell(rows, "M9") == .number("5401"))
        #expect(Self.cell(rows, "A9").label?.hasPrefix("Атырауская") == true)
        #expect(Self.cell(rows, "M3").label?.hasPrefix("2010 год") == true)
        #expect(Self.cell(rows, "BL24") == .number("6673.5"))
        #expect(Self.cell(rows, "A24").label == "г.Алматы")
        #expect(Self.cell(rows, "BL3").label?.hasPrefix("9 месяцев") == true)
        #expect(rows.keys.max() == 30)
        // The 17-digit doubles Excel wrote are read as openpyxl reads them (543.29999999999995 → 543.3).
        let all = rows.values.flatMap { $0 }
        #expect(!all.contains { if case let .number(s) = $0 { s.count > 17 } else { false } })
        let second = try Self.rows(bytes, sheet: .number(2))
        #expect(!second.isEmpty)
    }

    @Test func everyCellType() throws {
        let rows = try Self.rows(try ZipArchiveTests.fixture("cells.xlsx"))
        #expect(rows.keys.sorted() == [1, 3, 4, 6, 8])  // <row r="7"/> holds nothing
        #expect(rows[1] == [.text("Регион"), .empty, .text("2008 год1)")])  // rich text runs joined
        #expect(rows[3] == [.text("北京市"), .number("1024.2"), .number("35371.28"), .number("0.0015"), .number("2048.4")])
        // Row 4 has no `r` (after row 3), nor do its cells (A, B, …).
        #expect(rows[4] == [.text("inline rich"), .text("xy"), .text("TRUE"), .error("#DIV/0!"), .date("2024-01-12"), .number("60"), .number("1.5")])  // 1900-02-29 never was: serial 60 stays a number, as in xls
        #expect(rows[6] == [.empty, .text("A & B"), .date("1900-03-01"), .empty, .date("2024-01-12")])
        // A merged A8:C8: the value is in its top-left cell only.
        #expect(rows[8] == [.text("Регион")])
        let second = try Self.rows(try ZipArchiveTests.fixture("cells.xlsx"), sheet: .name("second"))
        #expect(second[2] == [.empty, .number("0"), .number("-0.5")])  // serial 0 is before the 1900 system's first day
    }

    @Test func the1904DateSystem() throws {
        let rows = try Self.rows(try ZipArchiveTests.fixture("cells1904.xlsx"))
        #expect(Self.cell(rows, "E4") == .date("2028-01-13"))
        let second = try Self.rows(try ZipArchiveTests.fixture("cells1904.xlsx"), sheet: .number(2))
        #expect(second[2]?[1] == .date("1904-01-01"))
    }

    @Test func serialDays() {
        #expect(SpreadsheetSerialDate.day(serial: 1, uses1904: false) == "1900-01-01")
        #expect(SpreadsheetSerialDate.day(serial: 59, uses1904: false) == "1900-02-28")
        #expect(SpreadsheetSerialDate.day(serial: 60, uses1904: false) == nil)
        #expect(SpreadsheetSerialDate.day(serial: 61, uses1904: false) == "1900-03-01")
        #expect(SpreadsheetSerialDate.day(serial: 45303.99, uses1904: false) == "2024-01-12")
        #expect(SpreadsheetSerialDate.day(serial: 0, uses1904: false) == nil)
        #expect(SpreadsheetSerialDate.isDateFormat("dd\\.mm\\.yyyy;@"))
        #expect(SpreadsheetSerialDate.isDateFormat("[$-419]mmmm yyyy"))
        #expect(!SpreadsheetSerialDate.isDateFormat("[h]:mm"))
        #expect(!SpreadsheetSerialDate.isDateFormat("#,##0.0\" days\""))
    }

    /// A workbook of `sheets` (name, relationship type, state) whose worksheets each hold
    /// their name in A1, with `styles` and the 1904 system when asked.
    static func book(_ sheets: [(name: String, type: String, state: String?)], styles: String = "<styleSheet/>", cells: String = "", date1904: Bool = false) -> [UInt8] {
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        var list = "", rels = "<Relationship Id=\"rS\" Type=\"\(office)/styles\" Target=\"styles.xml\"/>"
        var entries: [StoredZip.Entry] = []
        for (i, sheet) in sheets.enumerated() {
            let state = sheet.state.map { " state=\"\($0)\"" } ?? ""
            list += "<sheet name=\"\(sheet.name)\" sheetId=\"\(i + 1)\"\(state) r:id=\"rId\(i + 1)\"/>"
            rels += "<Relationship Id=\"rId\(i + 1)\" Type=\"\(office)/\(sheet.type)\" Target=\"sheets/s\(i + 1).xml\"/>"
            let xml = sheet.type == "chartsheet" ? "<chartsheet xmlns=\"\(main)\"/>"
                : "<worksheet xmlns=\"\(main)\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>\(sheet.name)</t></is></c>\(cells)</row></sheetData></worksheet>"
            entries.append(StoredZip.Entry("xl/sheets/s\(i + 1).xml", Array(xml.utf8)))
        }
        let pr = date1904 ? "<workbookPr date1904=\"1\"/>" : ""
        return StoredZip.archive([
            StoredZip.Entry("xl/workbook.xml", Array("<workbook xmlns=\"\(main)\" xmlns:r=\"\(office)\">\(pr)<sheets>\(list)</sheets></workbook>".utf8)),
            StoredZip.Entry("xl/_rels/workbook.xml.rels", Array("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(rels)</Relationships>".utf8)),
            StoredZip.Entry("xl/styles.xml", Array(styles.utf8)),
        ] + entries)
    }

    /// The xls reader's date rules (one `SpreadsheetSerialDate`): a custom `mmm`/`mmmm`
    /// format is a date, the Thai built-in formats 71–81 are dates, a workbook's own code
    /// for a built-in id wins, and a 1904 serial past 9999-12-31 stays a number. Before,
    /// the xlsx reader had its own copy and read all four differently from xls.
    @Test func datesReadAsInTheXLSReader() throws {
        let styles = """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts>\
            <numFmt numFmtId="164" formatCode="mmmm"/><numFmt numFmtId="165" formatCode="mmm"/><numFmt numFmtId="14" formatCode="0.00"/></numFmts>\
            <cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="71"/><xf numFmtId="81"/><xf numFmtId="14"/><xf numFmtId="22"/></cellXfs></styleSheet>
            """
        let cells = #"<c r="B1" s="1"><v>43831</v></c><c r="C1" s="2"><v>43831</v></c><c r="D1" s="3"><v>43831</v></c><c r="E1" s="4"><v>43831</v></c>"#
            + #"<c r="F1" s="5"><v>43831</v></c><c r="G1" s="6"><v>2957003.5</v></c><c r="H1" s="6"><v>2957004</v></c>"#
        let rows = try Self.rows(Self.book([("a", "worksheet", nil)], styles: styles, cells: cells, date1904: true))
        #expect(rows[1] == [.text("a"), .date("2024-01-02"), .date("2024-01-02"), .date("2024-01-02"), .date("2024-01-02"),
                            .number("43831"), .date("9999-12-31"), .number("2957004")])
    }

    /// The sheet choice follows the xls reader: no `sheet` is the first visible worksheet,
    /// `sheet = N` counts every sheet (hidden and chart sheets too), and a chart sheet
    /// chosen by number or name is refused. Before, xlsx took the hidden first sheet and
    /// numbered worksheets only.
    @Test func sheetsAreChosenAsInTheXLSReader() throws {
        let bytes = Self.book([("hidden", "worksheet", "hidden"), ("chart", "chartsheet", nil), ("very", "worksheet", "veryHidden"), ("shown", "worksheet", "visible")])
        try bytes.withUnsafeBufferPointer { buffer in
            let workbook = try XLSXWorkbook(bytes: buffer, origin: "book.xlsx", limit: 1 << 20)
            #expect(workbook.sheets.map(\.name) == ["hidden", "chart", "very", "shown"])
            #expect(workbook.sheets.map(\.kind) == [.worksheet, .chart, .worksheet, .worksheet])
            #expect(workbook.sheets.map(\.hidden) == [true, false, true, false])
        }
        #expect(try Self.rows(bytes)[1] == [.text("shown")])
        #expect(try Self.rows(bytes, sheet: .number(1))[1] == [.text("hidden")])
        #expect(try Self.rows(bytes, sheet: .number(3))[1] == [.text("very")])
        #expect(try Self.rows(bytes, sheet: .number(4))[1] == [.text("shown")])
        #expect(Self.error(bytes, sheet: .number(2))?.reason == "sheet \"chart\" is a chart sheet, not a worksheet")
        #expect(Self.error(bytes, sheet: .name("chart"))?.reason == "sheet \"chart\" is a chart sheet, not a worksheet")
        #expect(Self.error(bytes, sheet: .number(5))?.reason.contains("no sheet 5") == true)
        // Every worksheet hidden: the first worksheet, as xls.
        let allHidden = Self.book([("c", "chartsheet", nil), ("h1", "worksheet", "hidden"), ("h2", "worksheet", "hidden")])
        #expect(try Self.rows(allHidden)[1] == [.text("h1")])
        #expect(Self.error(Self.book([("c", "chartsheet", nil)]))?.reason == "the workbook has no worksheets")
    }

    @Test func errorsNameTheSheetAndCell() throws {
        let bad = Self.error(try ZipArchiveTests.fixture("badcell.xlsx"))
        #expect(bad?.description == "book.xlsx 'Данные'!B3: \"12,5\" is not a number")
        let missing = Self.error(try ZipArchiveTests.fixture("cells.xlsx"), sheet: .name("тыс.тенге"))
        #expect(missing?.description == "book.xlsx: the workbook has no sheet \"тыс.тенге\"; its sheets: \"Данные\", \"second\"")
        #expect(Self.error(try ZipArchiveTests.fixture("cells.xlsx"), sheet: .number(3))?.reason.contains("no sheet 3") == true)
    }

    @Test func encryptedCorruptAndForeignFilesAreRefused() throws {
        let encrypted = Self.error(try ZipArchiveTests.fixture("encrypted.xlsx"))
        #expect(encrypted?.reason.hasPrefix("an encrypted (password-protected) workbook") == true)
        var ole = [UInt8]([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + [UInt8](repeating: 0, count: 600)
        #expect(Self.error(ole)?.reason.contains("format = \"xls\"") == true)
        ole = Array((try ZipArchiveTests.fixture("cells.xlsx")).prefix(1500))
        #expect(Self.error(ole)?.reason.hasPrefix("a corrupt xlsx workbook") == true)
        #expect(Self.error(Array("a,b\n1,2\n".utf8))?.reason.hasPrefix("not an xlsx workbook") == true)
        #expect(Self.error(try ZipArchiveTests.fixture("two.zip"))?.reason.hasPrefix("not an xlsx workbook: the archive has no xl/workbook.xml") == true)
    }
}

@Suite struct XLSXFormatTests {
    /// The config of Docs/formats/xlsx.md.
    static var config: String {
        get throws {
            let text = try String(contentsOf: ZipArchiveTests.root.appendingPathComponent("Docs/formats/xlsx.md"), encoding: .utf8)
            return try #require(text.components(separatedBy: "```toml\n").dropFirst().first?.components(separatedBy: "```").first)
        }
    }

    /// `member` chooses a member of a zip payload; an xlsx workbook is read whole, so the key
    /// is a config error there rather than silently ignored.
    @Test func memberDoesNotApplyToAWorkbook() throws {
        let text = try Self.config + "member = \"xl/*.xml\"\n"
        let config = try ConfigParser.parse(text: text, path: "brid.toml", formats: Formats.catalog).get()
        let errors = Formats.validate(config, file: "brid.toml")
        #expect(errors.map(\.key) == ["member"])
        #expect(errors.first?.message == "does not apply to xlsx: the workbook itself is the zip archive, read whole")
    }

    /// A part that inflates beyond the source's max_bytes is refused as a bomb, as a zip
    /// member or a gzip payload is, not read up to the reader's own 1 GiB.
    @Test func aPartBeyondMaxBytesIsRefusedAsABomb() throws {
        let config = try ConfigParser.parse(text: Self.config, path: "brid.toml", formats: Formats.catalog).get()
        let reader = try Formats.reader(for: try #require(config.sources.first)).get()
        let bytes = try [UInt8](Data(contentsOf: ZipArchiveTests.root.appendingPathComponent("Tests/Fixtures/publications/kz_bns_grp_per_capita.xlsx")))
        var builder = PayloadBuilder(origin: "kz.xlsx", ordinalKind: .record) { _ in nil }
        builder.maxInflatedBytes = 20_000
        let error = #expect(throws: InputError.self) { try reader.read(bytes, into: &builder) }
        #expect(error?.reason.contains("zip bomb refused") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("20000 bytes") == true, "\(String(describing: error))")
    }

    /// Two rows whose labels make one key: the duplicate names both rows, as rows.
    @Test func aDuplicateNamesItsRows() throws {
        func text(_ ref: String, _ s: String) -> String { #"<c r="\#(ref)" t="inlineStr"><is><t>\#(s)</t></is></c>"# }
        let sheet = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
            + #"<row r="1">\#(text("A1", "region"))\#(text("B1", "2019"))\#(text("C1", "2020"))</row>"#
            + #"<row r="2">\#(text("A2", "x"))<c r="B2"><v>1</v></c><c r="C2"><v>2</v></c></row>"#
            + #"<row r="3">\#(text("A3", "x2)"))<c r="B3"><v>3</v></c></row>"#
            + "</sheetData></worksheet>"
        let reader = try XLSXFormat(settings: FormatSettings(seriesTemplate: "t.{A}"))
        var builder = PayloadBuilder(origin: "t.xlsx", ordinalKind: XLSXFormat.ordinalKind) { _ in nil }
        let error = #expect(throws: InputError.self) {
            try reader.read(FuzzWorkbook.wrapping(sheet: Array(sheet.utf8)), into: &builder)
            _ = try builder.finish()
        }
        #expect(error?.description == "t.xlsx row 3: duplicate observation for series t.x, period 2019 (first at row 2)", "\(String(describing: error))")
    }

    @Test func theKazakhstanSheetAsObservations() throws {
        let config = try ConfigParser.parse(text: Self.config, path: "brid.toml", formats: Formats.catalog).get()
        #expect(Formats.validate(config, file: "brid.toml").isEmpty)
        let reader = try Formats.reader(for: try #require(config.sources.first)).get()
        let bytes = try [UInt8](Data(contentsOf: ZipArchiveTests.root.appendingPathComponent("Tests/Fixtures/publications/kz_bns_grp_per_capita.xlsx")))
        var builder = PayloadBuilder(origin: "kz.xlsx", ordinalKind: .record) { _ in nil }
        try reader.read(bytes, into: &builder)
        let payload = try builder.finish()
        func value(_ key: String, _ period: String) -> String? {
            guard let s = payload.series.first(where: { $0.key == key }), let i = s.periods.firstIndex(of: period) else { return "absent" }
            return s.values[i]
        }
        #expect(value("kz.grp_per_capita.Республика_Казахстан.A", "2008") == "1024.2")
        #expect(value("kz.grp_per_capita.Атырауская.A", "2010") == "5401")
        #expect(value("kz.grp_per_capita.г.Алматы.Q", "2023-Q3") == "6673.5")
        // The cell holds the 17-digit double 543.29999999999995: read as openpyxl reads it.
        #expect(value("kz.grp_per_capita.Республика_Казахстан.Q", "2010-Q2") == "543.3")
        // Labels with a footnote mark or a trailing space (`Актюбинская `, `г.Шымкент2)`) are keys without them.
        #expect(payload.series.contains { $0.key == "kz.grp_per_capita.Актюбинская.A" })

        let other = try XLSXFormat(settings: FormatSettings(seriesTemplate: "x.{A}", options: ["sheet": .string("KZT")]))
        var none = PayloadBuilder(origin: "kz.xlsx", ordinalKind: .record) { _ in nil }
        #expect(throws: InputError(origin: "kz.xlsx", place: nil, reason: "the workbook has no sheet \"KZT\"; its sheets: \"тыс.тенге\", \"в долларах США\"")) {
            try other.read(bytes, into: &none)
        }
    }

    @Test func aBadCellIsNamedBySheetAndCell() throws {
        let reader = try XLSXFormat(settings: FormatSettings(seriesTemplate: "x.{A}", options: ["sheet": .string("Данные")]))
        var builder = PayloadBuilder(origin: "book.xlsx", ordinalKind: .record) { _ in nil }
        #expect(throws: InputError(origin: "book.xlsx", place: .cell(sheet: "Данные", column: 1, row: 3), reason: "\"12,5\" is not a number")) {
            try reader.read(try ZipArchiveTests.fixture("badcell.xlsx"), into: &builder)
        }
    }
}
