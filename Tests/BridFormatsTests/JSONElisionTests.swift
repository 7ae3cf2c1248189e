import BridCore
import BridFuzzing
@testable import BridFormats
import Foundation
import Testing

/// Containers kept off the token tape (`JSONElision`): validated exactly as the plain
/// parse validates them, read back one member or element at a time with the same values,
/// pointers and places; SDMX-JSON's tape holds its structure, not its observations.
@Suite struct JSONElisionTests {
    static let cases: [String] = [
        // Well-formed, with elided containers at every depth the check's elisions name.
        #"{"a":[1,{"b":[true,false,null]},"x\"y",-0.5e3],"data":{"k":"v"},"z":{}}"#,
        #"[{"observations":{"0":[1],"1":[null,"a"]}},[],[[]],{"é\u00e9":"\ud83d\ude00"}]"#,
        "\u{FEFF}{\"dataSets\":[{\"series\":{\"0:1\":{\"observations\":{\"0\":[1.5,0]}}},\"observations\":{}}],\"data\":[]}",
        #"{"data":{"dataSets":[{"series":{}},{"observations":{"0:0":[2]}}]}}"#,
        "[1]  [{\"a\":[2]}] \n {\"b\":3}",
        #"{"a":{"a":{"a":[[[[{"a":1}]]]]}}}"#,
        // Syntax errors inside what would be elided, and around it.
        "{\n  \"a\": [1, 2,]\n}", #"{"a":[1,{"b":01}]}"#, #"{"a":[1,{"b":1.}]}"#, #"{"a":["\x"]}"#, #"{"a":["\ud800"]}"#,
        #"{"a":["\udc00x"]}"#, "{\"a\":[\"tab\there\"]}", "{\"a\":[\"line\nbreak\"]}", #"{"a":[tru]}"#, #"{"a":[nulls]}"#,
        #"{"a":[1 2]}"#, #"{"a":{"b" 1}}"#, #"{"a":{"b":1,}}"#, #"{"a":{1:2}}"#, #"{"a":[1]"#, #"{"a":["open"#, "[1] [2]",
        "[\u{FFFD}]", #"[NaN]"#, "{\"a\":[\"\u{C0}\"]}",
        // Repeated names inside elided objects, at any depth, escaped or not, and two at once.
        #"{"a":{"k":1,"k":2}}"#, #"{"a":[0,{"x":{"k":1,"m":2,"k":3}}]}"#, #"{"a":{"é":1,"\u00e9":2}}"#,
        #"{"a":{"x~y/z":{"p":1,"p":1}},"b":1}"#, #"[{"q":1},{"q":2,"r":[{"s":1,"s":1}],"q":3}]"#,
        #"{"dataSets":[{"series":{"0":{"observations":{"0":[1],"1":[2],"0":[3]}}}}]}"#,
        #"{"data":{"dataSets":[{"series":{"0":{},"1":{},"0":{}}}]}}"#,
        "{\"a\":{" + (0..<40).map { "\"m\($0)\":\($0)" }.joined(separator: ",") + ",\"m17\":0}}",
        #"{"a":1} {"a":[{"c":1,"c":1}]}"#,
        // Values one after the other without a space, a repeat in the second (found by `make fuzz`).
        #"9[{"a":{"k":1,"k":2}}]"#, #"true{"a":[1,{"x":1,"x":2}]}"#, #"-1.5e3"x"[0,{"data":{"q":1,"q":1}}]"#,
    ]

    @Test(arguments: cases) func elidedReadsAsThePlainParse(_ text: String) {
        #expect(JSONElisionCheck.disagreement(Array(text.utf8)) == nil)
    }

    /// A document parsed with a higher depth limit reads its elided parts with that limit.
    @Test func elidedPartsKeepTheDocumentsDepthLimit() throws {
        let text = "[" + String(repeating: "[", count: 600) + "1" + String(repeating: "]", count: 600) + "]"
        let bytes = Array(text.utf8)
        let depth = try bytes.withUnsafeBufferPointer { (b) throws(JSONSyntaxError) -> Int in
            let doc = try JSONDocument(borrowing: b, maximumDepth: 1_000, eliding: JSONElision([[]]))
            var depth = 0
            doc.forEachElided(doc.root) { part in
                var v = part.root
                while part.kind(v) == .array { v = part.element(v, 0)!; depth += 1 }
            }
            return depth
        }
        #expect(depth == 600)
    }

