import BridCore
@testable import BridFormats
import BridFuzzing
import Foundation
import BridTestSupport
import Testing

/// The BIFF8 reader (`BIFF8Workbook`): the NBS fixture as cells, and small workbooks built
/// byte by byte (XLSTestFile) for the records the fixture lacks.
@Suite struct XLSReaderTests {
    typealias X = XLSTestFile

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func fixture() throws -> [UInt8] {
        try [UInt8](Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/publications/cn_nbs_province_gdp.xls")))
    }

    /// Every row of a sheet, by row number.
    static func rows(_ bytes: [UInt8], sheet: SheetChoice = .first) throws(InputError) -> [Int: [TableCell]] {
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(InputError) in
            let workbook = try BIFF8Workbook(buffer, origin: "t.xls")
            var rows: [Int: [TableCell]] = [:]
            var last = 0
            try workbook.forEachRow(sheet: sheet) { (number: Int, cells: [TableCell]) throws(InputError) in
                #expect(number > last, "rows come in order")
                last = number
                rows[number] = cells
            }
            return rows
        }
    }

    static func error(_ bytes: [UInt8], sheet: SheetChoice = .first) -> InputError? {
        do {
            _ = try rows(bytes, sheet: sheet)
            return nil
        } catch {
            return error
        }
    }

    // MARK: The NBS fixture

    @Test func nbsProvincialGDPReadsAsCells() throws {
        let bytes = try Self.fixture()
        let workbook = try bytes.withUnsafeBufferPointer { try BIFF8Workbook($0, origin: "nbs.xls") }
        #expect(workbook.sheets.map(\.name) == ["分省年度数据"])
        #expect(workbook.uses1904 == false)
        let rows = try Self.rows(bytes, sheet: .name("分省年度数据"))
        #expect(rows.keys.sorted() == Array(1...38))
        #expect(rows[1] == [.text("数据库：分省年度数据")])
        #expect(rows[4] == [.text("地区"), .text("2019年"), .text("2018年"), .text("2017年"), .text("2016年"), .text("2015年")])
        let provinces = (5...35).compactMap { rows[$0]?.first?.label }
        #expect(provinces.count == 31)
        #expect(Set(provinces).count == 31)
        #expect(rows[5] == [.text("北京市"), .number("35371.28"), .number("33105.97"), .number("28014.94"), .number("25669.13"), .number("23014.59")])
        #expect(rows[23]?.first == .text("广东省"))
        #expect(rows[23]?[5] == .number("72812.55"))
        #expect(rows[30]?.first == .text("西藏自治区"))
        #expect(rows[30]?[3] == .number("1310.92"))
        #expect(rows[35]?[4] == .number("9649.7"))
        #expect(rows[37]?.first?.label?.hasPrefix("\u{3000}\u{3000}\u{3000}2.2018年") == true)
        #expect(rows[38] == [.text("数据来源：国家统计局")])
        #expect(try Self.rows(bytes, sheet: .number(1)) == rows)
    }

    @Test func sheetChoicesThatDoNotExistNameTheSheets() throws {
        let bytes = try Self.fixture()
        #expect(Self.error(bytes, sheet: .name("Sheet1"))?.description == "t.xls: no sheet \"Sheet1\" in the workbook (its sheets: \"分省年度数据\")")
        #expect(Self.error(bytes, sheet: .number(2))?.reason.hasPrefix("no sheet 2 in the workbook") == true)
    }

    // MARK: Shared strings

    @Test func sharedStringsGoOnInContinueRecordsWithTheirOwnOptionByte() throws {
        let utf16 = { (s: String) in Array(s.utf16).flatMap(X.le16) }
        let sst = X.record(0x00FC, X.le32(6) + X.le32(6) + [5, 0, 0] + Array("Hello".utf8) + [5, 0, 0] + Array("abc".utf8))
        // compressed "abc" goes on as UTF-16 "中文"; "x" in UTF-16 goes on compressed as "yz"
        let continue1 = X.record(0x003C, [1] + utf16("中文") + [3, 0, 1] + utf16("x"))
        // a rich (1 run) and extended (6 bytes) string, its run split off: no option byte there
        let continue2 = X.record(0x003C, [0] + Array("yz".utf8) + [2, 0, 0x0C] + X.le16(1) + X.le32(6) + Array("ok".utf8) + [0, 0])
        let continue3 = X.record(0x003C, [0, 0] + [1, 2, 3, 4, 5, 6] + [3, 0, 0])
        // the header ended its record: the characters start after an option byte
        let continue4 = X.record(0x003C, [0] + Array("end".utf8) + [1, 0, 0, 0x41])
        let cells = (0..<6).map { X.labelSST($0, 0, $0) }
        let rows = try Self.rows(X.workbook(globals: [sst, continue1, continue2, continue3, continue4], cells))
        #expect((1...6).map { rows[$0]?.first } == ["Hello", "abc中文", "xyz", "ok", "end", "A"].map { TableCell.text($0) })
    }

