import BridCore
@testable import BridFormats
import Foundation
import Testing

/// `decimal`, `thousands` and `encoding` of the CSV-family formats.
@Suite struct LocalNumbersTests {
    func csv(_ text: String, _ options: [String: Any]) throws -> Payload {
        try readPayload(try CSVFormat(settings: settings(options)), Array(text.utf8), origin: "de.csv")
    }

    @Test func decimalCommaCSV() throws {
        let payload = try csv("period;de.gdp;de.cpi\n2020;3 405,4;1,5\n2021;3\u{A0}601,8;3,1\n", ["decimal": ",", "thousands": " "])
        #expect(payload.lines == ["de.gdp 2020 3405.4", "de.gdp 2021 3601.8", "de.cpi 2020 1.5", "de.cpi 2021 3.1"])
        let dots = try csv("series,period,value\nx,2020,\"1.234.567,5\"\nx,2021,\"-0,25\"\n", ["decimal": ",", "thousands": "."])
        #expect(dots.lines == ["x 2020 1234567.5", "x 2021 -0.25"])
    }

    @Test func anAmbiguousValueNamesItsPlace() throws {
        let e = #expect(throws: InputError.self) { try csv("period;x\n2020;1,5\n2021;1.234\n", ["decimal": ","]) }
        #expect(e?.description == "de.csv line 3: value \"1.234\" is ambiguous: '.' is neither the decimal separator (\",\") nor the thousands separator (none) where it stands (series x, period 2021)")
        let groups = #expect(throws: InputError.self) { try csv("period,x\n2020,\"12,34\"\n", ["thousands": ","]) }
        #expect(groups?.place == .line(2))
        #expect(groups?.reason.contains("does not split it in groups of three digits") == true)
    }

    @Test func settingsThatDoNotMakeSense() throws {
        #expect(throws: FormatSettingsError.self) { try CSVFormat(settings: settings(["decimal": ";"])) }
        #expect(throws: FormatSettingsError.self) { try CSVFormat(settings: settings(["decimal": ",", "thousands": ","])) }
        #expect(throws: FormatSettingsError.self) { try CSVFormat(settings: settings(["thousands": "'"])) }
        #expect(throws: FormatSettingsError.self) { try SDMXCSVFormat(settings: settings(["encoding": "koi8-r"])) }
    }

    /// SDMX-CSV 2.0's own example with `;` columns and a decimal comma.
    @Test func sdmxCSVWithSemicolonsTakesDecimalCommas() throws {
        let text = """
            STRUCTURE;STRUCTURE_ID;ACTION;DIM_1;DIM_2;DIM_3;OBS_VALUE;ATTR_2;ATTR_3;ATTR_1;UPDATED
            dataflow;ESTAT:NA_MAIN(1.6.0);I;A;B;2014-01;12,4;Y;"Normal, special and other values";N;2021-01-22T13:15:41Z
            dataflow;ESTAT:NA_MAIN(1.6.0);I;A;B;2014-02;10.8;Y;"Normal, special and other values";Y;2021-01-22T13:15:41Z

            """
        let payload = try readPayload(try SDMXCSVFormat(settings: settings(["time_column": "DIM_3"])), Array(text.utf8))
        #expect(payload.lines == ["NA_MAIN.A.B 2014-01 12.4", "NA_MAIN.A.B 2014-02 10.8"])
        // With `,` columns a comma is a separator, so a quoted `12,4` stays refused.
        let commas = text.replacingOccurrences(of: ";", with: ",").replacingOccurrences(of: ",12,4,", with: ",\"12,4\",")
        let e = #expect(throws: InputError.self) { try readPayload(try SDMXCSVFormat(settings: settings(["time_column": "DIM_3"])), Array(commas.utf8)) }
        #expect(e?.place == .line(2))
    }

    @Test func numberFormatConversions() throws {
        let comma = try NumberFormat(decimal: ",", thousands: " ")
        #expect(try comma.plainText(" 1 234 567,89 ").get() == "1234567.89")
        #expect(try comma.plainText("1\u{202F}234").get() == "1234")
        #expect(try comma.plainText("-").get() == "-")
        #expect(try comma.plainText("1,5e3").get() == "1.5e3")
        #expect((try? comma.plainText("1 23,4").get()) == nil)
        #expect((try? comma.plainText("1.5").get()) == nil)
        #expect(try NumberFormat.eitherDecimal.plainText("12,4").get() == "12.4")
        #expect(try NumberFormat.eitherDecimal.plainText("12.4").get() == "12.4")
        #expect((try? NumberFormat.eitherDecimal.plainText("1.234,5").get()) == nil)
    }

    // MARK: Encodings

    func transcoded(_ bytes: [UInt8], _ encoding: TextEncoding, chunk: Int = 3) throws -> String? {
        guard var transcoder = bytes.withUnsafeBufferPointer({ TextTranscoder(encoding: encoding, prefix: $0) }) else { return nil }
        var output: [UInt8] = []
        var i = transcoder.skip
        while i < bytes.count {
            let end = min(i + chunk, bytes.count)
            try bytes[i..<end].withUnsafeBufferPointer { try transcoder.transcode($0, into: &output) }
            i = end
        }
        try transcoder.finish()
        return String(decoding: output, as: UTF8.self)
    }

    @Test func latin1AndWindows1251() throws {
        // "Gebrauchsgüter;©" as Destatis writes it; "€" is windows-1252's 0x80.
        #expect(try transcoded(Array("Gebrauchsg".utf8) + [0xFC] + Array("ter;".utf8) + [0xA9, 0x80], .iso88591) == "Gebrauchsgüter;©€")
        // "г.Алматы;Ёё№" in windows-1251.
        #expect(try transcoded([0xE3, 0x2E, 0xC0, 0xEB, 0xEC, 0xE0, 0xF2, 0xFB, 0x3B, 0xA8, 0xB8, 0xB9], .windows1251) == "г.Алматы;Ёё№")
        // UTF-8 (with or without its BOM) is left alone.
        #expect(try transcoded(Array("ü".utf8), .utf8) == nil)
        #expect(try transcoded([0xEF, 0xBB, 0xBF, 0xFC], .windows1251) == nil)
    }

    @Test func utf16ByBOMOrByItsZeroBytes() throws {
        let text = "period,kz.grp\n2020,1\n𝟙Ж\n"
        let le = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(try transcoded([0xFF, 0xFE] + le, .utf8) == text)  // a BOM wins over the setting
        #expect(try transcoded([0xFE, 0xFF] + be, .iso88591) == text)
        #expect(try transcoded(le, .utf16) == text)
        #expect(try transcoded(be, .utf16) == text)
        #expect(throws: TranscodeError(offset: 6, reason: "the UTF-16 text ends in the middle of a character (an odd number of bytes)")) {
            try transcoded([0xFF, 0xFE, 0x41, 0x00, 0x42, 0x00, 0x43], .utf8)
        }
        #expect(throws: TranscodeError.self) { try transcoded([0xFF, 0xFE, 0x00, 0xDC, 0x41, 0x00], .utf8) }
    }
}
