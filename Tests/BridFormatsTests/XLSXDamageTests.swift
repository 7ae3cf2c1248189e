import BridCore
@testable import BridFormats
import BridFuzzing
import BridTestSupport
import Foundation
import Testing

/// The xlsx sheet reader on damaged sheet XML inside otherwise valid archives: the parts of
/// a real workbook rewritten as stored members (`ZipTestFile`), the sheet part mutated —
/// elements cut, attributes duplicated, bad `r` references, huge row numbers, shared-string
/// indexes that are not in the table, cells inside values. An `InputError` that names a
/// place (a cell, or the XML's line) or rows, never a trap.
@Suite struct XLSXDamageTests {
    typealias Z = StoredZip

    /// Every member of a workbook, in archive order.
    static func parts(_ bytes: [UInt8]) throws -> [(name: String, data: [UInt8])] {
        try bytes.withUnsafeBufferPointer { (buffer) throws in
            let archive = try ZipArchive(buffer)
            return try archive.members.map { ($0.name, try archive.extract($0, limit: 1 << 24)) }
        }
    }

    static func workbook(_ parts: [(name: String, data: [UInt8])], sheet: String, xml: [UInt8]) -> [UInt8] {
        Z.archive(parts.map { Z.Entry($0.name, $0.name == sheet ? xml : $0.data) })
    }

    /// The sheet read row by row: nil when read, else the error.
    static func outcome(_ bytes: [UInt8], sheet: SheetChoice) -> InputError? {
        do {
            _ = try XLSXTests.rows(bytes, sheet: sheet)
            return nil
        } catch {
            return error
        }
    }

