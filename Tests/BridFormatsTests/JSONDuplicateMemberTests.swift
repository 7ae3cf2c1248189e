import BridCore
@testable import BridFormats
import Testing

/// A member name twice in one object is ambiguous (parsers disagree on which one holds):
/// refused, naming the JSON pointer of the second one, in every JSON format.
@Suite struct JSONDuplicateMemberTests {
    func records(_ fourth: String) -> String {
        #"{"data":[{"key":"a","period":"2015","value":1},{"key":"a","period":"2016","value":2},"#
            + #"{"key":"a","period":"2017","value":3},\#n  \#(fourth)]}"#
    }

    @Test func jsonRecords() throws {
        let options: [String: FormatOption] = ["records": .string("/data"), "series_field": .string("key")]
        #expect(try JSONTest.error(JSONRecords.self, records(#"{"key":"a","period":"2018","value":19.885,"value":21.5}"#), options: options)
                == #"test.json at /data/3/value: duplicate member name "value" in one object (line 2, column 45): brid does not guess which one holds"#)
        // Not only the fields brid reads: any repeated name makes the record ambiguous.
        #expect(try JSONTest.error(JSONRecords.self, records(#"{"key":"a","period":"2018","value":1,"note":"x","note":"y"}"#), options: options)?
                .hasPrefix("test.json at /data/3/note: duplicate member name \"note\"") == true)
        #expect(try JSONTest.read(JSONRecords.self, records(#"{"key":"a","period":"2018","value":19.885}"#), options: options).observationCount == 4)
    }

    @Test func aLongRepeatedNameIsCutInTheMessage() throws {
        let name = String(repeating: "n", count: 50_000)
        let options: [String: FormatOption] = ["records": .string("/data"), "series_field": .string("key")]
        let message = try #require(try JSONTest.error(JSONRecords.self, records(#"{"key":"a","period":"2018","value":1,"\#(name)":1,"\#(name)":2}"#),
                                                      options: options))
        #expect(message.contains("duplicate member name \"nnn") && message.contains("characters)"), "\(message.prefix(300))")
        #expect(message.utf8.count < 1_000)
    }

    @Test func fredJSON() throws {
        let text = #"{"realtime_start":"2020-01-01","observations":[{"date":"2018-01-01","value":"1"},{"date":"2019-01-01","value":"2","date":"2020-01-01"}]}"#
        #expect(try JSONTest.error(FREDJSON.self, text, series: "fred.x")?
                .hasPrefix("test.json at /observations/1/date: duplicate member name \"date\" in one object (line 1, column 115)") == true)
    }

    @Test func worldBankJSON() throws {
        let row = #"{"indicator":{"id":"X","value":"Exports"},"country":{"id":"KZ","value":"Kazakhstan"},"countryiso3code":"KAZ","date":"2018","value":1}"#
        let text = #"[{"page":1,"pages":1,"per_page":50,"total":2,"lastupdated":"2024-03-28"},[\#(row),"#
            + #"{"indicator":{"id":"X","value":"Exports","id":"Y"},"country":{"id":"KZ","value":"Kazakhstan"},"countryiso3code":"KAZ","date":"2019","value":2}]]"#
        #expect(try JSONTest.error(WorldBankJSON.self, text)?.hasPrefix("test.json at /1/1/indicator/id: duplicate member name \"id\"") == true)
        // The paging object too.
        let paging = #"[{"page":1,"pages":1,"pages":2,"per_page":50,"total":1},[\#(row)]]"#
        #expect(try JSONTest.error(WorldBankJSON.self, paging)?.hasPrefix("test.json at /0/pages: duplicate member name \"pages\"") == true)
    }

    @Test func sdmxJSON() throws {
        let text = #"{"data":{"structures":[{"id":"S","dimensions":{"series":[{"id":"A","keyPosition":0,"values":[{"id":"KZ"}]}],"#
            + #""observation":[{"id":"TIME_PERIOD","keyPosition":1,"values":[{"id":"2018"},{"id":"2019"}]}]}}],"#
            + #""dataSets":[{"series":{"0":{"observations":{"0":[1]}},"0":{"observations":{"1":[2]}}}}]}}"#
        #expect(try JSONTest.error(SDMXJSON.self, text)?.hasPrefix("test.json at /data/dataSets/0/series/0: duplicate member name \"0\"") == true)
    }

    // MARK: The parser

    func duplicate(_ text: String, multiple: Bool = false) -> JSONSyntaxError? {
        do {
            _ = try JSONDocument(parsing: Array(text.utf8), allowsMultipleValues: multiple)
            return nil
        } catch {
            return error
        }
    }

    @Test func namesAreComparedUnescaped() throws {
        let error = try #require(duplicate(#"{"value":1,"v\u0061lue":2}"#))
        #expect(error.pointer == "/value")
        #expect(error.message == #"duplicate member name "value""#)
        #expect((error.line, error.column) == (1, 12))
        #expect(duplicate(#"{"a/b":{"x~y":[0,{"k":1,"k":2}]}}"#)?.pointer == "/a~1b/x~0y/1/k")
        #expect(duplicate(#"{"é":1,"\u00e9":2}"#)?.pointer == "/é")
    }

    @Test func largeObjectsAndNesting() throws {
        let many = (0..<5000).map { #""m\#($0)":\#($0)"# }
        #expect(duplicate("{" + many.joined(separator: ",") + "}") == nil)
        let repeated = many + [#""m4321":{"inner":[1,2]}"#, #""m17":0"#]
        // The first repeated name in document order, whatever the hashes.
        #expect(duplicate(#"[1,{"x":{}},"# + "{" + repeated.joined(separator: ",") + "}]")?.pointer == "/2/m4321")
        let same = Array(repeating: #""a":1"#, count: 100_000).joined(separator: ",")
        #expect(duplicate("{" + same + "}")?.pointer == "/a")
        // The same name in different objects, or as a value, is fine.
        #expect(duplicate(#"[{"a":1},{"a":2},{"b":{"a":3},"a":"a"}]"#) == nil)
        // Several documents: the pointer is within the one that holds it.
        #expect(duplicate(#"{"a":1} {"b":[{"c":1,"c":1}]}"#, multiple: true)?.pointer == "/b/0/c")
    }
}
