import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct SDMXCSVTests {
    func read(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) throws -> Payload {
        try readPayload(try SDMXCSVFormat(settings: settings(series: series, options)), Array(text.utf8), origin: "data.csv")
    }

    func error(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) -> InputError? {
        #expect(throws: InputError.self) { try read(text, series: series, options) }
    }

    // MARK: Real files

    @Test func example01NeedsItsTimeColumn() throws {
        let format = try SDMXCSVFormat(settings: settings(["time_column": "DIM_3"]))
        let payload = try readPayload(format, try fixture("sdmx-csv2-example-01.csv"))
        #expect(payload.lines == ["NA_MAIN.A.B 2014-01 12.4", "NA_MAIN.A.B 2014-02 10.8"])
        #expect(payload.series[0].frequency == .monthly)
        #expect(payload.series[0].ordinals == [2, 3])
        #expect(payload.publishedAt == Timestamp.parse("2021-01-22T13:15:41Z"))
    }

    @Test func example01WithoutTimeColumnSaysWhatToSet() throws {
        var builder = PayloadBuilder(origin: "ex1.csv") { _ in nil }
        let error = #expect(throws: InputError.self) {
            try SDMXCSVFormat(settings: FormatSettings()).read(try fixture("sdmx-csv2-example-01.csv"), into: &builder)
        }
        #expect(error?.place == .line(1))
        #expect(error?.reason.hasPrefix("no TIME_PERIOD column; set `time_column` to the column that holds the period (e.g. time_column = \"DIM_3\")") == true)
    }

    @Test func example02TwoMeasuresAndDimensionsOutOfOrder() throws {
        let bytes = try fixture("sdmx-csv2-example-02.csv")
        let first = try readPayload(try SDMXCSVFormat(settings: settings(["time_column": "DIM_3", "value_column": "OBS_VALUE1", "dimensions": ["DIM_1", "DIM_2"]])), bytes)
        #expect(first.lines == ["NA_MAIN.A.B 2014-01 12.4", "NA_MAIN.A.B 2014-02 10.8"])
        let second = try readPayload(try SDMXCSVFormat(settings: settings(["time_column": "DIM_3", "value_column": "OBS_VALUE2", "dimensions": ["DIM_2", "DIM_1"]])), bytes)
        #expect(second.lines == ["NA_MAIN.B.A 2014-01 12.5", "NA_MAIN.B.A 2014-02 10.9"])
        let templated = try readPayload(try SDMXCSVFormat(settings: settings(series: "na.{DIM_1}-{DIM_2}", ["time_column": "DIM_3", "value_column": "OBS_VALUE1"])), bytes)
        #expect(templated.lines == ["na.A-B 2014-01 12.4", "na.A-B 2014-02 10.8"])
    }

    @Test func example02WithoutDimensionsRefusesToGuess() throws {
        var builder = PayloadBuilder(origin: "ex2.csv") { _ in nil }
        let error = #expect(throws: InputError.self) {
            try SDMXCSVFormat(settings: settings(["time_column": "DIM_3", "value_column": "OBS_VALUE1"])).read(try fixture("sdmx-csv2-example-02.csv"), into: &builder)
        }
        #expect(error?.reason == "the value column OBS_VALUE1 comes before the time column DIM_3, so the dimension columns cannot be told from their position; list them with `dimensions = [\"…\", …]`")
        let noValue = #expect(throws: InputError.self) {
            try SDMXCSVFormat(settings: settings(["time_column": "DIM_3"])).read(try fixture("sdmx-csv2-example-02.csv"), into: &builder)
        }
        #expect(noValue?.reason.hasPrefix("no OBS_VALUE column; set `value_column` to the measure to read (candidates: OBS_VALUE1, OBS_VALUE2)") == true)
    }

    // MARK: Versions and layouts

    @Test func sdmxCSV1UsesTheDataflowColumn() throws {
        let payload = try read("""
            DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,TIME_PERIOD,OBS_VALUE,OBS_STATUS
            ECB:EXR(1.0),M,USD,EUR,2018-01,1.2200,A
            ECB:EXR(1.0),M,USD,EUR,2018-02,1.2348,A
            ECB:EXR(1.0),Q,JPY,EUR,2018-Q1,133.17,A

            """)
        #expect(payload.lines == ["EXR.M.USD.EUR 2018-01 1.2200", "EXR.M.USD.EUR 2018-02 1.2348", "EXR.Q.JPY.EUR 2018-Q1 133.17"])
    }

    @Test func semicolonSeparatorBOMAndCRLF() throws {
        let text = "\u{FEFF}STRUCTURE;STRUCTURE_ID;ACTION;FREQ;REF_AREA;TIME_PERIOD;OBS_VALUE;OBS_STATUS\r\n"
            + "dataflow;IMF:IFS(1.0);I;A;KZ;2019;19.885;A\r\n"
            + "dataflow;IMF:IFS(1.0);;A;KZ;2020;;M\r\n"
            + "dataflow;IMF:IFS(1.0);I;A;KZ;2021;NaN;M\r\n"
        let payload = try read(text)
        #expect(payload.lines == ["IFS.A.KZ 2019 19.885", "IFS.A.KZ 2020 -", "IFS.A.KZ 2021 -"])
    }

    @Test func quotedFieldsWithSeparatorsQuotesAndNewlines() throws {
        let payload = try read("""
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE,COMMENT
            dataflow,"ESTAT:NA_MAIN(1.6.0)",I,"A","KZ",2018,"1.5","said ""so"", twice"
            dataflow,ESTAT:NA_MAIN(1.6.0),I,A,KZ,2019,2.5,"two
            lines"
            dataflow,ESTAT:NA_MAIN(1.6.0),I,A,KZ,2020,x,
            """.replacingOccurrences(of: "x,", with: "3.5,"))
        #expect(payload.lines == ["NA_MAIN.A.KZ 2018 1.5", "NA_MAIN.A.KZ 2019 2.5", "NA_MAIN.A.KZ 2020 3.5"])
        #expect(payload.series[0].ordinals == [2, 3, 5])
    }

    @Test func labelsBothAreReducedToIDs() throws {
        let payload = try read("""
            STRUCTURE[|];STRUCTURE_ID;ACTION;SERIES_KEY;DIM_1: Dimension 1;DIM_2: Dimension 2;TIME_PERIOD: Time;OBS_VALUE: Observation value;ATTR_1: Attribut 1
            dataflow;ESTAT:NA_MAIN(1.6.0): Principaux agrégats;I;A.B;A: Value A;B: Value B;2014-01: janvier 2014;12.4;N: Non
            dataflow;ESTAT:NA_MAIN(1.6.0): Principaux agrégats;I;A.B;A: Value A;B: Value B: with colon;2014-02;10.8;Y: Oui
            """)
        #expect(payload.lines == ["NA_MAIN.A.B 2014-01 12.4", "NA_MAIN.A.B 2014-02 10.8"])
    }

    @Test func labelsNameColumnsAreSkipped() throws {
        let payload = try read("""
            STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,DIM_1,Dimension 1,DIM_2,Dimension 2,TIME_PERIOD,Time,OBS_VALUE,Observation value,ATTR_1,Attribute 1
            dataflow,ESTAT:NA_MAIN(1.6.0),National Accounts,I,A,Value A,B,Value B,2014-01,2014-01,12.4,,Y,Yes
            """)
        #expect(payload.lines == ["NA_MAIN.A.B 2014-01 12.4"])
    }

    @Test func multiValuedAndListedAttributesAreNotDimensions() throws {
        let text = """
            STRUCTURE[;],STRUCTURE_ID,ACTION,FREQ,NOTES[],REF_AREA,UNIT,TIME_PERIOD,OBS_VALUE
            dataflow,BRI:TRADE(1.0),I,A,x;y,KZ,USD,2018,19.885
            """
        #expect(try read(text).lines == ["TRADE.A.KZ.USD 2018 19.885"])
        #expect(try read(text, ["attributes": ["UNIT"]]).lines == ["TRADE.A.KZ 2018 19.885"])
    }

    @Test func prefixSeparatorAndTemplate() throws {
        let text = """
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE
            dataflow,BRI:TRADE(1.0),I,A,KZ,2018,1
            dataStructure,BRI:DSD_TRADE(2.0),I,A,KZ,2018,2
            dataProvision,urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=BRI:PA_TRADE(1.0),I,A,KZ,2018,3
            """
        #expect(try read(text).lines == ["TRADE.A.KZ 2018 1", "DSD_TRADE.A.KZ 2018 2", "PA_TRADE.A.KZ 2018 3"])
        #expect(try read(text.replacingOccurrences(of: ",2018,2", with: ",2019,2").replacingOccurrences(of: ",2018,3", with: ",2020,3"),
                         ["series_prefix": "", "separator": "_"]).lines == ["A_KZ 2018 1", "A_KZ 2019 2", "A_KZ 2020 3"])
        #expect(try read(text.replacingOccurrences(of: ",2018,2", with: ",2019,2").replacingOccurrences(of: ",2018,3", with: ",2020,3"),
                         series: "bri.{REF_AREA}.{FREQ}").lines == ["bri.KZ.A 2018 1", "bri.KZ.A 2019 2", "bri.KZ.A 2020 3"])
        let one = text.split(separator: "\n").prefix(2).joined(separator: "\n")
        #expect(try read(one, ["series_prefix": "cn-kz"]).lines == ["cn-kz.A.KZ 2018 1"])
    }

    // MARK: Actions

    @Test func actionsStoreAppendAndDelete() throws {
        let payload = try read("""
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS
            dataflow,BRI:TRADE(1.0),I,A,KZ,2015,1.0,A
            dataflow,BRI:TRADE(1.0),R,A,KZ,2016,,M
            dataflow,BRI:TRADE(1.0),A,A,KZ,2017,,E
            dataflow,BRI:TRADE(1.0),A,A,KZ,2018,4.0,
            dataflow,BRI:TRADE(1.0),D,A,KZ,2019,,
            dataflow,BRI:TRADE(1.0),D,A,KZ,2020,-,
            dataflow,BRI:TRADE(1.0),D,A,KZ,2021,,-
            dataflow,BRI:TRADE(1.0),I,,,,,
            """)
        #expect(payload.lines == ["TRADE.A.KZ 2015 1.0", "TRADE.A.KZ 2016 -", "TRADE.A.KZ 2018 4.0",
                                  "TRADE.A.KZ 2019 DELETE", "TRADE.A.KZ 2020 DELETE"])
        #expect(payload.series[0].deletedOrdinals == [6, 7])
    }

    @Test func wildcardDeletionsAndUnknownActionsAreRefused() {
        let header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
        let wildcard = error(header + "dataflow,BRI:TRADE(1.0),I,A,KZ,2015,1\ndataflow,BRI:TRADE(1.0),D,A,,2015,\n")
        #expect(wildcard == InputError(origin: "data.csv", place: .line(3), reason: "ACTION=D with an empty REF_AREA (a wildcard deletion) is not supported; list each observation to delete"))
        let noPeriod = error(header + "dataflow,BRI:TRADE(1.0),D,A,KZ,,\n")
        #expect(noPeriod?.reason == "ACTION=D with an empty TIME_PERIOD (a wildcard deletion) is not supported; list each observation to delete")
        let unknown = error(header + "dataflow,BRI:TRADE(1.0),X,A,KZ,2015,1\n")
        #expect(unknown == InputError(origin: "data.csv", place: .line(2), reason: "unknown ACTION \"X\" (expected I, A, R or D)"))
    }

    @Test func deletingAndStoringTheSamePeriodIsADuplicate() {
        let e = error("""
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE
            dataflow,BRI:TRADE(1.0),I,A,2015,1
            dataflow,BRI:TRADE(1.0),D,A,2015,
            """)
        #expect(e?.description == "data.csv line 3: duplicate observation for series TRADE.A, period 2015 (first at line 2)")
    }

    // MARK: Broken files

    @Test func headersThatAreNotSDMXCSV() {
        #expect(error("series,period,value\nx,2018,1\n")?.reason.hasPrefix("not an SDMX-CSV header: the first column must be DATAFLOW (SDMX-CSV 1.0) or STRUCTURE (2.0), found \"series\"") == true)
        #expect(error("STRUCTURE,ACTION,FREQ,TIME_PERIOD,OBS_VALUE\n") == InputError(origin: "data.csv", place: .line(1), reason: "SDMX-CSV 2.0 header without a STRUCTURE_ID column"))
        #expect(error("")?.reason.hasPrefix("empty payload") == true)
    }

    @Test func missingColumnsAreNamed() {
        let header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE\ndataflow,A:B(1.0),I,A,2018,1\n"
        #expect(error(header, ["dimensions": ["FREQ", "REF_AREA"]])?.reason == "no column REF_AREA (listed in `dimensions`); the columns are STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE")
        #expect(error(header, ["time_column": "DATE"])?.reason == "no column DATE (set by `time_column`); the columns are STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE")
        #expect(error(header, ["value_column": "OBS_VALUE2"])?.reason == "no column OBS_VALUE2 (set by `value_column`); the columns are STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE")
        #expect(error(header, series: "x.{REF_AREA}")?.reason == "the `series` template names {REF_AREA} but there is no such column; the columns are STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE")
        #expect(error("STRUCTURE,STRUCTURE_ID,TIME_PERIOD,OBS_VALUE\ndataflow,A:B(1.0),2018,1\n", ["series_prefix": ""])?.reason.hasPrefix("no dimension columns before the time column TIME_PERIOD") == true)
    }

    @Test func wrongFieldCountsNameTheLine() {
        let e = error("""
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE
            dataflow,A:B(1.0),I,A,2018,1
            dataflow,A:B(1.0),I,A,2019,1,extra
            """)
        #expect(e == InputError(origin: "data.csv", place: .line(3), reason: "expected 6 fields as in the header (line 1), found 7"))
        let quote = error("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE\ndataflow,A:B(1.0),I,\"A,2018,1\n")
        #expect(quote == InputError(origin: "data.csv", place: .line(2), reason: "a quoted field is not closed"))
    }

    @Test func badCellsNameTheLine() {
        let header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
        #expect(error(header + "dataflow,A:B(1.0),I,A,,2018,1\n") == InputError(origin: "data.csv", place: .line(2), reason: "dimension REF_AREA is empty"))
        #expect(error(header + "dataflow,A:B(1.0),I,A,KZ,,1\n") == InputError(origin: "data.csv", place: .line(2), reason: "empty period in TIME_PERIOD"))
        #expect(error(header + "dataflow,A:B(1.0),I,A,KZ,2018,\"12,4\"\n")?.place == .line(2))
        #expect(error(header + "dataflow,A:B(1.0),I,A,KZ,2018-13,1\n")?.place == .line(2))
        #expect(error(header + "dataflow,A:B(1.0),I,A,K Z,2018,1\n")?.reason.contains("a space") == true)
        #expect(error(header + "flow,A:B(1.0),I,A,KZ,2018,1\n") == InputError(origin: "data.csv", place: .line(2), reason: "unknown STRUCTURE \"flow\" (expected dataflow, dataStructure or dataProvision)"))
        #expect(error(header + "dataflow,A:(1.0),I,A,KZ,2018,1\n")?.reason == "cannot make a series-key prefix from the structure \"A:(1.0)\"; set `series_prefix` (\"\" for no prefix)")
    }

    @Test func zeroObservationsSayWhy() {
        let header = "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE,ATTR\n"
        #expect(error(header) == InputError(origin: "data.csv", place: nil, reason: "no observations found: the file has a header but no data rows"))
        #expect(error(header + "dataflow,A:B(1.0),I,A,,,X\ndataflow,A:B(1.0),A,A,2018,,X\n")
                == InputError(origin: "data.csv", place: nil, reason: "no observations found in 2 rows (each had an empty TIME_PERIOD or was skipped by its ACTION) — check `time_column`/`value_column`"))
    }

    // MARK: Settings

    @Test func settingsThatMakeNoSense() {
        func problem(series: String? = nil, _ options: [String: Any]) -> FormatSettingsError? {
            #expect(throws: FormatSettingsError.self) { try SDMXCSVFormat(settings: settings(series: series, options)) }
        }
        #expect(problem(series: "{FREQ}", ["dimensions": ["FREQ"]])?.key == "dimensions")
        #expect(problem(series: "{FREQ}", ["series_prefix": "x"])?.key == "series_prefix")
        #expect(problem(series: "{FREQ", [:]) == FormatSettingsError(key: "series", message: "unclosed `{` in \"{FREQ\""))
        #expect(problem(series: "a b.{FREQ}", [:])?.key == "series")
        #expect(problem(series: "fixed", [:])?.key == "series")
        #expect(problem(["separator": " "])?.key == "separator")
        #expect(problem(["separator": ""])?.key == "separator")
        #expect(problem(["series_prefix": "a b"])?.key == "series_prefix")
        #expect(problem(["dimensions": ["A", "A"]]) == FormatSettingsError(key: "dimensions", message: "names A twice"))
        #expect(problem(["dimensions": ["A"], "attributes": ["A"]])?.key == "attributes")
        #expect(problem(["time_column": "X", "value_column": "X"])?.key == "time_column")
        #expect(problem(["time_column": "DIM_3", "dimensions": ["DIM_3"]])?.key == "dimensions")
    }

    @Test func isRegistered() throws {
        #expect(Formats.catalog["sdmx-csv"] == ["series_prefix": .string, "separator": .string, "dimensions": .stringArray,
                                                "attributes": .stringArray, "time_column": .string, "value_column": .string,
                                                "decimal": .string, "thousands": .string, "encoding": .string])
        let reader = try Formats.reader(format: "sdmx-csv", settings: settings(["time_column": "DIM_3"])).get()
        var builder = PayloadBuilder(origin: "x", ordinalKind: .line) { _ in nil }
        try reader.read(try fixture("sdmx-csv2-example-01.csv"), into: &builder)
        #expect(try builder.finish().observationCount == 2)
    }
}
