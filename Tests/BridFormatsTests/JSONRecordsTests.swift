import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct JSONRecordsTests {
    let comtrade: [String: FormatOption] = ["records": .string("/data"), "period": .string("period"), "value": .string("primaryValue")]
    let comtradeKey = "comtrade.{reporterISO}.{partnerISO}.{flowCode}.{cmdCode}"

    @Test func readsUNComtradeWithAConfigAlone() throws {
        let payload = try JSONTest.read(JSONRecords.self, try JSONTest.fixture("comtrade-v1-chn.json"), series: comtradeKey, options: comtrade)
        #expect(payload.series.map(\.key) == ["comtrade.CHN.ARG.M.TOTAL", "comtrade.CHN.DEU.M.TOTAL", "comtrade.CHN.ARG.X.TOTAL", "comtrade.CHN.DEU.X.TOTAL"])
        #expect(payload.series.map(\.frequency) == [.annual, .annual, .annual, .annual])
        #expect(payload.series.map(\.periods) == [["2010"], ["2010"], ["2010"], ["2010"]])
        // The exact lexemes, ".0" included: nothing went through Double.
        #expect(payload.series.map(\.values) == [["6804128143.0"], ["74251272075.0"], ["6115764185.0"], ["68047133397.0"]])
        #expect(payload.series.map(\.ordinals) == [[0], [1], [2], [3]])
        #expect(payload.publishedAt == nil)
    }

    @Test func theFixtureIsUsableThroughTheRegistry() throws {
        let reader = try Formats.reader(format: "json", settings: FormatSettings(seriesTemplate: comtradeKey, options: comtrade)).get()
        var builder = PayloadBuilder(origin: "c.json", ordinalKind: .record) { _ in nil }
        try reader.read(try JSONTest.fixture("comtrade-v1-chn.json"), into: &builder)
        #expect(try builder.finish().observationCount == 4)
        #expect(Formats.catalog["json"]?["records"] == .string)
    }

    @Test func aSeriesFieldNamesAndUnitsAndARootArray() throws {
        let payload = try JSONTest.read(JSONRecords.self, """
            [{"key": "kz.exports", "period": "2018Q1", "value": 19.885, "name": "Kazakh exports", "unit": "USD bn"},
             {"key": "kz.exports", "period": "2018-Q2", "value": "20.10"},
             {"key": "kz.exports", "period": "2018Q3", "value": null},
             {"key": "kz.trains", "period": 2018, "value": 1e3}]
            """, options: ["series_field": .string("key"), "name_field": .string("name"), "unit_field": .string("unit")])
        #expect(payload.table == ["kz.exports": ["2018-Q1=19.885", "2018-Q2=20.10", "2018-Q3=nil"], "kz.trains": ["2018=1e3"]])
        #expect(payload.series[0].name == "Kazakh exports")
        #expect(payload.series[0].unit == "USD bn")
        #expect(payload.series[1].name == nil)
    }

    @Test func fieldsMayBePointersIntoTheRecord() throws {
        let payload = try JSONTest.read(JSONRecords.self, """
            {"meta": {"updated": "2024-05-01T06:00:00Z"}, "rows": {"items": [
              {"id": {"code": "kz"}, "t": {"p": "2018-03"}, "v": [7]},
              {"id": {"code": "cn"}, "t": {"p": "2018-03"}, "v": [8]}]}}
            """, series: "x.{/id/code}", options: ["records": .string("/rows/items"), "period": .string("/t/p"), "value": .string("/v/0"), "published_at": .string("/meta/updated")])
        #expect(payload.table == ["x.kz": ["2018-03=7"], "x.cn": ["2018-03=8"]])
        #expect(payload.publishedAt == Timestamp.parse("2024-05-01T06:00:00Z"))
    }

    @Test func bigNumbersKeepTheirText() throws {
        let payload = try JSONTest.read(JSONRecords.self, #"[{"s": "a", "period": "2018", "value": 123456789012345678901234567890.000000001}, {"s": "a", "period": "2019", "value": -0.0000000000000000000001}]"#, series: "{s}")
        #expect(payload.series[0].values == ["123456789012345678901234567890.000000001", "-0.0000000000000000000001"])
    }

    @Test func aTemplateNamingAnAbsentOrNullFieldNamesTheRecord() throws {
        let text = #"{"data": [{"a": "x", "period": "2018", "value": 1}, {"period": "2019", "value": 2}]}"#
        #expect(try JSONTest.error(JSONRecords.self, text, series: "k.{a}", options: ["records": .string("/data")])
                == "test.json at /data/1: the record has no field \"a\" (the series template placeholder {a})")
        let null = #"{"data": [{"a": null, "period": "2019", "value": 2}]}"#
        #expect(try JSONTest.error(JSONRecords.self, null, series: "k.{a}", options: ["records": .string("/data")])
                == "test.json at /data/0/a: the series template placeholder {a} field \"a\" must be a string or a number, found null")
    }

    @Test func numbersFillTemplatesWithTheirText() throws {
        let payload = try JSONTest.read(JSONRecords.self, #"[{"reporterCode": 156, "partnerCode": 0, "period": "2010", "value": 1}]"#, series: "ct.{reporterCode}.{partnerCode}")
        #expect(payload.series.map(\.key) == ["ct.156.0"])
    }

    @Test func wrongTypesAndMissingFieldsAreErrors() throws {
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "period": "2018", "value": true}]"#, series: "{s}")
                == "test.json at /0/value: the value must be a number, a string or null, found a boolean")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "period": "2018"}]"#, series: "{s}")
                == "test.json at /0: the record has no field \"value\" (the value; use null for no value)")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "value": 1}]"#, series: "{s}")
                == "test.json at /0: the record has no field \"period\" (the period)")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "period": ["2018"], "value": 1}]"#, series: "{s}")
                == "test.json at /0/period: the period field \"period\" must be a string or a number, found an array")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "period": "2018", "value": 1}, 7]"#, series: "{s}")
                == "test.json at /1: expected a record (an object), found a number")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "period": "2018", "value": "1,5"}]"#, series: "{s}")
                == "test.json at /0: value \"1,5\" is not a plain decimal number (thousands separators and decimal commas are not accepted; write 2388 or 19.885) (series a, period 2018)")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a b", "period": "2018", "value": 1}]"#, series: "{s}")
                == "test.json at /0: series key \"a b\" contains a space; use letters, digits and . _ - : / @ +")
        #expect(try JSONTest.error(JSONRecords.self, #"[{"s": "a", "period": "2018", "value": 1}, {"s": "a", "period": "2018", "value": 2}]"#, series: "{s}")
                == "test.json record 1: duplicate observation for series a, period 2018 (first at record 0)")
    }

    @Test func recordsMustBeANonEmptyArray() throws {
        #expect(try JSONTest.error(JSONRecords.self, #"{"count": 0, "data": [], "error": ""}"#, series: "{s}", options: ["records": .string("/data")])
                == "test.json at /data: no observations found — the array of records (`records` = \"/data\") is empty")
        #expect(try JSONTest.error(JSONRecords.self, #"{"count": 0, "rows": []}"#, series: "{s}", options: ["records": .string("/data")])
                == "test.json: no observations found — `records` is \"/data\" but the document has no value there (the top level has \"count\", \"rows\")")
        #expect(try JSONTest.error(JSONRecords.self, #"{"data": {"a": 1}}"#, series: "{s}")
                == "test.json: `records` must point to an array of records, found an object")
        #expect(try JSONTest.error(JSONRecords.self, #"{"data": {"a": 1}}"#, series: "{s}", options: ["records": .string("/data")])
                == "test.json at /data: `records` must point to an array of records, found an object")
    }

    @Test func malformedJSONNamesLineAndColumn() throws {
        #expect(try JSONTest.error(JSONRecords.self, "[\n  {\"s\": \"a\",\n   \"period\": \"2018\" \"value\": 1}\n]", series: "{s}")
                == "test.json: invalid JSON at line 3, column 21: expected ',' or '}'")
    }

    @Test func publishedAtMustBeThereAndATimestamp() throws {
        let text = #"{"updated": "soon", "data": [{"s": "a", "period": "2018", "value": 1}]}"#
        #expect(try JSONTest.error(JSONRecords.self, text, series: "{s}", options: ["records": .string("/data"), "published_at": .string("/updated")])
                == "test.json at /updated: `published_at` value \"soon\" is not an ISO-8601 timestamp (e.g. 2020-07-01 or 2020-07-01T06:00:00Z)")
        #expect(try JSONTest.error(JSONRecords.self, text, series: "{s}", options: ["records": .string("/data"), "published_at": .string("/meta/updated")])
                == "test.json: `published_at` names \"/meta/updated\" but the document has no value there")
    }

    @Test func settingsThatMakeNoSense() {
        #expect(JSONTest.settingsError(JSONRecords.self) == FormatSettingsError(key: "series", message: "json records need a series key: set `series` to a template over record fields (e.g. \"comtrade.{reporterISO}.{cmdCode}\") or `series_field` to the field that holds the key"))
        #expect(JSONTest.settingsError(JSONRecords.self, series: "{a}", options: ["series_field": .string("k")])?.key == "series_field")
        #expect(JSONTest.settingsError(JSONRecords.self, series: "{a}", options: ["records": .string("data")])
                == FormatSettingsError(key: "records", message: "\"data\" is not a JSON pointer: it must be empty or start with '/' (e.g. \"/data\")"))
        #expect(JSONTest.settingsError(JSONRecords.self, series: "k.{a") == FormatSettingsError(key: "series", message: "template \"k.{a\" has '{' without '}'"))
        #expect(JSONTest.settingsError(JSONRecords.self, series: "k.{}") == FormatSettingsError(key: "series", message: "template \"k.{}\" has an empty placeholder {}"))
        #expect(JSONTest.settingsError(JSONRecords.self, series: "k.a}") == FormatSettingsError(key: "series", message: "template \"k.a}\" has '}' without '{'"))
        #expect(JSONTest.settingsError(JSONRecords.self, series: "{a}", options: ["value": .string("/x~9")])?.key == "value")
        #expect(JSONTest.settingsError(JSONRecords.self, series: "{a}", options: ["period": .string("")])?.key == "period")
    }

    @Test func escapedFieldNamesAndValues() throws {
        let payload = try JSONTest.read(JSONRecords.self, #"[{"r\u00e9gion": "kz", "p\u0065riod": "2018", "value": "\u0031\u0032.5"}]"#, series: "x.{région}")
        #expect(payload.table == ["x.kz": ["2018=12.5"]])
    }
}
