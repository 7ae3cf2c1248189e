@testable import BridProtocol
import Foundation
import Testing

@Suite struct EnvelopeTests {
    private func error(_ text: String) -> ControlErrorReply? {
        error(Array(text.utf8))
    }

    private func error(_ bytes: [UInt8]) -> ControlErrorReply? {
        if case let .failure(reply) = ControlMessage.parseRequestLine(bytes) { return reply }
        return nil
    }

    @Test func wrongVersion() throws {
        let reply = try #require(error(#"{"v":3,"id":5,"cmd":"status","args":{}}"#))
        #expect(reply.id == 5)
        #expect(reply.error.code == .versionMismatch)
        #expect(reply.error.message.contains("version 3"))
        // The reply itself is in our version and carries the id.
        let line = String(decoding: reply.line, as: UTF8.self)
        #expect(line.contains(#""v":2"#) && line.contains(#""id":5"#) && line.contains("version_mismatch"))
    }

    @Test func missingOrMistypedVersion() throws {
        #expect(error(#"{"id":5,"cmd":"status"}"#)?.error.code == .badRequest)
        #expect(error(#"{"v":"1","id":5,"cmd":"status"}"#)?.error.message.contains("\"v\" should be an integer") == true)
    }

    @Test func garbageBytes() throws {
        let reply = try #require(error([0x00, 0x01, 0x7B, 0x7B, 0x22]))
        #expect(reply.error.code == .badRequest)
        #expect(reply.id == nil)
        #expect(error("hello")?.error.code == .badRequest)
        #expect(error("")?.error.code == .badRequest)
        #expect(error("[1,2]")?.error.message.contains("not a JSON object") == true)
        #expect(error("{\"v\":1,")?.error.message.contains("not a JSON object") == true)
    }

    @Test func invalidUTF8() throws {
        var bytes = Array(#"{"v":2,"id":1,"cmd":"series.list","args":{"glob":"x"#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}}"#.utf8)
        let reply = try #require(error(bytes))
        #expect(reply.error == .badRequest("the request is not valid UTF-8"))
    }

    @Test func missingID() throws {
        let reply = try #require(error(#"{"v":2,"cmd":"status"}"#))
        #expect(reply.error.code == .badRequest)
        #expect(reply.error.message.contains("\"id\""))
        #expect(error(#"{"v":2,"id":"7","cmd":"status"}"#)?.error.message.contains("not an integer") == true)
    }

    @Test func unknownOrMissingCommand() throws {
        let reply = try #require(error(#"{"v":2,"id":3,"cmd":"series.delete","args":{}}"#))
        #expect(reply.id == 3)
        #expect(reply.error == .badRequest("unknown command \"series.delete\""))
        #expect(error(#"{"v":2,"id":3}"#)?.error.message.contains("no \"cmd\"") == true)
        #expect(error(#"{"v":2,"id":3,"cmd":7}"#)?.error.code == .badRequest)
    }

    @Test func wrongArgumentTypesNameTheField() throws {
        let release = try #require(error(#"{"v":2,"id":3,"cmd":"series.show","args":{"series":"a","release":"x"}}"#))
        #expect(release.error == .badRequest("bad arguments for series.show: \"release\" should be an integer"))
        let missing = try #require(error(#"{"v":2,"id":3,"cmd":"series.show","args":{}}"#))
        #expect(missing.error == .badRequest("bad arguments for series.show: missing \"series\""))
        let asOf = try #require(error(#"{"v":2,"id":3,"cmd":"series.show","args":{"series":"a","asOf":"yesterday"}}"#))
        #expect(asOf.error.message.hasPrefix("bad arguments for series.show: \"asOf\": expected an ISO-8601 time"))
        let list = try #require(error(#"{"v":2,"id":3,"cmd":"fetch","args":{"sources":["a",2]}}"#))
        #expect(list.error == .badRequest("bad arguments for fetch: \"sources[1]\" should be text"))
        let null = try #require(error(#"{"v":2,"id":3,"cmd":"series.history","args":{"series":null,"period":"2018"}}"#))
        #expect(null.error.message.contains("\"series\""))
        let base64 = try #require(error(#"{"v":2,"id":3,"cmd":"ingest","args":{"source":"s","fileName":"f","data":"!!!"}}"#))
        #expect(base64.error.message.contains("\"data\""))
        let format = try #require(error(#"{"v":2,"id":3,"cmd":"export","args":{"series":["a"],"format":"xml"}}"#))
        #expect(format.error.message.contains("\"format\""))
        let notObject = try #require(error(#"{"v":2,"id":3,"cmd":"status","args":[1]}"#))
        #expect(notObject.error == .badRequest("bad arguments for status: \"args\" should be a JSON object"))
    }

    @Test func argumentDefaultsAndAbsentArgs() throws {
        let status = try ControlMessage.parseRequestLine(Array(#"{"v":2,"id":1,"cmd":"status"}"#.utf8)).get()
        #expect(status.request is StatusRequest)
        let fetch = try ControlMessage.parseRequestLine(Array(#"{"v":2,"id":1,"cmd":"fetch","args":{"all":true}}"#.utf8)).get()
        #expect(fetch.request as? FetchRequest == FetchRequest(sources: [], all: true, wait: true))
        let withNewline = try ControlMessage.parseRequestLine(Array("{\"v\":2,\"id\":1,\"cmd\":\"rules\",\"args\":null}\r\n".utf8)).get()
        #expect(withNewline.request is RulesRequest)
        let ingest = try ControlMessage.parseRequestLine(Array(#"{"v":2,"id":1,"cmd":"ingest","args":{"source":"s","fileName":"f","data":"eHk="}}"#.utf8)).get()
        #expect(ingest.request as? IngestRequest == IngestRequest(source: "s", fileName: "f", size: 2, offset: 0, data: Data("xy".utf8)))
    }

    @Test func overlongLine() throws {
        let long = [UInt8](repeating: 0x20, count: ControlProtocol.maxLineBytes + 1)
        #expect(error(long)?.error == ControlMessage.lineTooLong)
    }

    @Test func replyDecodingFailures() throws {
        #expect(throws: ControlError.self) { try ControlMessage.decodeReply(Data("nope".utf8), for: StatusRequest.self) }
        let other = Data(#"{"v":3,"id":1,"ok":true,"result":{}}"#.utf8)
        #expect { try ControlMessage.decodeReply(other, for: RulesRequest.self) } throws: { ($0 as? ControlError)?.code == .versionMismatch }
        let wrongShape = Data(#"{"v":2,"id":1,"ok":true,"result":{"rules":3}}"#.utf8)
        #expect { try ControlMessage.decodeReply(wrongShape, for: RulesRequest.self) } throws: { ($0 as? ControlError)?.code == .internal }
        let unknownCode = Data(#"{"v":2,"id":1,"ok":false,"error":{"code":"teapot","message":"m"}}"#.utf8)
        #expect(try ControlMessage.decodeReply(unknownCode, for: RulesRequest.self).error?.code == .internal)
    }
}
