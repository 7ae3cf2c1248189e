import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct EurostatTSVTests {
    func read(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) throws -> Payload {
        try readPayload(try EurostatTSVFormat(settings: settings(series: series, options)), Array(text.utf8), origin: "data.tsv")
    }

    func error(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) -> InputError? {
        #expect(throws: InputError.self) { try read(text, series: series, options) }
    }

    @Test func newHeaderWithFlagsMissingValuesAndTrailingSpaces() throws {
        let payload = try read("""
            freq,unit,geo\\TIME_PERIOD\t2020 \t2021 \t2022 
            A,EUR_HAB,AL\t4900 \t5400 p\t: 
            A,EUR_HAB,AT\t: c\t43000 e\t45600 bep

            """, ["series_prefix": "estat."])
        #expect(payload.lines == ["estat.A.EUR_HAB.AL 2020 4900", "estat.A.EUR_HAB.AL 2021 5400", "estat.A.EUR_HAB.AL 2022 -",
                                  "estat.A.EUR_HAB.AT 2020 -", "estat.A.EUR_HAB.AT 2021 43000", "estat.A.EUR_HAB.AT 2022 45600"])
        #expect(payload.series[0].frequency == .annual)
        #expect(payload.series[0].ordinals == [2, 2, 2])
    }

    @Test func oldHeaderWithYearsDescendingAndATemplate() throws {
        let payload = try read("unit,age,sex,geo\\time\t2022 \t2021 \t2010 \nNR,TOTAL,F,AD\t: \t: p\t40296.0 \n",
                               series: "pop.{geo}.{sex}")
        #expect(payload.lines == ["pop.AD.F 2010 40296.0", "pop.AD.F 2021 -", "pop.AD.F 2022 -"])
    }

    @Test func quarterlyAndMonthlyPeriods() throws {
        let payload = try read("s_adj,geo\\time\t2018Q2 \t2018Q1 \nSA,DE\t1.5 \t-0.25 e\n")
        #expect(payload.lines == ["SA.DE 2018-Q1 -0.25", "SA.DE 2018-Q2 1.5"])
        let monthly = try read("freq,geo\\TIME_PERIOD\t2018-01 \t2018-02 \nM,DE\t1 \t2 \n")
        #expect(monthly.lines == ["M.DE 2018-01 1", "M.DE 2018-02 2"])
    }

    @Test func aCellThatIsNotAValueWithFlagsNamesItsLineAndPeriod() throws {
        let e = error("freq,geo\\TIME_PERIOD\t2020 \t2021 \nA,DE\t1 \t2 3 \n")
        #expect(e?.description == "data.tsv line 2: cell \"2 3\" is not a value with Eurostat flags (e.g. 5400 p, : c) (series A.DE, period 2021)")
        let comma = error("freq,geo\\TIME_PERIOD\t2020 \nA,DE\t1,5 p\n")
        #expect(comma?.place == .line(2))
        #expect(comma?.reason.contains("\"1,5\"") == true)
    }

    @Test func rowsMustMatchTheHeader() throws {
        #expect(error("freq,geo\\TIME_PERIOD\t2020 \t2021 \nA,DE\t1 \n")?.description
                == "data.tsv line 2: expected 3 columns as in the header (line 1), found 2")
        #expect(error("freq,geo\\TIME_PERIOD\t2020 \nA,DE,X\t1 \n")?.description
                == "data.tsv line 2: 3 dimension codes where the header names 2 (freq,geo)")
        #expect(error("freq,geo\t2020 \nA,DE\t1 \n")?.place == .line(1))
        #expect(error("freq,geo\\TIME_PERIOD\t2020 \nA,DE\t1 \n", series: "x.{unit}")?.description
                == "data.tsv line 1: the series template names {unit}, which is not a dimension of this file (freq,geo)")
    }

    @Test func settingsThatDoNotMakeSense() throws {
        #expect(throws: FormatSettingsError.self) { try EurostatTSVFormat(settings: settings(series: "x.{geo}", ["series_prefix": "y."])) }
        #expect(throws: FormatSettingsError.self) { try EurostatTSVFormat(settings: settings(["series_prefix": "a b"])) }
        #expect(throws: FormatSettingsError.self) { try EurostatTSVFormat(settings: settings(["encoding": "ebcdic"])) }
    }
}

/// The examples of Docs/formats/eurostat-tsv.md read the fixtures with their check values.
@Suite struct EurostatTSVDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func examples() throws -> [String] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Docs/formats/eurostat-tsv.md"), encoding: .utf8)
        return text.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    func reader(_ toml: String) throws -> any PayloadFormat {
        let config = try ConfigParser.parse(text: toml, path: "brid.toml", formats: Formats.catalog).get()
        #expect(Formats.validate(config, file: "brid.toml").isEmpty)
        return try Formats.reader(for: try #require(config.sources.first)).get()
    }

    @Test func theNewShapeExampleReadsTheRegionalGDPFile() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/publications/estat_nama_10r_3gdp.tsv")))
        let reader = try reader(try examples()[0])
        var builder = PayloadBuilder(origin: "nama", ordinalKind: .line) { _ in nil }
        try reader.read(bytes, into: &builder)
        let payload = try builder.finish()
        func value(_ key: String, _ period: String) -> String? {
            guard let s = payload.series.first(where: { $0.key == key }), let i = s.periods.firstIndex(of: period) else { return "absent" }
            return s.values[i]
        }
        #expect(value("estat.nama_10r_3gdp.A.EUR_HAB.AL", "2021") == "5400")
        #expect(value("estat.nama_10r_3gdp.A.MIO_EUR.BG", "2000") == "14440.05")
        #expect(value("estat.nama_10r_3gdp.A.PPS_EU27_2020_HAB.PL", "2022") == "28200")
        #expect(payload.observationCount == 12_453 * 23)
    }

    @Test func theOldShapeExampleIsAValidConfig() throws {
        #expect(try examples().count == 2)
        _ = try reader(try examples()[1])
    }
}