    @Test func aSharedStringOutsideTheTableNamesItsCell() {
        let error = Self.error(X.workbook(globals: [X.sst(["a"])], sheet: "分省年度数据", [X.labelSST(4, 1, 7)]))
        #expect(error?.description == "t.xls '分省年度数据'!B5: shared string 7 is not in the workbook's table of 1")
    }

    @Test func aSharedStringTableCutShortIsDamage() {
        let sst = X.record(0x00FC, X.le32(2) + X.le32(2) + [5, 0, 0] + Array("Hel".utf8))
        let error = Self.error(X.workbook(globals: [sst], [X.labelSST(0, 0, 0)]))
        #expect(error?.reason.hasPrefix("damaged xls workbook: the shared string table is cut short after 0 strings (byte ") == true)
    }

    // MARK: Numbers

    @Test func rkNumbersAndMulRK() throws {
        let integer = { (n: Int32) in UInt32(bitPattern: n << 2) | 0x02 }
        let float = { (d: Double) in UInt32(d.bitPattern >> 32) & 0xFFFF_FFFC }
        let rows = try Self.rows(X.workbook([
            X.rk(0, 0, integer(2019)),
            X.rk(0, 1, integer(-5)),
            X.rk(0, 2, integer(3_537_128) | 0x01),  // ×100: 35371.28
            X.rk(0, 3, float(1.5)),
            X.rk(0, 4, float(1234.0) | 0x01),  // ×100 of a double: 12.34
            X.mulRK(1, first: 2, [integer(7), integer(1_031_092) | 0x01, float(0.5)]),
            X.number(2, 0, 0.1 + 0.2),
            X.number(2, 1, 1e-5),
        ]))
        #expect(rows[1] == [.number("2019"), .number("-5"), .number("35371.28"), .number("1.5"), .number("12.34")])
        #expect(rows[2] == [.empty, .empty, .number("7"), .number("10310.92"), .number("0.5")])
        #expect(rows[3] == [.number("0.30000000000000004"), .number("0.00001")])
    }

    @Test func formulaResultsAreTheCachedValues() throws {
        let rows = try Self.rows(X.workbook([
            X.formula(0, 0, result: X.double(72812.55)),
            X.formula(0, 1, result: X.special(0)), X.record(0x04BC, [0, 0]), X.stringRecord("北京市"),
            X.formula(0, 2, result: X.special(1, 1)),
            X.formula(0, 3, result: X.special(2, 0x07)),
            X.formula(0, 4, result: X.special(3)),
            X.formula(0, 5, result: X.special(2, 0x2A)),
            X.boolErr(1, 0, 0, isError: false), X.boolErr(1, 1, 0x17, isError: true),
            // A long cached string goes on in a CONTINUE, compressed, then UTF-16.
            X.formula(2, 0, result: X.special(0)), X.record(0x0207, X.le16(5) + [0] + Array("abc".utf8)),
            X.record(0x003C, [1] + Array("市区".utf16).flatMap(X.le16)),
        ]))
        #expect(rows[1] == [.number("72812.55"), .text("北京市"), .text("TRUE"), .error("#DIV/0!"), .empty, .error("#N/A")])
        #expect(rows[2] == [.text("FALSE"), .error("#REF!")])
        #expect(rows[3] == [.text("abc市区")])
    }

