import BridCore
@testable import BridFormats
import Testing

@Suite struct CSVReaderTests {
    func read(_ text: String, known: [String: Frequency] = [:]) throws -> Payload {
        var builder = PayloadBuilder(origin: "drop.csv") { known[$0] }
        try CSVReader.read(Array(text.utf8), into: &builder)
        return try builder.finish()
    }

    func rows(_ payload: Payload) -> [String] {
        payload.series.flatMap { s in s.periods.indices.map { "\(s.key)|\(s.periods[$0])|\(s.values[$0] ?? "∅")" } }
    }

    @Test func longLayout() throws {
        let payload = try read("series,period,value\ncn-kz.trade.total,2018,19.885\ncn-eu.trains.alataw,2018,2388\n")
        #expect(rows(payload) == ["cn-kz.trade.total|2018|19.885", "cn-eu.trains.alataw|2018|2388"])
    }

    @Test func longLayoutWithExtraColumnsInAnyOrder() throws {
        let payload = try read("Value,Note,Period,Series,Unit,Name\n19.885,first,2018,cn-kz.trade.total,USD bn,Trade volume\n")
        #expect(rows(payload) == ["cn-kz.trade.total|2018|19.885"])
        #expect(payload.series[0].name == "Trade volume")
        #expect(payload.series[0].unit == "USD bn")
    }

    @Test func wideLayout() throws {
        let payload = try read("period,cn-eu.trains.alataw,cn-eu.trains.horgos\n2018,2388,404\n2017,1800,NA\n")
        #expect(rows(payload) == ["cn-eu.trains.alataw|2017|1800", "cn-eu.trains.alataw|2018|2388",
                                  "cn-eu.trains.horgos|2017|∅", "cn-eu.trains.horgos|2018|404"])
    }

    @Test(arguments: [";", "\t"])
    func otherSeparators(separator: String) throws {
        let text = ["series", "period", "value"].joined(separator: separator) + "\n" + ["x", "2018-Q1", "1.5"].joined(separator: separator) + "\n"
        #expect(rows(try read(text)) == ["x|2018-Q1|1.5"])
    }

    @Test func byteOrderMarkAndCRLF() throws {
        let payload = try read("\u{FEFF}series,period,value\r\nx,2018M03,7\r\ny,2018,8\r\n")
        #expect(rows(payload) == ["x|2018-03|7", "y|2018|8"])
    }

    @Test func quotedFieldsWithSeparatorsQuotesAndNewlines() throws {
        let payload = try read("series,period,value,name\n\"x\",\"2018\",\"1\",\"Trade, \"\"total\"\"\nacross lines\"\ny,2018,2,plain\n")
        #expect(rows(payload) == ["x|2018|1", "y|2018|2"])
        #expect(payload.series[0].name == "Trade, \"total\"\nacross lines")
    }

    @Test func commentsAndBlankLinesAreSkipped() throws {
        let payload = try read("# where the figures come from\n\nseries,period,value\n# a note\nx,2018,1\n\n")
        #expect(rows(payload) == ["x|2018|1"])
    }

    @Test func missingMarkersAndEmptyCells() throws {
        let payload = try read("series,period,value\nx,2015,.\nx,2016,NA\nx,2017,:\nx,2018,\n")
        #expect(payload.series[0].values == [nil, nil, nil, nil])
    }

    @Test func errorsNameTheLine() {
        let cases: [(String, String)] = [
            ("series,period,value\nx,2018,1\nx,2019\n", "drop.csv line 3: expected 3 fields as in the header (line 1), found 2"),
            ("series,period,value\nx,2018,1\nx,2019,\"open\n", "drop.csv line 3: a quoted field is not closed"),
            ("series,period,value\nx,2018,1\nx,2019,\"1\"2\n", "drop.csv line 3: unexpected character after a closing quote (a quote inside a quoted field must be doubled)"),
            ("series,period,value\nx,2018,1\n\nx,2019,abc\n", "drop.csv line 4: value \"abc\" is not a number (series x, period 2019)"),
            ("series,period,value\nx,2018-13,1\n", "drop.csv line 2: period \"2018-13\" is not a period (expected e.g. 2018, 2018-Q1, 2018-03, 2018-W05 or 2018-03-15) for series x"),
            ("series,period,value\nx,2018,1\nx,2018,2\n", "drop.csv line 3: duplicate observation for series x, period 2018 (first at line 2)"),
            ("a,b,c\n1,2,3\n", "drop.csv line 1: unrecognised header \"a,b,c\": expected series,period,value (long) or period,<series key>,… (wide)"),
            ("period,good,bad key\n2018,1,2\n", "drop.csv line 1: column 3 of the wide header: series key \"bad key\" contains a space; use letters, digits and . _ - : / @ +"),
            ("series,period,value\n", "drop.csv: no observations found"),
            ("", "drop.csv: no header found (expected series,period,value or period,<series key>,…)"),
        ]
        for (text, message) in cases {
            #expect(throws: InputError.self) { try read(text) }
            do {
                _ = try read(text)
            } catch {
                #expect((error as? InputError)?.description == message)
            }
        }
    }

    @Test func invalidUTF8IsAnError() {
        var bytes = Array("series,period,value\nx,2018,1\n".utf8)
        bytes += [0x79, 0xFF, 0x2C] + Array("2018,2\n".utf8)
        var builder = PayloadBuilder(origin: "drop.csv") { _ in nil }
        #expect(throws: InputError(origin: "drop.csv", place: .line(3), reason: "field 1 is not valid UTF-8")) {
            try CSVReader.read(bytes, into: &builder)
        }
    }

    @Test func aLastLineWithoutNewline() throws {
        #expect(rows(try read("series,period,value\nx,2018,1")) == ["x|2018|1"])
    }

    @Test func trailingEmptyFieldIsAMissingValue() throws {
        #expect(rows(try read("period,a,b\n2018,1,")) == ["a|2018|1", "b|2018|∅"])
    }

    @Test func aSeriesTemplateMakesTheCSVFormatReadATable() throws {
        #expect(throws: FormatSettingsError.self) { try CSVFormat(settings: FormatSettings(seriesTemplate: "x.{a")) }
        #expect(try CSVFormat(settings: FormatSettings(seriesTemplate: "x.{a}")).table != nil)
        #expect(try CSVFormat(settings: FormatSettings()).table == nil)
        #expect(Formats.catalog["csv"] == TableLayout.options.merging(["encoding": .string]) { a, _ in a })
    }
}
