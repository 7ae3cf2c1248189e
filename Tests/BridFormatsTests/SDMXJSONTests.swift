import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct SDMXJSONTests {
    @Test func readsTheSDMXJSON2ExchangeRates() throws {
        let payload = try JSONTest.read(SDMXJSON.self, try JSONTest.fixture("sdmxjson2-exr-time-series.json"))
        // Data-set-level FREQ, CURRENCY_DENOM, EXR_TYPE, EXR_SUFFIX merged with the
        // series-level CURRENCY by keyPosition; TIME_PERIOD (keyPosition 5) is the period.
        #expect(payload.series.map(\.key) == ["EXR.D.NZD.EUR.SP00.A", "EXR.D.RUB.EUR.SP00.A"])
        #expect(payload.series.map(\.frequency) == [.daily, .daily])
        #expect(payload.table == [
            "EXR.D.NZD.EUR.SP00.A": ["2013-01-18=1.5931", "2013-01-21=1.5925"],
            // [40.3, 0, 1] has one element more than declared: tolerated.
            "EXR.D.RUB.EUR.SP00.A": ["2013-01-18=40.3426", "2013-01-21=40.3"],
        ])
        #expect(payload.series.map(\.ordinals) == [[0, 1], [2, 3]])
        #expect(payload.publishedAt == Timestamp.parse("2018-03-11T14:30:47Z"))
    }

    @Test func prefixSeparatorAndTemplate() throws {
        let bytes = try JSONTest.fixture("sdmxjson2-exr-time-series.json")
        #expect(try JSONTest.read(SDMXJSON.self, bytes, options: ["series_prefix": .string("")]).series.map(\.key)
                == ["D.NZD.EUR.SP00.A", "D.RUB.EUR.SP00.A"])
        #expect(try JSONTest.read(SDMXJSON.self, bytes, options: ["series_prefix": .string("ECB:EXR"), "separator": .string("_")]).series.map(\.key)
                == ["ECB:EXR_D_NZD_EUR_SP00_A", "ECB:EXR_D_RUB_EUR_SP00_A"])
        #expect(try JSONTest.read(SDMXJSON.self, bytes, series: "fx.{CURRENCY}{CURRENCY_DENOM}.{FREQ}").series.map(\.key)
                == ["fx.NZDEUR.D", "fx.RUBEUR.D"])
        #expect(try JSONTest.error(SDMXJSON.self, String(decoding: bytes, as: UTF8.self), series: "fx.{REF_AREA}")
                == "test.json at /data/structures/0/dimensions: the series template \"fx.{REF_AREA}\" names {REF_AREA}, which is not a dimension (dimensions: FREQ, CURRENCY_DENOM, EXR_TYPE, EXR_SUFFIX, CURRENCY, TIME_PERIOD)")
        #expect(try JSONTest.error(SDMXJSON.self, String(decoding: bytes, as: UTF8.self), series: "fx.{TIME_PERIOD}")
                == "test.json at /data/structures/0/dimensions: the series template \"fx.{TIME_PERIOD}\" names {TIME_PERIOD}, which is the time dimension (dimensions: FREQ, CURRENCY_DENOM, EXR_TYPE, EXR_SUFFIX, CURRENCY, TIME_PERIOD)")
    }

    @Test func theOECDFlatMessageHasNoTimeDimension() throws {
        let bytes = try JSONTest.fixture("oecd-sdmx-json1-part2.json")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(try JSONTest.error(SDMXJSON.self, text)
                == "test.json at /structure/dimensions: no time dimension: no dimension is TIME_PERIOD or has the time role (dimensions: LOCATION, IND, PER, GRD, FLD, MSR); set `time_dimension` to the dimension that holds the period, or `fixed_period` to the period of the whole message")
        // PER is the closest thing to time (initial/final year, change), but its values are not periods.
        #expect(try JSONTest.error(SDMXJSON.self, text, options: ["time_dimension": .string("PER")])
                == "test.json at /dataSets/0/observations/0:0:0:0:0:0: period \"INI\" is not a period (expected e.g. 2018, 2018-Q1, 2018-03, 2018-W05 or 2018-03-15) for series PART2.AUS.5CLAT.FOG.MAT.MN")
        #expect(try JSONTest.error(SDMXJSON.self, text, options: ["time_dimension": .string("YEAR")])
                == "test.json at /structure/dimensions: `time_dimension` is \"YEAR\" but the structure has no such dimension (its dimensions: LOCATION, IND, PER, GRD, FLD, MSR)")
    }

    @Test func readsTheOECDFlatMessageWithAFixedPeriod() throws {
        let payload = try JSONTest.read(SDMXJSON.self, try JSONTest.fixture("oecd-sdmx-json1-part2.json"), options: ["fixed_period": .string("2011")])
        #expect(payload.table == [
            "PART2.AUS.5CLAT.INI.FOG.MAT.MN": ["2011=11.963615756565"],
            "PART2.HUN.5CLAT.CHG.FOG.MAT.MN": ["2011=-2.13889095389401"],
            "PART2.HUN.5CLAT.INI.FOG.MAT.SE": ["2011=0.840296698679152"],
            "PART2.NZL.5CLAT.CHG.FOG.MAT.MN": ["2011=-2.45141648554599"],
            "PART2.NZL.5CLAT.INI.FOG.MAT.SE": ["2011=0.473064243412171"],
            "PART2.NOR.5CLAT.CHG.FOG.MAT.MN": ["2011=1.35138670313075"],
            "PART2.OME.17CCL.CHJ.ZZZ.ZZZ.IND": ["2011=22.0969285714286"],
        ])
        #expect(payload.series.map(\.key).first == "PART2.AUS.5CLAT.INI.FOG.MAT.MN")
        #expect(payload.publishedAt == Timestamp.parse("2021-06-19T14:06:41.689336Z"))
    }

    // MARK: Hand-made messages

    /// A message with dimensions given as (id, keyPosition, values, extra JSON) per level.
    func message(version: Int = 2, dataSet: [String] = [], series: [String] = [], observation: [String], dataSets: String, extraStructure: String = "") -> String {
        let dims = #""dimensions":{"dataSet":[\#(dataSet.joined(separator: ","))],"series":[\#(series.joined(separator: ","))],"observation":[\#(observation.joined(separator: ","))]}"#
        let structure = #"{"links":[{"rel":"dataflow","urn":"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=IMF:DOT(1.0)"}],\#(dims)\#(extraStructure)}"#
        switch version {
        case 1: return #"{"header":{"prepared":"2024-05-01T00:00:00Z"},"dataSets":\#(dataSets),"structure":\#(structure)}"#
        case 20: return #"{"meta":{"prepared":"2024-05-01"},"data":{"structure":\#(structure),"dataSets":\#(dataSets)}}"#
        default: return #"{"meta":{"prepared":"2024-05-01"},"data":{"structures":[\#(structure)],"dataSets":\#(dataSets)}}"#
        }
    }

    func dim(_ id: String, _ position: Int?, _ values: [String], extra: String = "") -> String {
        let pos = position.map { #","keyPosition":\#($0)"# } ?? ""
        return #"{"id":"\#(id)"\#(pos),"values":[\#(values.map { #"{"id":"\#($0)"}"# }.joined(separator: ","))]\#(extra)}"#
    }

    let time = #"{"id":"TIME_PERIOD","keyPosition":3,"values":[{"id":"2018"},{"id":"2019"},{"id":"2020"}]}"#

    @Test func mergesDataSetLevelDimensionsByKeyPosition() throws {
        for version in [1, 20, 2] {
            let text = message(version: version, dataSet: [dim("FREQ", 0, ["A"]), dim("INDICATOR", 2, ["TXG"])], series: [dim("REF_AREA", 1, ["KZ", "CN"])],
                               observation: [time], dataSets: #"[{"series":{"1":{"observations":{"2":[5.5],"0":["4.25",null]}},"0":{"observations":{"1":[null]}}}}]"#)
            let payload = try JSONTest.read(SDMXJSON.self, text)
            #expect(payload.table == ["DOT.A.CN.TXG": ["2018=4.25", "2020=5.5"], "DOT.A.KZ.TXG": ["2019=nil"]], "version \(version)")
            #expect(payload.publishedAt != nil)
        }
    }

    @Test func readsFlatObservationsWithEveryDimension() throws {
        let text = message(observation: [dim("REF_AREA", 0, ["KZ", "CN"]), time, dim("INDICATOR", 1, ["X", "M"])],
                           dataSets: #"[{"action":"Information","observations":{"0:0:0":[1],"0:1:0":[2],"1:2:1":[3e2,0,0,"extra"],"1:0:1":[-0.0]}}]"#)
        let payload = try JSONTest.read(SDMXJSON.self, text)
        #expect(payload.table == ["DOT.KZ.X": ["2018=1", "2019=2"], "DOT.CN.M": ["2018=-0.0", "2020=3e2"]])
    }

    @Test func timeMayBeAtSeriesLevel() throws {
        // dimensionAtObservation = REF_AREA: the period is fixed per series, the key varies per observation.
        let text = message(series: [time], observation: [dim("REF_AREA", 0, ["KZ", "CN"])],
                           dataSets: #"[{"series":{"0":{"observations":{"0":[1],"1":[2]}},"2":{"observations":{"1":[3]}}}}]"#)
        #expect(try JSONTest.read(SDMXJSON.self, text).table == ["DOT.KZ": ["2018=1"], "DOT.CN": ["2018=2", "2020=3"]])
    }

    @Test func withoutKeyPositionsTheArraysOrderDecides() throws {
        let text = message(dataSet: [dim("FREQ", nil, ["M"])], series: [dim("REF_AREA", nil, ["KZ"]), dim("FLOW", nil, ["X"])],
                           observation: [#"{"id":"TIME","role":"time","values":[{"id":"2018-01"},{"id":"2018-02"}]}"#],
                           dataSets: #"[{"series":{"0:0":{"observations":{"0":[1],"1":[2]}}}}]"#)
        #expect(try JSONTest.read(SDMXJSON.self, text).table == ["DOT.M.KZ.X": ["2018-01=1", "2018-02=2"]])
    }

    @Test func valuesMayHaveValueInsteadOfId() throws {
        let text = message(series: [#"{"id":"REF_AREA","keyPosition":0,"values":[{"value":"KZ","name":"Kazakhstan"}]}"#], observation: [time],
                           dataSets: #"[{"series":{"0":{"observations":{"0":[1]}}}}]"#)
        #expect(try JSONTest.read(SDMXJSON.self, text).table == ["DOT.KZ": ["2018=1"]])
    }

    @Test func picksTheStructureOfEachDataSet() throws {
        let s0 = #"{"links":[{"rel":"dataflow","urn":"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)"}],"dimensions":{"series":[\#(dim("CURRENCY", 0, ["USD"]))],"observation":[\#(time)]}}"#
        let s1 = #"{"id":"DOT","dimensions":{"series":[\#(dim("REF_AREA", 0, ["KZ"]))],"observation":[\#(time)]}}"#
        let text = #"{"data":{"structures":[\#(s0),\#(s1)],"dataSets":[{"structure":1,"series":{"0":{"observations":{"0":[7]}}}},{"structure":0,"series":{"0":{"observations":{"0":[8]}}}}]}}"#
        #expect(try JSONTest.read(SDMXJSON.self, text).table == ["DOT.KZ": ["2018=7"], "EXR.USD": ["2018=8"]])
        let bad = #"{"data":{"structures":[\#(s0)],"dataSets":[{"structure":3,"series":{}}]}}"#
        #expect(try JSONTest.error(SDMXJSON.self, bad) == "test.json at /data/dataSets/0/structure: structure index 3 does not name one of the 1 structures")
    }

    @Test func aDeleteDataSetDeletes() throws {
        let text = message(series: [dim("REF_AREA", 0, ["KZ"])], observation: [time],
                           dataSets: #"[{"action":"Delete","series":{"0":{"observations":{"1":[]}}}}]"#)
        #expect(try JSONTest.error(SDMXJSON.self, text) == "test.json at /data/dataSets/0/series/0/observations/1: an observation must be [value, attribute…], found an empty array")
        let deletion = message(series: [dim("REF_AREA", 0, ["KZ"])], observation: [time],
                               dataSets: #"[{"action":"Delete","series":{"0":{"observations":{"1":[null]}}}}]"#)
        let payload = try JSONTest.read(SDMXJSON.self, deletion)
        #expect(payload.series[0].deletedPeriods == ["2019"])
        #expect(payload.series[0].periods == [])
    }

    @Test func errorsNameThePointer() throws {
        func read(_ dataSets: String) throws -> String? {
            try JSONTest.error(SDMXJSON.self, message(dataSet: [dim("FREQ", 0, ["A"])], series: [dim("REF_AREA", 1, ["KZ", "CN"]), dim("FLOW", 2, ["X"])], observation: [time], dataSets: dataSets))
        }
        #expect(try read(#"[{"series":{"0:0":{"observations":{"3":[1]}}}}]"#)
                == "test.json at /data/dataSets/0/series/0:0/observations/3: position 1 of the key \"3\" is 3, but dimension TIME_PERIOD has 3 values")
        #expect(try read(#"[{"series":{"0:2":{"observations":{"0":[1]}}}}]"#)
                == "test.json at /data/dataSets/0/series/0:2: position 2 of the key \"0:2\" is 2, but dimension FLOW has 1 value")
        #expect(try read(#"[{"series":{"0":{"observations":{"0":[1]}}}}]"#)
                == "test.json at /data/dataSets/0/series/0: the key \"0\" does not match the 2 series-level dimensions (REF_AREA:FLOW): expected 2 indexes separated by ':'")
        #expect(try read(#"[{"series":{"0:a":{"observations":{"0":[1]}}}}]"#)
                == "test.json at /data/dataSets/0/series/0:a: the key \"0:a\" does not match the 2 series-level dimensions (REF_AREA:FLOW): expected 2 indexes separated by ':'")
        #expect(try read(#"[{"series":{"1:0":{"observations":{"0":[true]}}}}]"#)
                == "test.json at /data/dataSets/0/series/1:0/observations/0/0: the observation value must be a number, a string or null, found a boolean")
        #expect(try read(#"[{"series":{"1:0":{"observations":{"0":{"value":1}}}}}]"#)
                == "test.json at /data/dataSets/0/series/1:0/observations/0: an observation must be [value, attribute…], found an object")
        #expect(try read(#"[{"series":{"1:0":{"observations":{"0":["n/a"]}}}}]"#)
                == "test.json at /data/dataSets/0/series/1:0/observations/0: value \"n/a\" is not a number (series DOT.A.CN.X, period 2018)")
        // The same observation key twice is refused by the JSON parser, before any reading.
        #expect(try read(#"[{"series":{"1:0":{"observations":{"0":[1],"0":[2]}}}}]"#)?.hasPrefix(
                "test.json at /data/dataSets/0/series/1:0/observations/0: duplicate member name \"0\" in one object") == true)
        #expect(try read(#"[{"series":{}}]"#)
                == "test.json: no observations found — the data sets have no series or observations (an empty query result?)")
        #expect(try read(#"[{"series":[]}]"#)
                == "test.json at /data/dataSets/0/series: expected the series as an object keyed \"0:1:0\", found an array")
    }

    @Test func messageLevelErrors() throws {
        #expect(try JSONTest.error(SDMXJSON.self, #"{"meta":{},"errors":[{"code":404,"title":"No Results Found","detail":"No data for the query"}]}"#)
                == "test.json: the SDMX service returned an error: 404 No Results Found No data for the query")
        #expect(try JSONTest.error(SDMXJSON.self, #"{"data":{"dataSets":[]}}"#)
                == "test.json: the message has no structure (expected \"structure\" in SDMX-JSON 1.0, \"data.structures\" in 2.x)")
        #expect(try JSONTest.error(SDMXJSON.self, #"{"meta":{}}"#)
                == "test.json: no observations found — the message has no dataSets array (it has \"meta\"); is this an SDMX-JSON data message?")
        let noFlow = #"{"data":{"structures":[{"dimensions":{"observation":[\#(time)]}}],"dataSets":[{"observations":{"0":[1]}}]}}"#
        #expect(try JSONTest.error(SDMXJSON.self, noFlow)
                == "test.json at /data/structures/0: cannot tell the dataflow id from the structure (no id, no dataflow link): set `series_prefix` (\"\" for none)")
        #expect(try JSONTest.read(SDMXJSON.self, noFlow, options: ["series_prefix": .string("kz")]).table == ["kz": ["2018=1"]])
        #expect(try JSONTest.error(SDMXJSON.self, "{\"data\":{\n\t\"dataSets\": [}\n}")
                == "test.json: invalid JSON at line 2, column 15: expected a value")
        #expect(try JSONTest.error(SDMXJSON.self, message(observation: [time], dataSets: "[]", extraStructure: ""), options: ["fixed_period": .string("2018")])
                == "test.json: no observations found — the data sets have no series or observations (an empty query result?)")
        #expect(try JSONTest.error(SDMXJSON.self, message(observation: [time], dataSets: #"[{"observations":{"0":[1]}}]"#), options: ["fixed_period": .string("2018")])
                == "test.json at /data/structures/0/dimensions: `fixed_period` is for messages without a time dimension, but this one has TIME_PERIOD")
    }

    @Test func settings() {
        #expect(JSONTest.settingsError(SDMXJSON.self, series: "{A}", options: ["series_prefix": .string("x")])
                == FormatSettingsError(key: "series_prefix", message: "does not apply when `series` gives a key template"))
        #expect(JSONTest.settingsError(SDMXJSON.self, options: ["separator": .string(" ")])?.key == "separator")
        #expect(JSONTest.settingsError(SDMXJSON.self, options: ["series_prefix": .string("a b")])?.key == "series_prefix")
        #expect(JSONTest.settingsError(SDMXJSON.self, options: ["fixed_period": .string("someday")])?.key == "fixed_period")
        #expect(JSONTest.settingsError(SDMXJSON.self, options: ["fixed_period": .string("2018"), "time_dimension": .string("PER")])?.key == "fixed_period")
        #expect(JSONTest.settingsError(SDMXJSON.self, series: "{A") != nil)
        #expect(JSONTest.settingsError(SDMXJSON.self) == nil)
    }

    @Test func sdmxKeys() throws {
        let doc = try JSONDocument(parsing: Array(#"{"0:12:3": 1, "": 2, "7": 3, "1::2": 4, "\u0031:2": 5}"#.utf8))
        let names = doc.members(doc.root).map(\.name)
        var indices: [Int] = []
        #expect(doc.sdmxKey(names[0], count: 3, into: &indices) && indices == [0, 12, 3])
        #expect(doc.sdmxKey(names[1], count: 0, into: &indices) && indices == [])
        #expect(doc.sdmxKey(names[2], count: 1, into: &indices) && indices == [7])
        #expect(!doc.sdmxKey(names[2], count: 2, into: &indices))
        #expect(!doc.sdmxKey(names[3], count: 3, into: &indices))
        #expect(doc.sdmxKey(names[4], count: 2, into: &indices) && indices == [1, 2])
    }
}