    static func occurrences(of needle: String, in bytes: [UInt8]) -> [Int] {
        let needle = Array(needle.utf8)
        guard bytes.count >= needle.count else { return [] }
        var found: [Int] = []
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0], Array(bytes[i..<(i + needle.count)]) == needle { found.append(i) }
            i += 1
        }
        return found
    }

    static let badReferences = ["", "0", "-1", "A0", "A", "1", "ZZZZ1", "XFE1", "XFD1048576", "1A", "A1.5", "A+1", "Ж1", "A99999999999999999999", "a1", " A1"]
    static let badRows = ["0", "-1", "1048576", "1048577", "99999999999999999999", "9223372036854775807", "", "1e3", "2.0", "+3", "٣"]
    static let badIndexes = ["999999", "-1", "", " 2 ", "1e3", "0x1", "9223372036854775808", "NaN"]
    static let insertions = [
        "<c r=\"A1\"/>", "<c r=\"XFD1\"><v>1</v></c>", "<v>7</v>", "<is><t>x</t></is>", "<c t=\"inlineStr\"><is><t><c/>x</t></is></c>",
        "<c><v><c/>1</v></c>", "<c s=\"-1\"><v>1</v></c>", "<c s=\"99999\"><v>45000</v></c>", "<c><v>0e999999999</v></c>",
        "<c><v>1e-999999999</v></c>", "<c><v>1e308</v></c>", "<c t=\"z\"><v>1</v></c>", "<c t=\"d\"><v>x</v></c>", "<row r=\"2\"/>",
        "<row/>", "</row>", "<sheetData>", "</sheetData>", "<![CDATA[<c>]]>", "&amp;", "&#0;", "&bogus;",
    ]

    /// One random change to the sheet XML.
    static func mutate(_ xml: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        var xml = xml
        /// Replaces the attribute value that starts right after `prefix` at a random occurrence.
        func replaceValue(after prefix: String, with values: [String]) {
            guard let at = Optional(occurrences(of: prefix, in: xml)).flatMap({ $0.isEmpty ? nil : pick($0) }) else { return }
            let start = at + prefix.utf8.count
            guard let end = xml[start...].firstIndex(of: UInt8(ascii: "\"")) else { return }
            xml.replaceSubrange(start..<end, with: Array(pick(values).utf8))
        }
        switch random.next() % 8 {
        case 0:  // cut one element: from a `<c`/`<row` to its end tag or the next `/>`
            let starts = occurrences(of: pick(["<c ", "<row ", "<v>"]), in: xml)
            guard !starts.isEmpty else { break }
            let start = pick(starts)
            let end = occurrences(of: pick(["</c>", "</row>", "/>", "</v>"]), in: Array(xml[start...])).first.map { start + $0 + 2 } ?? xml.count
            xml.removeSubrange(start..<min(end, xml.count))
        case 1:  // cut a random run of bytes (often leaving the XML malformed)
            let start = Int(random.next() % UInt64(xml.count))
            xml.removeSubrange(start..<min(xml.count, start + 1 + Int(random.next() % 64)))
        case 2:  // a duplicate attribute on a cell or row
            let starts = occurrences(of: pick(["<c ", "<row "]), in: xml)
            guard !starts.isEmpty else { break }
            let at = pick(starts) + 2
            xml.insert(contentsOf: Array(pick([" r=\"B2\"", " t=\"s\"", " s=\"3\"", " r=\"1\"", " t=\"str\"", " r=\"A1\" r=\"A1\""]).utf8), at: at)
        case 3:
            replaceValue(after: "<c r=\"", with: badReferences)
        case 4:
            replaceValue(after: "<row r=\"", with: badRows)
        case 5:  // a shared-string index that is not in the table
            let cells = occurrences(of: "t=\"s\"><v>", in: xml)
            guard !cells.isEmpty else { break }
            let start = pick(cells) + 9
            guard let end = xml[start...].firstIndex(of: UInt8(ascii: "<")) else { break }
            xml.replaceSubrange(start..<end, with: Array(pick(badIndexes).utf8))
        case 6:  // an element inserted at a tag boundary
            let boundaries = occurrences(of: ">", in: xml)
            guard !boundaries.isEmpty else { break }
            xml.insert(contentsOf: Array(pick(insertions).utf8), at: pick(boundaries) + 1)
        default:  // a cell's type or style changed
            replaceValue(after: pick([" t=\"", " s=\""]), with: ["s", "n", "b", "e", "str", "inlineStr", "d", "x", "-1", "4294967296", "1"])
        }
        return xml
    }

    /// Off the test pool: a thousand rebuilt workbooks take seconds, which would hold up the
    /// daemon tests' tasks on a 2-core machine.
    @Test func damagedSheetXMLInsideAValidArchiveThrowsWithAPlaceOrReads() async throws { try await offPool {
        let kz = try Self.parts([UInt8](Data(contentsOf: ZipArchiveTests.root.appendingPathComponent("Tests/Fixtures/publications/kz_bns_grp_per_capita.xlsx"))))
        let cells = try Self.parts(try ZipArchiveTests.fixture("cells.xlsx"))
        let workbooks: [(parts: [(name: String, data: [UInt8])], sheet: String, choice: SheetChoice, cases: Int)] = [
            (kz, "xl/worksheets/sheet1.xml", .name("тыс.тенге"), 100),
            (cells, "xl/worksheets/data.xml", .first, 400),
        ]
        var outcomes = (errors: 0, reads: 0)
        var random = SplitMix(seed: 1904)
        for (parts, sheet, choice, cases) in workbooks {
            let original = try #require(parts.first { $0.name == sheet }).data
            // The archive rebuilt with stored members reads as the original does.
            #expect(Self.outcome(Self.workbook(parts, sheet: sheet, xml: original), sheet: choice) == nil)
            for round in 0..<cases {
                var xml = original
                for _ in 0..<(1 + random.next() % 3) { xml = Self.mutate(xml, &random) }
                let bytes = Self.workbook(parts, sheet: sheet, xml: xml)
                if let error = Self.outcome(bytes, sheet: choice) {
                    outcomes.errors += 1
                    #expect(error.place != nil || error.reason.contains("(line "), "\(error)")
                } else {
                    outcomes.reads += 1
                }
                // `format = "xlsx"` as the fuzz target runs it: the table layout over the first sheet.
                if round % 4 == 0 { FuzzTarget.xlsx.run(bytes) }
            }
        }
        #expect(outcomes.errors > 75, "\(outcomes)")
        #expect(outcomes.reads > 50, "\(outcomes)")
    } }
}

