import BridCore
@testable import BridFormats
import Foundation
import Testing

/// `format = "csv"` read as a table (a `series` template or `columns`), on the agencies'
/// own files and on small texts.
@Suite struct CSVTableTests {
    static let publications = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/publications")

    func publication(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.publications.appendingPathComponent(name)))
    }

    func read(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) throws -> Payload {
        try readPayload(try CSVFormat(settings: settings(series: series, options)), Array(text.utf8), origin: "t.csv")
    }

    func error(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) -> String? {
        #expect(throws: InputError.self) { try read(text, series: series, options) }?.description
    }

    /// The World Bank bulk CSV: BOM, CRLF, every field quoted, four preamble lines, a
    /// trailing empty column — with nothing but a series template.
    @Test func worldBankBulkCSVNeedsOnlyASeriesTemplate() throws {
        let bytes = try publication("API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2002465.csv")
        let payload = try readPayload(try CSVFormat(settings: settings(series: "wb.{Country Code}.{Indicator Code}")), bytes, origin: "wb.csv")
        func value(_ key: String, _ period: String) -> String? {
            guard let s = payload.series.first(where: { $0.key == key }), let i = s.periods.firstIndex(of: period) else { return "absent" }
            return s.values[i]
        }
        #expect(value("wb.CHN.NY.GDP.MKTP.CD", "1960") == "59716249310.9742")
        #expect(value("wb.KAZ.NY.GDP.MKTP.CD", "2023") == "261421121085.572")
        #expect(value("wb.KGZ.NY.GDP.MKTP.CD", "1990") == "2675000000")
        #expect(value("wb.ABW.NY.GDP.MKTP.CD", "1960") == nil)  // "" is no value
        // 266 country rows; the 4 without a single value (Gibraltar, Not classified, North
        // Korea, British Virgin Islands) are skipped as empty rows.
        #expect(payload.series.count == 262)
        #expect(!payload.series.contains { $0.key == "wb.INX.NY.GDP.MKTP.CD" })
        #expect(payload.series.allSatisfy { $0.frequency == .annual && $0.periods.count == 64 })
        #expect(payload.series.first { $0.key == "wb.CHN.NY.GDP.MKTP.CD" }?.ordinals.first == 46)
    }

    /// Destatis GENESIS: ISO-8859-1 (transcoded as the runtime does), `;`, decimal commas,
    /// titles and four header rows, dates as periods, `-` and `.` for no value, and a
    /// footer with a quoted multi-line footnote.
    @Test func destatisWithPeriodsAsRows() throws {
        let latin1 = try publication("destatis_63111-0001.csv")
        var bytes: [UInt8] = []
        var transcoder = try #require(latin1.withUnsafeBufferPointer { TextTranscoder(encoding: .iso88591, prefix: $0) })
        try latin1.withUnsafeBufferPointer { try transcoder.transcode($0, into: &bytes) }
        try transcoder.finish()
        let format = try CSVFormat(settings: settings([
            "encoding": "iso-8859-1", "decimal": ",", "missing": ["-", "."],
            "period_column": "A", "period_pattern": #"01\.01\.(?<year>\d{4})"#,
            "columns": ["B": "de.hh.surveyed", "C": "de.hh.extrapolated", "D": "de.hh.cars", "F": "de.hh.cars.new.electric"],
        ]))
        let payload = try readPayload(format, bytes, origin: "63111-0001.csv")
        func value(_ key: String, _ period: String) -> String? {
            guard let s = payload.series.first(where: { $0.key == key }), let i = s.periods.firstIndex(of: period) else { return "absent" }
            return s.values[i]
        }
        #expect(value("de.hh.cars", "2000") == "74.4")
        #expect(value("de.hh.surveyed", "2021") == "7630")
        #expect(value("de.hh.cars.new.electric", "2021") == "1.2")
        #expect(value("de.hh.cars.new.electric", "2000") == nil)  // "-": no value
        #expect(value("de.hh.cars", "2008") == "absent")  // no row for 2008 in the file
        #expect(payload.series.map(\.key) == ["de.hh.surveyed", "de.hh.extrapolated", "de.hh.cars", "de.hh.cars.new.electric"])
        #expect(payload.series[0].periods.count == 19)
    }

    @Test func theSeparatorIsTheHeaderRowsNotAPreambleLines() throws {
        let text = "\u{FEFF}Data Source,World Development Indicators,\r\n\r\nLand;Code;2019;2020\r\nDeutschland;DE;1,5;\"2,5\"\r\n"
        #expect(try read(text, series: "x.{Code}", ["decimal": ","]).lines == ["x.DE 2019 1.5", "x.DE 2020 2.5"])
        let tabs = "Title, with a comma\nLand\tCode\t2019\t2020\nDeutschland\tDE\t1\t2\n"
        #expect(try read(tabs, series: "x.{B}").lines == ["x.DE 2019 1", "x.DE 2020 2"])
        let given = "a;b;c;d;e;f\nname,2019,2020\nx,1,2\n"
        #expect(try read(given, series: "x.{A}", ["header_row": 2]).lines == ["x.x 2019 1", "x.x 2020 2"])
    }

    @Test func aQuotedMultiLineFootnoteAndPlacesByLine() throws {
        let text = "name,2019,2020\na,1,2\n\"Note:\nspans lines\",,\nb,3,oops\n"
        #expect(error(text, series: "x.{A}") == "t.csv line 5, column C: value \"oops\" is not a number (a marker of no value? list it in `missing`)")
        let ok = "name,2019,2020\na,1,2\n\"Note:\nspans lines\",,\n"
        #expect(try read(ok, series: "x.{A}").lines == ["x.a 2019 1", "x.a 2020 2"])
    }

    @Test func withoutTableOptionsCSVIsAsBefore() throws {
        #expect(try read("series,period,value\nx,2020,1\n").lines == ["x 2020 1"])
        let e = #expect(throws: FormatSettingsError.self) { try CSVFormat(settings: settings(["header_row": 2])) }
        #expect(e?.key == "header_row")
        #expect(e?.message == "applies to csv read as a table: give a `series` template (periods as columns) or `period_column` with `columns` (periods as rows)")
        #expect((#expect(throws: FormatSettingsError.self) { try CSVFormat(settings: settings(series: "x.{A}", ["sheet": 2])) })?.key == "sheet")
        #expect(CSVFormat.options["sheet"] == .stringOrInteger)
        #expect(CSVFormat.options["encoding"] == .string)
    }
}