    @Test func labelsBlanksAndMergedCells() throws {
        let mulBlank = X.record(0x00BE, X.le16(0) + X.le16(1) + X.le16(15) + X.le16(15) + X.le16(2))
        let merged = X.record(0x00E5, X.le16(1) + X.le16(0) + X.le16(0) + X.le16(0) + X.le16(2))
        let rows = try Self.rows(X.workbook([
            X.label(0, 0, "Республика Казахстан"), mulBlank, merged,
            X.record(0x0201, X.cellHeader(3, 3)),  // a BLANK row: not a row
            X.label(4, 1, "x"),
        ]))
        // A1:C1 merged: the value is in A1, B1 and C1 read as empty.
        #expect(rows == [1: [.text("Республика Казахстан")], 5: [.empty, .text("x")]])
    }

    @Test func cellsOutOfOrderStillComeRowByRow() throws {
        let rows = try Self.rows(X.workbook([X.number(2, 1, 3), X.number(0, 0, 1), X.number(2, 0, 2)]))
        #expect(rows == [1: [.number("1")], 3: [.number("2"), .number("3")]])
    }

    // MARK: Dates

    @Test func dateFormattedNumbersBecomeDays() throws {
        let globals = [X.format(164, "yyyy\"年\"m\"月\"d\"日\""), X.format(165, "#,##0.0_);[Red]\\(#,##0.0\\)"),
                       X.xf(format: 0), X.xf(format: 14), X.xf(format: 164), X.xf(format: 165), X.xf(format: 20), X.xf(format: 31)]
        let rows = try Self.rows(X.workbook(globals: globals, [
            X.number(0, 0, 43831, xf: 1),  // built-in 14
            X.number(0, 1, 43831.75, xf: 2),  // custom date, a time of day dropped
            X.number(0, 2, 43831, xf: 3),  // a number format
            X.number(0, 3, 0.5, xf: 4),  // a time only
            X.rk(0, 4, UInt32(61 << 2) | 0x02, xf: 5),  // built-in 31 (CJK)
            X.number(1, 0, 59, xf: 1), X.number(1, 1, 60, xf: 1), X.number(1, 2, 1, xf: 1),
        ]))
        #expect(rows[1] == [.date("2020-01-01"), .date("2020-01-01"), .number("43831"), .number("0.5"), .date("1900-03-01")])
        // 1900-02-29 never was: serial 60 stays a number.
        #expect(rows[2] == [.date("1900-02-28"), .number("60"), .date("1900-01-01")])

        let mac = try Self.rows(X.workbook(globals: [X.dateMode1904, X.xf(format: 14)], [X.number(0, 0, 0, xf: 0), X.number(0, 1, 42369, xf: 0)]))
        #expect(mac[1] == [.date("1904-01-01"), .date("2020-01-01")])
    }

    @Test func dateFormatCodes() {
        for code in ["yyyy-mm-dd", "d/m/yy", "mmm yyyy", "[$-804]yyyy\"年\"m\"月\"", "mm", "dd.mm.yyyy hh:mm"] {
            #expect(SpreadsheetSerialDate.isDateFormat(code), "\(code)")
        }
        for code in ["General", "0.00", "#,##0.0_);[Red]\\(#,##0.0\\)", "h:mm", "mm:ss", "[h]:mm", "0.0\"d\"", "@", "0.00E+00"] {
            #expect(!SpreadsheetSerialDate.isDateFormat(code), "\(code)")
        }
    }

    // MARK: Sheets

    @Test func sheetsByNameNumberAndVisibility() throws {
        let stream = X.workbookStream(globals: [], sheets: [
            .init(name: "Hidden", records: [X.number(0, 0, 1)], hidden: true),
            .init(name: "Chart1", records: [], type: 2),
            .init(name: "Data", records: [X.number(0, 0, 3), X.bof(0x20), X.number(0, 0, 99), X.eof, X.number(1, 0, 4)]),
        ])
        let file = X.compoundFile(stream)
        // The first visible worksheet; the embedded chart's substream inside is skipped.
        #expect(try Self.rows(file) == [1: [.number("3")], 2: [.number("4")]])
        #expect(try Self.rows(file, sheet: .number(1)) == [1: [.number("1")]])
        #expect(try Self.rows(file, sheet: .name("Hidden")) == [1: [.number("1")]])
        #expect(Self.error(file, sheet: .number(2))?.reason == "sheet \"Chart1\" is a chart sheet, not a worksheet")
    }

    // MARK: The compound file