/// Sheets `make fuzz` (or the damage test) broke the reader with, each now refused with
/// its place or read. Before the fixes each trapped or passed a row twice.
@Suite struct XLSXFuzzFindingsTests {
    static func sheet(_ rows: String) -> [UInt8] {
        Array("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\(rows)</sheetData></worksheet>".utf8)
    }

    static func read(_ rows: String) throws(InputError) -> [Int: [TableCell]] {
        try XLSXTests.rows(FuzzWorkbook.wrapping(sheet: sheet(rows)))
    }

    static func error(_ rows: String) -> String? {
        #expect(throws: InputError.self) { _ = try read(rows) }?.description
    }

    /// A cell inside a cell's value restarted the cell and its value was unwrapped as nil.
    @Test func aCellInsideACellIsRefusedByPlace() {
        #expect(Self.error(#"<row r="20"><c r="B20"><v>300<c r="AQ20" s="25"/></v></c></row>"#)
                == "book.xlsx 'тыс.тенге'!B20: a <c> inside a cell")
        #expect(Self.error(#"<row r="2"><c r="C2" t="inlineStr"><is><t><c/>x</t></is></c></row>"#)
                == "book.xlsx 'тыс.тенге'!C2: a <c> inside a cell")
    }

    /// A value outside any cell, its text after a cell that ended inside it, trapped the same way.
    @Test func aValueOrInlineStringOutsideACellBelongsToNone() throws {
        #expect(try Self.read(#"<row r="1"><v><c r="A1"/>1</v><c r="B1"><v>2</v></c></row>"#) == [1: [.empty, .number("2")]])
        #expect(try Self.read(#"<row r="1"><is><c/><t>x</t></is><c r="B1"><v>2</v></c></row>"#) == [1: [.empty, .number("2")]])
    }

    /// A row inside a row passed the inner row twice (and inside a cell, wrote to column -1).
    @Test func aRowInsideARowIsRefused() {
        #expect(Self.error(#"<row r="1"><row r="2"><c r="A2"><v>1</v></c></row></row>"#) == "book.xlsx 'тыс.тенге'!A1: a <row> inside row 1")
        #expect(Self.error(#"<row r="1"><c r="B1"><v>1<row/></v></c></row>"#) == "book.xlsx 'тыс.тенге'!B1: a <row> inside row 1")
    }

    /// A negative style index was used to index the date styles.
    @Test func aNegativeStyleIsNotADate() throws {
        #expect(try Self.read(#"<row r="1"><c r="A1" s="-1"><v>45303</v></c><c r="B1" s="2"><v>45303</v></c></row>"#)
                == [1: [.number("45303"), .date("2024-01-12")]])
    }

    /// Zero with a huge exponent was written out as a billion zeros; too small a value for a
    /// double is 0, as openpyxl reads it.
    @Test func zeroAndUnderflowWithHugeExponentsAreZero() throws {
        #expect(try Self.read(#"<row r="1"><c><v>0e999999999</v></c><c><v>1e-999999999</v></c><c><v>-0.0E+5</v></c><c><v>5e-324</v></c></row>"#)
                == [1: [.number("0"), .number("0"), .number("0"), .number("0." + String(repeating: "0", count: 323) + "5")]])
    }

    /// A bad or out-of-order row number is named by the row it stands for, not the last good one.
    @Test func aBadRowNumberNamesItsOwnRow() {
        let bad = Self.error(#"<row r="7"><c r="A7"><v>1</v></c></row><row r="abc"><c><v>2</v></c></row>"#)
        #expect(bad?.contains("A8: row number r=\"abc\" is not a row number") == true, "\(String(describing: bad))")
        let backwards = Self.error(#"<row r="7"><c r="A7"><v>1</v></c></row><row r="5"><c><v>2</v></c></row>"#)
        #expect(backwards?.contains("A5: row 5 comes after row 7: rows are out of order") == true, "\(String(describing: backwards))")
    }
}
