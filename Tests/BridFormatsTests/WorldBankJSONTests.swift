import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct WorldBankJSONTests {
    func row(_ date: String, _ value: String, iso3: String = "KAZ", country: String = "KZ", indicator: String = "NE.EXP.GNFS.CD", unit: String = "") -> String {
        #"{"indicator":{"id":"\#(indicator)","value":"Exports of goods and services (current US$)"},"country":{"id":"\#(country)","value":"Kazakhstan"},"countryiso3code":"\#(iso3)","date":"\#(date)","value":\#(value),"unit":"\#(unit)","obs_status":"","decimal":0}"#
    }

    func page(_ page: Int, of pages: Int, total: Int = 4, updated: String = "2024-03-28", _ rows: [String]) -> String {
        #"[{"page":\#(page),"pages":\#(pages),"per_page":2,"total":\#(total),"sourceid":"2","lastupdated":"\#(updated)"},[\#(rows.joined(separator: ","))]]"#
    }

    @Test func readsTheUSGNPFixture() throws {
        let payload = try JSONTest.read(WorldBankJSON.self, try JSONTest.fixture("worldbank-usa-gnp.json"))
        #expect(payload.series.map(\.key) == ["wb.USA.NY.GNP.PCAP.CD"])
        let s = try #require(payload.series.first)
        #expect(s.frequency == .annual)
        // Dates come 1997 → 1990 and are sorted.
        #expect(s.periods == ["1990", "1991", "1992", "1993", "1994", "1995", "1996", "1997"])
        #expect(s.values == ["24060", "24270", "25680", "26390", "27650", "29040", "30270", "31270"])
        #expect(s.ordinals == [7, 6, 5, 4, 3, 2, 1, 0])
        #expect(s.name == "GNI per capita, Atlas method (current US$)")
        #expect(s.unit == nil)  // "unit": "" offers none
        #expect(payload.publishedAt == Timestamp.parse("2020-07-01"))
    }

    @Test func theTemplateChoosesTheParts() throws {
        let bytes = try JSONTest.fixture("worldbank-usa-gnp.json")
        #expect(try JSONTest.read(WorldBankJSON.self, bytes, series: "wb.{country}.{indicator}").series.map(\.key) == ["wb.US.NY.GNP.PCAP.CD"])
        #expect(try JSONTest.read(WorldBankJSON.self, bytes, series: "gnp-{countryiso3code}").series.map(\.key) == ["gnp-USA"])
        #expect(JSONTest.settingsError(WorldBankJSON.self, series: "wb.{iso}.{indicator}")
                == FormatSettingsError(key: "series", message: "worldbank-json has no field {iso} for the template \"wb.{iso}.{indicator}\" (use {indicator}, {country} and {countryiso3code})"))
    }

    @Test func nullValuesEmptyISO3AndSubannualDates() throws {
        let text = page(1, of: 1, [
            row("2018Q1", "null", iso3: "", country: "1W"), row("2018Q2", "12.5", iso3: "", country: "1W"),
            row("2018M03", "1e3", unit: "USD"), row("2018M04", "7"),
        ])
        let payload = try JSONTest.read(WorldBankJSON.self, text)
        #expect(payload.table == ["wb.1W.NE.EXP.GNFS.CD": ["2018-Q1=nil", "2018-Q2=12.5"], "wb.KAZ.NE.EXP.GNFS.CD": ["2018-03=1e3", "2018-04=7"]])
        #expect(payload.series[1].unit == "USD")
        #expect(payload.publishedAt == Timestamp.parse("2024-03-28"))
    }

    @Test func rejectsTheAPIsErrorMessage() throws {
        let text = #"[{"message":[{"id":"120","key":"Invalid value","value":"The provided parameter value is not valid"}]}]"#
        #expect(try JSONTest.error(WorldBankJSON.self, text) == "test.json: the World Bank API returned an error: 120 Invalid value: The provided parameter value is not valid")
    }

    @Test func anEmptyResponseHasNoObservations() throws {
        let text = #"[{"page":1,"pages":0,"per_page":50,"total":0,"sourceid":null,"lastupdated":"2024-03-28"},null]"#
        #expect(try JSONTest.error(WorldBankJSON.self, text) == "test.json: no observations found — the response has no rows (paging says total 0); check the indicator, the countries and the `date` range of the URL")
    }

    @Test func rowErrorsNameThePointer() throws {
        #expect(try JSONTest.error(WorldBankJSON.self, page(1, of: 1, [row("2018", "1"), row("2019", "true")]))
                == "test.json at /1/1/value: value must be a number or null, found a boolean")
        #expect(try JSONTest.error(WorldBankJSON.self, page(1, of: 1, [row("2018", "1"), row("last year", "2")]))
                == "test.json at /1/1: period \"last year\" is not a period (expected e.g. 2018, 2018-Q1, 2018-03, 2018-W05 or 2018-03-15) for series wb.KAZ.NE.EXP.GNFS.CD")
        #expect(try JSONTest.error(WorldBankJSON.self, #"[{"page":1,"pages":1},[{"date":"2018","value":1}]]"#)
                == "test.json at /1/0: the row has no countryiso3code")
        #expect(try JSONTest.error(WorldBankJSON.self, #"{"page":1}"#)
                == "test.json: the response is not a World Bank API v2 page: expected [paging, rows]")
        #expect(try JSONTest.error(WorldBankJSON.self, #"[{"page":1,"pages":1,"lastupdated":"July"},[]]"#)
                == "test.json at /0/lastupdated: lastupdated \"July\" is not an ISO-8601 timestamp (e.g. 2020-07-01 or 2020-07-01T06:00:00Z)")
        #expect(try JSONTest.error(WorldBankJSON.self, "[{\"page\":1,\"pages\":1},\n[")
                == "test.json: invalid JSON at line 2, column 2: unexpected end of input, expected a value")
    }

    @Test func worldBankResponsesPageAndOtherFormatsDoNot() throws {
        let paging = try #require(Formats.paging(format: "worldbank-json"))
        #expect(paging.name == WorldBankJSON.name)
        #expect(paging.url("https://api.worldbank.org/v2/country/KAZ/indicator/X?format=json&page=1", page: 3)
            == "https://api.worldbank.org/v2/country/KAZ/indicator/X?format=json&page=3")
        #expect(paging.url("https://h/x", page: 2) == "https://h/x?page=2")
        #expect(paging.pageSeparator == [0x0A], "the pages joined as combinePages joins them")
        for format in Formats.all.map({ $0.name }) where format != WorldBankJSON.name {
            #expect(Formats.paging(format: format) == nil, "\(format) answers in one page")
        }
    }

    @Test func pagesAreReadAsOneRelease() throws {
        let page1 = Array(page(1, of: 2, updated: "2024-03-28", [row("2021", "4"), row("2020", "3")]).utf8)
        let page2 = Array(page(2, of: 2, updated: "2024-03-29", [row("2019", "2"), row("2018", "1")]).utf8)
        #expect(pageCount(page1)! == (1, 2))
        #expect(pageCount(page2)! == (2, 2))
        #expect(pageCount(Array(#"[{"message":[]}]"#.utf8)) == nil)
        #expect(pageCount(Array("not json".utf8)) == nil)

        let reader = try WorldBankJSON(settings: FormatSettings())
        var builder = PayloadBuilder(origin: "wb", ordinalKind: .record) { _ in nil }
        try reader.readPages([page1, page2], into: &builder)
        let payload = try builder.finish()
        #expect(payload.table == ["wb.KAZ.NE.EXP.GNFS.CD": ["2018=1", "2019=2", "2020=3", "2021=4"]])
        #expect(payload.series[0].ordinals == [3, 2, 1, 0])
        #expect(payload.publishedAt == Timestamp.parse("2024-03-29"))  // the latest lastupdated
        // The same as reading the concatenation; page order does not matter.
        #expect(try JSONTest.read(WorldBankJSON.self, WorldBankJSON.combinePages([page2, page1])).table == payload.table)
        #expect(WorldBankJSON.combinePages([page1, page2]) == page1 + [0x0A] + page2)
    }

    @Test func incompleteOrMixedPagesAreRejected() throws {
        let p1 = page(1, of: 3, [row("2021", "4")])
        let p2 = page(2, of: 3, [row("2020", "3")])
        let p3 = page(3, of: 3, [row("2019", "2")])
        #expect(try JSONTest.error(WorldBankJSON.self, p1) == "test.json: incomplete response: pages 2, 3 of 3 missing (fetch every page, or ask for a larger per_page)")
        #expect(try JSONTest.error(WorldBankJSON.self, p1 + "\n" + p3) == "test.json: incomplete response: page 2 of 3 missing (fetch every page, or ask for a larger per_page)")
        #expect(try JSONTest.error(WorldBankJSON.self, p1 + p2 + p2 + p3) == "test.json: page 2 of 3 appears twice")
        #expect(try JSONTest.error(WorldBankJSON.self, p1 + page(2, of: 2, [row("2020", "3")])) == "test.json: the pages disagree on the page count (3 and 2): they are not from one response")
        #expect(try JSONTest.error(WorldBankJSON.self, p1 + p2 + page(3, of: 3, [row("2019", "\"x\"")]))
                == "test.json at /1/0 of page 3: value \"x\" is not a number (series wb.KAZ.NE.EXP.GNFS.CD, period 2019)")
        #expect(try JSONTest.read(WorldBankJSON.self, p1 + p2 + p3).observationCount == 3)
    }
}

/// The page count of a response held in an array.
private func pageCount(_ bytes: [UInt8]) -> (page: Int, pages: Int)? {
    bytes.withUnsafeBufferPointer { WorldBankJSON.pageCount($0) }
}