    @Test func streamsInRegularSectorsAndThroughExtraDIFATSectors() throws {
        let padding = X.record(0x00EF, [UInt8](repeating: 0, count: 8000))  // a record nobody reads
        let big = X.workbookStream(globals: [padding], sheets: [.init(name: "S", records: [X.number(0, 0, 42)])])
        #expect(big.count > 4096)
        #expect(try Self.rows(X.compoundFile(big)) == [1: [.number("42")]])
        let small = X.workbookStream(globals: [], sheets: [.init(name: "S", records: [X.number(0, 0, 42)])])
        let difat = X.compoundFile(small, fatSectors: 240)
        #expect(try Self.rows(difat) == [1: [.number("42")]])
    }

    @Test func refusedWorkbooksSayWhy() {
        let encrypted = X.compoundFile(X.workbookStream(globals: [X.record(0x002F, [1, 0] + [UInt8](repeating: 0, count: 52))], sheets: []))
        #expect(Self.error(encrypted)?.reason.hasPrefix("an encrypted workbook (FILEPASS at byte 20): refused; save it without a password") == true)
        let biff5 = X.compoundFile(X.bof(5, version: 0x0500) + X.eof, name: "Book")
        #expect(Self.error(biff5)?.reason.hasPrefix("a BIFF5 workbook (Excel 5.0/95, a `Book` stream): only BIFF8") == true)
        let biff5InWorkbook = X.compoundFile(X.bof(5, version: 0x0500) + X.eof)
        #expect(Self.error(biff5InWorkbook)?.reason.hasPrefix("a BIFF5 workbook (Excel 5.0/95)") == true)
        let agile = X.compoundFile([1, 2, 3], name: "EncryptedPackage")
        #expect(Self.error(agile)?.reason == "an encrypted (password-protected) Office workbook: refused; save it without a password")
        #expect(Self.error(Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 600))?.reason
            == "not an xls workbook: this is a zip archive (an .xlsx workbook? use format = \"xlsx\")")
        #expect(Self.error(Array("a,b\n1,2\n".utf8))?.reason == "not an xls workbook: 8 bytes is shorter than a compound file header (512)")
    }

    @Test func aFATChainThatLoopsIsDamageNotAHang() throws {
        let big = X.workbookStream(globals: [X.record(0x00EF, [UInt8](repeating: 0, count: 8000))], sheets: [.init(name: "S", records: [])])
        var file = X.compoundFile(big)
        // The FAT is the sector after the directory; its entry 3 points back to sector 1.
        let fatSector = Int(XLSTestFile.u32(file, 0x4C))
        let at = (fatSector + 1) * 512 + 4 * 3
        file.replaceSubrange(at..<(at + 4), with: X.le32(1))
        #expect(Self.error(file)?.reason == "damaged compound file: the FAT chain of stream \"Workbook\" loops at sector 1 (byte 1024)")
    }

    /// Truncations and flipped bytes of the real file: a thrown error or rows, never a trap
    /// or a hang.
    @Test func damagedCopiesOfTheFixtureThrowOrRead() async throws { try await offPool {
        let bytes = try Self.fixture()
        var outcomes = (errors: 0, reads: 0)
        func attempt(_ damaged: [UInt8], throughTheLayout: Bool = false) {
            if Self.error(damaged) == nil { outcomes.reads += 1 } else { outcomes.errors += 1 }
            // `format = "xls"` as the fuzz target runs it: the table layout over what is read.
            if throughTheLayout { FuzzTarget.xls.run(damaged) }
        }
        for length in stride(from: 0, to: bytes.count, by: 61) { attempt(Array(bytes.prefix(length)), throughTheLayout: true) }
        var random = SplitMix(seed: 12)
        for _ in 0..<1500 {
            var damaged = bytes
            for _ in 0..<(1 + random.next() % 4) {
                let at = Int(random.next() % UInt64(bytes.count))
                damaged[at] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
            }
            attempt(damaged)
        }
        // Flips in the header region and the record headers, where damage is structural.
        for at in stride(from: 0, to: 1024, by: 3) {
            var damaged = bytes
            damaged[at] ^= 0xFF
            attempt(damaged, throughTheLayout: true)
        }
        #expect(outcomes.errors > 100)
        #expect(outcomes.reads > 100)
    } }
}

/// A small deterministic generator for the damage test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension XLSTestFile {
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
