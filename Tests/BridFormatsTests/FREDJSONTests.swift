import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct FREDJSONTests {
    let annual: [String: FormatOption] = ["frequency": .string("A")]

    func response(_ observations: [(start: String, date: String, value: String)]) -> String {
        let items = observations.map { #"{"realtime_start":"\#($0.start)","realtime_end":"9999-12-31","date":"\#($0.date)","value":\#($0.value)}"# }
        return #"{"realtime_start":"2020-01-01","realtime_end":"9999-12-31","count":\#(items.count),"offset":0,"limit":100000,"observations":[\#(items.joined(separator: ","))]}"#
    }

    @Test func readsTheGNPCAFixtureAsAnnual() throws {
        let payload = try JSONTest.read(FREDJSON.self, try JSONTest.fixture("fred-observations-gnpca.json"), series: "fred.GNPCA", options: annual)
        #expect(payload.series.map(\.key) == ["fred.GNPCA"])
        let s = try #require(payload.series.first)
        #expect(s.frequency == .annual)
        #expect(s.periods == (1929...1948).map(String.init))
        #expect(s.values == ["1120.076", "1025.091", "958.378", "834.291", "823.156", "911.019", "992.537", "1118.944", "1177.572", "1138.989",
                             "1230.22", "1337.075", "1574.74", "1870.911", "2187.818", "2361.622", "2337.63", "2068.966", "2048.293", "2134.291"])
        #expect(s.ordinals == Array(0..<20))
        #expect(payload.publishedAt == Timestamp.parse("2020-05-19"))
    }

    @Test func withoutFrequencyTheStoredFrequencyDecides() throws {
        let bytes = try JSONTest.fixture("fred-observations-gnpca.json")
        let known = try JSONTest.read(FREDJSON.self, bytes, series: "fred.GNPCA", known: ["fred.GNPCA": .annual])
        #expect(known.series[0].periods.first == "1929")
        let unknown = try JSONTest.read(FREDJSON.self, bytes, series: "fred.GNPCA")
        #expect(unknown.series[0].frequency == .daily)
        #expect(unknown.series[0].periods.first == "1929-01-01")
    }

    @Test func frequenciesTurnDatesIntoPeriods() throws {
        let text = response([("2024-01-01", "2018-04-01", #""1.5""#), ("2024-01-01", "2018-07-01", #"".""#)])
        #expect(try JSONTest.read(FREDJSON.self, text, series: "q", options: ["frequency": .string("q")]).table == ["q": ["2018-Q2=1.5", "2018-Q3=nil"]])
        #expect(try JSONTest.read(FREDJSON.self, text, series: "m", options: ["frequency": .string("M")]).table == ["m": ["2018-04=1.5", "2018-07=nil"]])
        let weekly = response([("2024-01-01", "2018-01-05", #""3""#)])
        #expect(try JSONTest.read(FREDJSON.self, weekly, series: "w", options: ["frequency": .string("W")]).table == ["w": ["2018-W01=3"]])
        #expect(try JSONTest.error(FREDJSON.self, text, series: "a", options: annual)
                == "test.json at /observations/0: period \"2018-04-01\" does not fit a series of frequency A (2018 expected) (the source says frequency = \"A\")")
    }

    @Test func keepsTheLatestVintageOfEachDate() throws {
        let text = response([
            ("2019-07-26", "2018-01-01", #""100.0""#), ("2020-07-30", "2018-01-01", #""101.5""#),
            ("2020-07-30", "2019-01-01", #""102""#), ("2019-07-26", "2017-01-01", #""99""#),
        ])
        let payload = try JSONTest.read(FREDJSON.self, text, series: "alfred.x", options: annual)
        #expect(payload.table == ["alfred.x": ["2017=99", "2018=101.5", "2019=102"]])
        #expect(payload.publishedAt == Timestamp.parse("2020-07-30"))
        let twice = response([("2020-07-30", "2018-01-01", #""1""#), ("2020-07-30", "2018-01-01", #""2""#)])
        #expect(try JSONTest.error(FREDJSON.self, twice, series: "x", options: annual) == "test.json record 1: duplicate observation for series x, period 2018 (first at record 0)")
    }

    @Test func rejectsErrorResponsesAndBadShapes() throws {
        #expect(try JSONTest.error(FREDJSON.self, #"{"error_code":400,"error_message":"Bad Request.  The series does not exist."}"#, series: "x")
                == "test.json: the FRED API returned error 400: Bad Request.  The series does not exist.")
        #expect(try JSONTest.error(FREDJSON.self, #"{"seriess":[]}"#, series: "x")
                == "test.json: no observations found — the object has no \"observations\" (it has \"seriess\"); is this a series/observations response?")
        #expect(try JSONTest.error(FREDJSON.self, #"{"count":0,"observations":[]}"#, series: "x")
                == "test.json at /observations: no observations found — the response has none (check the series id and observation_start/observation_end)")
        #expect(try JSONTest.error(FREDJSON.self, response([("2020-01-01", "2018-01-01", "true")]), series: "x")
                == "test.json at /observations/0/value: value must be a string, found a boolean")
        #expect(try JSONTest.error(FREDJSON.self, #"{"observations":[{"value":"1"}]}"#, series: "x")
                == "test.json at /observations/0: the observation has no \"date\" string")
        #expect(try JSONTest.error(FREDJSON.self, response([("2020-01-01", "2018-01-01", #""NaN""#)]), series: "x")
                == "test.json at /observations/0: value \"NaN\" is not a finite number (NaN and infinities are not values; use an empty cell, '.', 'NA' or ':' for no value) (series x, period 2018-01-01)")
        #expect(try JSONTest.error(FREDJSON.self, "{\"observations\": [\n{\"date\": \"2018-01-01\" \"value\": \"1\"}]}", series: "x")
                == "test.json: invalid JSON at line 2, column 23: expected ',' or '}'")
    }

    @Test func settings() {
        #expect(JSONTest.settingsError(FREDJSON.self)?.key == "series")
        #expect(JSONTest.settingsError(FREDJSON.self, series: "fred.{id}")
                == FormatSettingsError(key: "series", message: "fred-json has no fields to fill placeholders from: `series` must be a plain key, not the template \"fred.{id}\""))
        #expect(JSONTest.settingsError(FREDJSON.self, series: "fred gnp")?.key == "series")
        #expect(JSONTest.settingsError(FREDJSON.self, series: "x", options: ["frequency": .string("yearly")])
                == FormatSettingsError(key: "frequency", message: "\"yearly\" is not a frequency (A, Q, M, W or D)"))
        #expect(Formats.catalog["fred-json"] == ["frequency": .string])
    }
}