    @Test func theFixturesAndKeptFuzzInputsReadAsThePlainParse() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/Fixtures").filter { $0.hasSuffix(".json") }
        #expect(!fixtures.isEmpty)
        for name in fixtures {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent("Fixtures/" + name)))
            #expect(JSONElisionCheck.disagreement(bytes) == nil, "\(name)")
        }
    }

    /// The pointer of a repeated name found off the tape, and where it is.
    @Test func aRepeatedNameOffTheTapeNamesItsPointer() throws {
        let text = #"{"meta":1,"data":{"dataSets":[{"series":{"0":{"observations":{"0":[1],"a~b/c":[2],"a~b/c":[3]}}}}]}}"#
        let input: [UInt8] = Array(text.utf8)
        func failure(_ elision: JSONElision?) -> JSONSyntaxError? {
            input.withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) -> JSONSyntaxError? in
                do throws(JSONSyntaxError) {
                    _ = try JSONDocument(borrowing: bytes, eliding: elision)
                    return nil
                } catch {
                    return error
                }
            }
        }
        let elided = failure(SDMXJSON.elision)
        #expect(elided?.pointer == "/data/dataSets/0/series/0/observations/a~0b~1c")
        #expect(elided?.description.hasPrefix(#"line 1, column 83: duplicate member name "a~b/c""#) == true, "\(String(describing: elided))")
        #expect(elided == failure(nil))
    }

    /// The bulk of an SDMX-JSON message stays off the tape: its tokens are the structure's,
    /// whatever the number of observations (the tape was 12 bytes a value of the whole message).
    @Test func anSDMXJSONTapeHoldsItsStructureOnly() throws {
        func message(series: Int) -> [UInt8] {
            let observations = (0..<series).map { "\"0:\($0)\":{\"observations\":{\"0\":[\($0).5,0],\"1\":[null]}}" }.joined(separator: ",")
            return Array(#"{"data":{"structures":[{"id":"S","dimensions":{"series":[{"id":"A","values":[{"id":"KZ"}]},{"id":"B","values":["#
                .utf8) + Array((0..<series).map { "{\"id\":\"b\($0)\"}" }.joined(separator: ",").utf8)
                + Array(#"]}],"observation":[{"id":"TIME_PERIOD","values":[{"id":"2020"},{"id":"2021"}]}]}}],"dataSets":[{"series":{"#.utf8)
                + Array(observations.utf8) + Array("}}]}}".utf8)
        }
        let small = message(series: 10), large = message(series: 2_000)
        let tapes = try [small, large].map { bytes in
            try bytes.withUnsafeBufferPointer { try JSONDocument(borrowing: $0, eliding: SDMXJSON.elision).tokens.count }
        }
        let plain = try large.withUnsafeBufferPointer { try JSONDocument(borrowing: $0).tokens.count }
        // The structure grows with the series' ids (three tokens each); the observations do not count.
        #expect(tapes[1] - tapes[0] == 3 * 1_990)
        #expect(plain - tapes[1] > 10 * 1_990)
        // And the message still reads whole.
        let reader = try SDMXJSON(settings: FormatSettings())
        var builder = PayloadBuilder(origin: "t.json", ordinalKind: .record) { _ in nil }
        try large.withUnsafeBufferPointer { try reader.read($0, into: &builder) }
        let payload = try builder.finish()
        #expect(payload.observationCount == 4_000)
    }

    /// World Bank rows and `json` records stay off the tape too, and read as before.
    @Test func recordsStayOffTheTape() throws {
        func page(rows: Int) -> [UInt8] {
            let list = (0..<rows).map { #"{"indicator":{"id":"NY.GDP","value":"GDP"},"country":{"id":"KZ","value":"Kazakhstan"},"countryiso3code":"KAZ","date":"\#(1900 + $0)","value":\#($0).5,"unit":""}"# }
            return Array(#"[{"page":1,"pages":1,"per_page":50,"total":\#(rows)},[\#(list.joined(separator: ","))]]"#.utf8)
        }
        let tapes = try [page(rows: 5), page(rows: 100)].map { bytes in
            try bytes.withUnsafeBufferPointer { try JSONDocument(borrowing: $0, allowsMultipleValues: true, eliding: WorldBankJSON.elision).tokens.count }
        }
        #expect(tapes[0] == tapes[1])
        var builder = PayloadBuilder(origin: "t.json", ordinalKind: .record) { _ in nil }
        try page(rows: 100).withUnsafeBufferPointer { try WorldBankJSON(settings: FormatSettings()).read($0, into: &builder) }
        #expect(try builder.finish().observationCount == 100)

        let records = Array(#"{"count":3,"data":[{"k":"a","p":"2020","v":1},{"k":"a","p":"2021","v":2},{"k":"b","p":"2020","v":null}]}"#.utf8)
        let tape = try records.withUnsafeBufferPointer { try JSONDocument(borrowing: $0, eliding: JSONElision(pointer: JSONPointer("/data"))).tokens.count }
        #expect(tape == 5)  // the root, "count", 3, "data" and the array
        let reader = try JSONRecords(settings: FormatSettings(options: ["records": .string("/data"), "series_field": .string("k"),
                                                                        "period": .string("p"), "value": .string("v")]))
        var recordsBuilder = PayloadBuilder(origin: "t.json", ordinalKind: .record) { _ in nil }
        try records.withUnsafeBufferPointer { try reader.read($0, into: &recordsBuilder) }
        #expect(try recordsBuilder.finish().observationCount == 3)
    }
}
