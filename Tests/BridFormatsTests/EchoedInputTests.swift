import BridCore
@testable import BridFormats
import Foundation
import Testing

/// Every reader echoes a piece of bad input in its error at most `Excerpt.limit`
/// characters long, then `…` and its length: a 5 MB field cannot make a 5 MB `.error`,
/// log line, `sources.last_error` or `status` reply.
@Suite struct EchoedInputTests {
    static let big = String(repeating: "7", count: 5 << 20)

    /// The message of the input error `body` throws, checked to be short and to show the
    /// length of the piece it cut. Megabytes are read on a thread of their own, not on the
    /// cooperative pool the timing tests beside these need.
    func expectCapped(_ length: Int, _ what: Comment, sourceLocation: Testing.SourceLocation = #_sourceLocation,
                      _ body: @escaping @Sendable () throws -> Any) async {
        let outcome: Result<String, any Error>? = await withCheckedContinuation { continuation in
            let thread = Thread {
                do {
                    _ = try body()
                    continuation.resume(returning: nil)
                } catch let error as InputError {
                    continuation.resume(returning: .success(error.description))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        switch outcome {
        case nil:
            Issue.record("accepted: \(what)", sourceLocation: sourceLocation)
        case let .success(message):
            #expect(message.utf8.count < 1_000, "\(what): \(message.utf8.count) bytes", sourceLocation: sourceLocation)
            #expect(message.contains("… (\(length) characters)") || message.contains("…\" (\(length) characters)"),
                    "\(what): \(message)", sourceLocation: sourceLocation)
        case let .failure(error):
            Issue.record("\(what): \(error)", sourceLocation: sourceLocation)
        }
    }

    func csv(_ text: String) throws -> Payload {
        var builder = PayloadBuilder(origin: "drop.csv") { _ in nil }
        try CSVReader.read(Array(text.utf8), into: &builder)
        return try builder.finish()
    }

    @Test func csv() async {
        let n = Self.big.count
        await expectCapped(n, "a 5 MB quoted value") { try csv("series,period,value\nx,2018,\"\(Self.big)\"\n") }
        await expectCapped(2 << 20, "a 2 MB period") { try csv("series,period,value\nx,\(String(repeating: "2", count: 2 << 20)),1\n") }
        await expectCapped(200, "a long key with a space") { try csv("series,period,value\n\"\(String(repeating: "k", count: 100)) \(String(repeating: "k", count: 99))\",2018,1\n") }
        await expectCapped(n + 4, "an unrecognised header") { try csv("\(Self.big),a,b\n1,2,3\n") }
    }

    @Test func excerptShowsTheStartAndTheLength() {
        #expect(Excerpt(quoted: "abc").description == "\"abc\"")
        #expect(Excerpt("abc").description == "abc")
        let long = String(repeating: "é", count: 150)
        #expect(Excerpt(quoted: long).description == "\"" + String(repeating: "é", count: 100) + "…\" (150 characters)")
        #expect(Excerpt(long).description == String(repeating: "é", count: 100) + "… (150 characters)")
        let exact = String(repeating: "x", count: Excerpt.limit)
        #expect(Excerpt(exact).description == exact)
    }

    @Test func json() async {
        let n = Self.big.count
        let records: [String: FormatOption] = ["records": .string("/data"), "period": .string("p"), "value": .string("v")]
        await expectCapped(n, "a 5 MB string value") {
            try JSONTest.read(JSONRecords.self, #"{"data":[{"p":"2018","v":"\#(Self.big)"}]}"#, series: "x", options: records)
        }
        await expectCapped(n, "a 5 MB period") {
            try JSONTest.read(JSONRecords.self, #"{"data":[{"p":"\#(Self.big)","v":1}]}"#, series: "x", options: records)
        }
        await expectCapped(n, "a 5 MB member name in the list of members") {
            try JSONTest.read(JSONRecords.self, #"{"\#(Self.big)":1}"#, series: "x", options: records)
        }
        await expectCapped(n, "a 5 MB FRED error message") {
            try JSONTest.read(FREDJSON.self, #"{"error_code":400,"error_message":"\#(Self.big)"}"#, series: "fred.X")
        }
        await expectCapped(n + 7, "a 5 MB World Bank error message") {
            try JSONTest.read(WorldBankJSON.self, #"[{"message":[{"id":"120","key":"x","value":"\#(Self.big)"}]}]"#, series: "wb.{country}")
        }
        await expectCapped(n + 4, "a 5 MB SDMX-JSON error") {
            try JSONTest.read(SDMXJSON.self, #"{"errors":[{"code":500,"detail":"\#(Self.big)"}]}"#)
        }
    }

    @Test func sdmxML() async throws {
        let n = Self.big.count
        let format = try SDMXMLFormat(settings: FormatSettings())
        let head = #"<?xml version="1.0"?><m:StructureSpecificData xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"><m:DataSet structureRef="S"><Series FREQ="A">"#
        let tail = "</Series></m:DataSet></m:StructureSpecificData>"
        await expectCapped(n, "a 5 MB OBS_VALUE") {
            try readPayload(format, Array((head + #"<Obs TIME_PERIOD="2018" OBS_VALUE="\#(Self.big)"/>"# + tail).utf8))
        }
        await expectCapped(n, "a 5 MB TIME_PERIOD") {
            try readPayload(format, Array((head + #"<Obs TIME_PERIOD="\#(Self.big)" OBS_VALUE="1"/>"# + tail).utf8))
        }
        await expectCapped(n + 2, "a 5 MB error text") {
            try readPayload(format, Array(#"<?xml version="1.0"?><m:Error xmlns:m="x"><m:ErrorMessage code="1"><c:Text xmlns:c="y">\#(Self.big)</c:Text></m:ErrorMessage></m:Error>"#.utf8))
        }
        let name = String(repeating: "E", count: 1 << 20)
        await expectCapped(name.count, "a 1 MB root element name") { try readPayload(format, Array("<\(name)/>".utf8)) }
        await expectCapped(name.count, "a 1 MB unclosed element name") { try readPayload(format, Array((head + "<\(name)>").utf8)) }
    }

    @Test func sdmxCSV() async throws {
        let n = Self.big.count
        let format = try SDMXCSVFormat(settings: FormatSettings())
        await expectCapped(n, "a 5 MB ACTION") {
            try readPayload(format, Array("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE\ndataflow,X:Y(1.0),\(Self.big),A,2018,1\n".utf8))
        }
        await expectCapped(n, "a 5 MB value") {
            try readPayload(format, Array("DATAFLOW,FREQ,TIME_PERIOD,OBS_VALUE\nX:Y(1.0),A,2018,\(Self.big)\n".utf8))
        }
        await expectCapped(n, "a 5 MB first header cell") { try readPayload(format, Array("\(Self.big),A\n1,2\n".utf8)) }
    }
}
