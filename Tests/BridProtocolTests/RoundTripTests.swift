import BridProtocol
import Foundation
import Testing

@Suite struct RoundTripTests {
    @Test func everyCommandHasASampleRequestAndResponse() {
        let names = Set(ControlCommands.all.map { $0.command })
        #expect(Set(Samples.requests.keys) == names)
        #expect(Set(Samples.responses.keys) == names)
    }

    @Test(arguments: ControlCommands.all.map { $0.command })
    func requestRoundTrip(command: String) throws {
        let request = try #require(Samples.requests[command])
        try checkRequest(request)
    }

    private func checkRequest<R: ControlRequest>(_ request: R) throws {
        let line = try ControlMessage.encodeRequest(request, id: 7)
        #expect(line.last == 0x0A)
        #expect(line.dropLast().firstIndex(of: 0x0A) == nil, "one line")
        let incoming = try ControlMessage.parseRequestLine(Array(line)).get()
        #expect(incoming.id == 7)
        #expect(incoming.name == R.command)
        #expect(incoming.access == R.access)
        #expect(incoming.request as? R == request)
    }

    @Test(arguments: ControlCommands.all.map { $0.command })
    func responseRoundTrip(command: String) throws {
        let type = try #require(ControlCommands.type(named: command))
        let response = try #require(Samples.responses[command])
        try checkResponse(type, response)
    }

    private func checkResponse<R: ControlRequest>(_: R.Type, _ response: any Codable & Sendable) throws {
        let typed = try #require(response as? R.Response, "sample for \(R.command) is a \(type(of: response))")
        let line = ControlMessage.encodeReply(id: 9, result: typed)
        #expect(line.last == 0x0A)
        let reply = try ControlMessage.decodeReply(line, for: R.self)
        #expect(reply.id == 9)
        #expect(try reply.outcome.get() == typed)
    }

    @Test func errorReplyRoundTrip() throws {
        for code in ControlErrorCode.allCases {
            let line = ControlMessage.encodeErrorReply(id: 3, ControlError(code, "why: \"quoted\"\nsecond line"))
            #expect(line.dropLast().firstIndex(of: 0x0A) == nil)
            let reply = try ControlMessage.decodeReply(line, for: StatusRequest.self)
            #expect(reply.id == 3)
            guard case let .failure(error) = reply.outcome else {
                Issue.record("expected an error")
                continue
            }
            #expect(error == ControlError(code, "why: \"quoted\"\nsecond line"))
        }
    }

    @Test func envelopeShape() throws {
        let line = try ControlMessage.encodeRequest(HistoryRequest(series: "a/b", period: "2018"), id: 7)
        #expect(String(decoding: line, as: UTF8.self) == #"{"args":{"period":"2018","series":"a/b"},"cmd":"series.history","id":7,"v":2}"# + "\n")
        let reply = ControlMessage.encodeReply(id: 7, result: PauseResponse(source: "wb", paused: true, changed: false))
        #expect(String(decoding: reply, as: UTF8.self) == #"{"id":7,"ok":true,"result":{"changed":false,"paused":true,"source":"wb"},"v":2}"# + "\n")
        let error = ControlMessage.encodeErrorReply(id: nil, .notFound("no series x"))
        #expect(String(decoding: error, as: UTF8.self) == #"{"error":{"code":"not_found","message":"no series x"},"id":null,"ok":false,"v":2}"# + "\n")
    }

    @Test func timesAndValuesOnTheWire() throws {
        let line = ControlMessage.encodeReply(id: 1, result: ShowResponse(
            series: SeriesInfo(key: "k", frequency: "A"), asOf: Samples.t1,
            observations: [Observation(period: "2018", value: "19.885", releaseID: 1)]))
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains(#""asOf":"2025-11-30T10:27:00.125Z""#))
        #expect(text.contains(#""value":"19.885""#))
    }

    @Test func registryHasNoDuplicateNames() {
        let names = ControlCommands.all.map { $0.command }
        #expect(Set(names).count == names.count)
        #expect(ControlCommands.byName.count == names.count)
        for name in names { #expect(ControlCommands.type(named: name)?.command == name) }
    }

    @Test func accessClasses() {
        let mutating = Set(ControlCommands.all.filter { $0.access == .mutating }.map { $0.command })
        #expect(mutating == ["fetch", "ingest", "ingest.chunk", "alert.ack", "source.pause", "source.resume", "reload", "backup"])
    }
}

@Suite struct StatusCompatibilityTests {
    /// `walBytes` came later: the status of a brid without it still decodes, as 0.
    @Test func aDatabaseStatusWithoutWALBytesDecodes() throws {
        let json = #"{"observationVersions":3,"path":"/var/lib/brid/brid.sqlite","releases":1,"series":2,"sizeBytes":8192}"#
        let status = try JSONDecoder().decode(DatabaseStatus.self, from: Data(json.utf8))
        #expect(status == DatabaseStatus(path: "/var/lib/brid/brid.sqlite", sizeBytes: 8192, walBytes: 0, releases: 1, series: 2, observationVersions: 3))
    }

    /// The cluster and each source's holder came later (issue 11): a status without them
    /// decodes with none, and one with them round-trips.
    @Test func aStatusWithoutTheClusterDecodesWithNone() throws {
        let source = #"{"id":"a","kind":"url","location":"https://x","format":"csv","state":"ok","consecutiveFailures":0,"inFlight":false}"#
        let decoded = try JSONDecoder().decode(SourceStatus.self, from: Data(source.utf8))
        #expect(decoded.heldBy == nil && decoded.heldUntil == nil)
        var status = try #require(Samples.responses[StatusRequest.command] as? StatusResponse)
        status.cluster = nil
        let json = try JSONEncoder().encode(status)
        #expect(!String(decoding: json, as: UTF8.self).contains("cluster"))
        #expect(try JSONDecoder().decode(StatusResponse.self, from: json).cluster == nil)
        var held = decoded
        held.heldBy = "brid-b"
        held.heldUntil = Date(timeIntervalSince1970: 1_764_489_630)
        #expect(try JSONDecoder().decode(SourceStatus.self, from: JSONEncoder().encode(held)) == held)
    }
}
