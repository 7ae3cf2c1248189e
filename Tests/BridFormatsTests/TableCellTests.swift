import BridCore
@testable import BridFormats
import Testing

@Suite struct TableCellTests {
    @Test func plainDecimalMovesExponentsIntoDigits() {
        #expect(TableCell.plainDecimal("1024.2") == "1024.2")
        #expect(TableCell.plainDecimal("5401.0") == "5401")
        #expect(TableCell.plainDecimal("1e-05") == "0.00001")
        #expect(TableCell.plainDecimal("1.5E+3") == "1500")
        #expect(TableCell.plainDecimal("-2.5e-1") == "-0.25")
        #expect(TableCell.plainDecimal("6.02214076e23") == "602214076000000000000000")
        #expect(TableCell.plainDecimal("0") == "0")
        #expect(TableCell.plainDecimal("-0.0") == "0")
        #expect(TableCell.plainDecimal("007.50") == "7.5")
    }

    @Test func doublesBecomeTheirShortestText() {
        #expect(TableCell.number(fromDouble: 35371.28) == .number("35371.28"))
        #expect(TableCell.number(fromDouble: 0.1 + 0.2) == .number("0.30000000000000004"))
        #expect(TableCell.number(fromDouble: 1e16) == .number("10000000000000000"))
        #expect(TableCell.number(fromDouble: 2.5e-7) == .number("0.00000025"))
        #expect(TableCell.number(fromDouble: .nan) == nil)
        #expect(TableCell.number(fromDouble: -.infinity) == nil)
    }

    @Test func columnLettersRoundTrip() {
        #expect(ColumnName.letters(0) == "A")
        #expect(ColumnName.letters(25) == "Z")
        #expect(ColumnName.letters(26) == "AA")
        #expect(ColumnName.letters(63) == "BL")
        #expect(ColumnName.letters(16_383) == "XFD")
        for n in [0, 1, 25, 26, 27, 51, 52, 701, 702, 16_383] { #expect(ColumnName.index(ColumnName.letters(n)) == n) }
        #expect(ColumnName.index("bl") == 63)
        #expect(ColumnName.index("XFE") == nil)
        #expect(ColumnName.index("A1") == nil)
        #expect(ColumnName.index("") == nil)
    }

    @Test func cellPlacesReadAsSpreadsheetReferences() {
        #expect(InputPlace.cell(sheet: "тыс.тенге", column: 12, row: 9).description == "'тыс.тенге'!M9")
        #expect(InputPlace.cell(sheet: "it's", column: 0, row: 1).description == "'it''s'!A1")
        #expect(InputPlace.cell(sheet: nil, column: 3, row: 12).description == "line 12, column D")
    }
}
