@testable import BridProtocol
import Foundation
import Synchronization
import Testing

@Suite struct WireTimeTests {
    @Test func formats() {
        #expect(WireTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(WireTime.format(Samples.t0) == "2025-11-30T10:27:00Z")
        #expect(WireTime.format(Samples.t1) == "2025-11-30T10:27:00.125Z")
        #expect(WireTime.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(WireTime.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(WireTime.formatDate(Samples.t0) == "2025-11-30")
    }

    @Test func parses() {
        #expect(WireTime.parse("2025-11-30T10:27:00Z") == Samples.t0)
        #expect(WireTime.parse("2025-11-30T10:27:00.125Z") == Samples.t1)
        #expect(WireTime.parse("2025-11-30T16:27+06:00") == Samples.t0)
        #expect(WireTime.parse("2025-11-30 10:27:00") == Samples.t0)
        #expect(WireTime.parse("2025-11-30") == nil)
        #expect(WireTime.parse("2025-11-30", datesAllowed: true) == Date(timeIntervalSince1970: 1_764_460_800))
        #expect(WireTime.parse("2025-11-30", datesAllowed: true, dateMeans: .endOfDay) == Date(timeIntervalSince1970: 1_764_547_199.999))
        for bad in ["2025-13-01T00:00Z", "2025-02-30", "2025-11-30T25:00Z", "yesterday", "2025-11-30T10:27:00Zjunk", ""] {
            #expect(WireTime.parse(bad, datesAllowed: true) == nil, "\(bad)")
        }
    }

    @Test func roundTripsMilliseconds() {
        for ms in stride(from: Int64(-86_400_000 * 400), to: 86_400_000 * 20_000, by: 7_654_321_987) {
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            #expect(WireTime.parse(WireTime.format(date)) == date)
        }
    }
}

@Suite struct IngestStagingTests {
    @Test func chunksThenFinish() throws {
        var staging = IngestStaging()
        #expect(try staging.stage(IngestChunkRequest(source: "s", fileName: "f", offset: 0, data: Data("abc".utf8))).received == 3)
        #expect(try staging.stage(IngestChunkRequest(source: "s", fileName: "f", offset: 3, data: Data("def".utf8))).received == 6)
        let file = try staging.finish(IngestRequest(source: "s", fileName: "f", size: 8, offset: 6, data: Data("gh".utf8)))
        #expect(file == Data("abcdefgh".utf8))
        #expect(staging.bytes.isEmpty)
    }

    @Test func refusesOutOfOrderOrForeignChunks() throws {
        var staging = IngestStaging()
        _ = try staging.stage(IngestChunkRequest(source: "s", fileName: "f", offset: 0, data: Data("abc".utf8)))
        #expect(throws: ControlError.self) { try staging.stage(IngestChunkRequest(source: "s", fileName: "f", offset: 2, data: Data("x".utf8))) }
        #expect(throws: ControlError.self) { try staging.finish(IngestRequest(source: "t", fileName: "f", size: 4, offset: 3, data: Data("x".utf8))) }
        // A size that does not add up.
        var other = IngestStaging()
        #expect(throws: ControlError.self) { try other.finish(IngestRequest(source: "s", fileName: "f", size: 9, data: Data("x".utf8))) }
        #expect(throws: ControlError.self) {
            try other.finish(IngestRequest(source: "s", fileName: "f", size: ControlProtocol.maxIngestBytes + 1, data: Data()))
        }
    }

    @Test func wholeSmallFile() throws {
        var staging = IngestStaging()
        #expect(try staging.finish(IngestRequest(source: "s", fileName: "f", size: 2, data: Data("xy".utf8))) == Data("xy".utf8))
    }
}

@Suite struct ControlHandlersTests {
    @Test func dispatchesAndGuardsMutatingCommands() async throws {
        var handlers = ControlHandlers<String>()
        handlers.on(PauseRequest.self) { request, peer in PauseResponse(source: request.source + "@" + peer, paused: true, changed: true) }
        handlers.on(HistoryRequest.self) { request, _ in throw ControlError.notFound("no series \(request.series)") }
        handlers.on(RulesRequest.self) { _, _ in throw CocoaError(.fileNoSuchFile) }
        #expect(handlers.missingCommands.count == ControlCommands.all.count - 3)

        let pause = Array(try ControlMessage.encodeRequest(PauseRequest(source: "wb"), id: 1))
        let allowed = await handlers.reply(to: pause, context: "uid0", mayMutate: true)
        #expect(try ControlMessage.decodeReply(allowed, for: PauseRequest.self).outcome.get().source == "wb@uid0")
        let refused = await handlers.reply(to: pause, context: "uid1000", mayMutate: false)
        #expect(try ControlMessage.decodeReply(refused, for: PauseRequest.self).error?.code == .forbidden)

        let history = Array(try ControlMessage.encodeRequest(HistoryRequest(series: "x", period: "2018"), id: 2))
        let notFound = await handlers.reply(to: history, context: "", mayMutate: false)
        #expect(try ControlMessage.decodeReply(notFound, for: HistoryRequest.self).error == .notFound("no series x"))

        let rules = Array(try ControlMessage.encodeRequest(RulesRequest(), id: 3))
        let crashed = await handlers.reply(to: rules, context: "", mayMutate: false)
        #expect(try ControlMessage.decodeReply(crashed, for: RulesRequest.self).error?.code == .internal)

        let garbage = await handlers.reply(to: [0xFF, 0xFE], context: "", mayMutate: true)
        #expect(try ControlMessage.decodeReply(garbage, for: RulesRequest.self).error?.code == .badRequest)
    }
}

@Suite struct ReplyStreamTests {
    struct Boom: Error {}

    @Test func anErrorMidStreamEndsItWithAnErrorLine() async throws {
        var handlers = ControlHandlers<Int>()
        let closed = Mutex(0)
        handlers.onStream(ReleasesRequest.self) { _, _ in
            let calls = Mutex(0)
            return (Empty(), RowSource(next: { _ in
                let call = calls.withLock { $0 += 1; return $0 }
                if call > 1 { throw ControlError.failed("the disk went away") }
                return [Samples.release]
            }, close: { closed.withLock { $0 += 1 } }))
        }
        let request = Array(try ControlMessage.encodeRequest(ReleasesRequest(), id: 4))
        let lines = await handlers.reply(to: request, context: 0, mayMutate: false).split(separator: 0x0A).map { Data($0) }
        #expect(lines.count == 3)
        #expect(String(decoding: lines[0], as: UTF8.self).contains(#""stream":true"#))
        guard case let .rows(rows) = try ControlMessage.decodeStreamLine(lines[1], as: Release.self) else { throw Boom() }
        #expect(rows == [Samples.release])
        guard case let .failure(error) = try ControlMessage.decodeStreamLine(lines[2], as: Release.self) else { throw Boom() }
        #expect(error == .failed("the disk went away"))
        #expect(closed.withLock { $0 } == 1)
    }

    @Test func aBatchTooLongForALineIsCut() throws {
        let big = String(repeating: "x", count: 300_000)
        let rows = (0..<10).map { ReleaseChange(series: "s\($0)", period: "2018", kind: .added, value: big) }
        let lines = try ReplyStream.encodeRows(rows, id: 1)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.line.count <= ControlProtocol.maxLineBytes })
        #expect(lines.map(\.rows).reduce(0, +) == 10)
        let huge = ReleaseChange(series: "s", period: "2018", kind: .added, value: String(repeating: "9", count: 2 << 20))
        #expect(throws: ControlError.self) { try ReplyStream.encodeRows([huge], id: 1) }
    }

    @Test func aWholeResultAsAStreamReassembles() throws {
        let response = ReleaseResponse(release: Samples.release, changes: (0..<2_500).map {
            ReleaseChange(series: "s\($0)", period: "2018", kind: .revised, value: "\($0)", previousValue: "1")
        })
        let lines = ControlMessage.encodeStream(ReleaseRequest.self, id: 3, response: response).split(separator: 0x0A).map { Data($0) }
        let header = try ControlMessage.decodeReply(lines[0], as: ReleaseHeader.self).outcome.get()
        var rows: [ReleaseChange] = []
        var end: StreamEnd?
        for line in lines.dropFirst() {
            switch try ControlMessage.decodeStreamLine(line, as: ReleaseChange.self) {
            case let .rows(batch): rows += batch
            case let .end(last): end = last
            case .failure: throw Boom()
            }
        }
        #expect(ReleaseRequest.assemble(header, rows, try #require(end)) == response)
    }
}

@Suite struct RowJSONTests {
    func same(_ value: some Encodable & RowJSON) throws {
        var fast: [UInt8] = []
        value.writeJSON(to: &fast)
        let reference = try WireJSON.encoder.encode(value)
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
    }

    func readsBack<Row: Codable & Equatable & RowJSONReadable>(_ rows: [Row]) throws {
        let line = try ControlMessage.encodeRowsLine(rows, id: 1)
        #expect(try RowsLineReader.rows(line, as: Row.self) == rows)
        #expect(try WireJSON.decoder.decode(StreamLineBody<Row>.self, from: line).rows == rows)
    }

    @Test func rowsWriteWhatTheEncoderWritesAndReadBack() throws {
        let tricky = "a\"b\\c/d\n\t\r\u{8}\u{C}\u{1}\u{1F} é 中 🚂 \u{2028}"
        try same(ReleaseChange(series: "a", period: "2018", kind: .revised, value: "19.902", previousValue: "19.885"))
        try same(ReleaseChange(series: tricky, period: "2018-Q1", kind: .removed, value: nil))
        try same(Samples.release)
        try same(Samples.releaseMinimal)
        try same(SeriesSummary(key: "cn-kz.trade.total", name: tricky, unit: "USD bn", frequency: "A", source: "bri-cn-kz",
                               latestPeriod: "2018", latestValue: "19.885", lastChangedAt: Samples.t1))
        try same(SeriesSummary(key: "x", frequency: "M"))
        try same(ObservationVersion(releaseID: 1, source: "s", value: "1", validFrom: Samples.t0, validUntil: Samples.t1))
        try same(ObservationVersion(releaseID: 2, source: "s", value: nil, removed: true, validFrom: Samples.t1))
        try same(Observation(period: "2018", value: "19.885", releaseID: 3))
        try same(Observation(period: "2018-Q1", value: nil, releaseID: 4))
        // Statuses (Eurostat's flags, SDMX's OBS_STATUS): written when there is one, read back.
        let withStatus = ReleaseChange(series: "a", period: "2021", kind: .revised, value: "5400", status: "e", previousValue: "5400", previousStatus: "p")
        try same(withStatus)
        try same(ObservationVersion(releaseID: 1, source: "s", value: "5400", status: "p", validFrom: Samples.t0))
        try same(Observation(period: "2021", value: nil, status: "c", releaseID: 3))
        try readsBack([withStatus])
        try readsBack([ObservationVersion(releaseID: 1, source: "s", value: "5400", status: tricky, validFrom: Samples.t0)])
        try readsBack([Observation(period: "2021", value: "5400", status: "bep", releaseID: 3)])
        try readsBack([Observation(period: "2018", value: "19.885", releaseID: 3), Observation(period: "2018-Q1", value: nil, releaseID: 4)])
        try same(tricky)
        try same("series,period,value,release")
        let line = try ControlMessage.encodeRowsLine([Samples.release, Samples.releaseMinimal], id: 7)
        let reference = try WireJSON.encoder.encode(RowsEnvelope(v: ControlProtocol.protocolVersion, id: 7, rows: [Samples.release, Samples.releaseMinimal]))
        #expect(line == reference + [0x0A])

        try readsBack([ReleaseChange(series: tricky, period: "2018-Q1", kind: .removed, value: nil),
                       ReleaseChange(series: "a", period: "2018", kind: .revised, value: "19.902", previousValue: "19.885")])
        try readsBack([Samples.release, Samples.releaseMinimal])
        try readsBack([SeriesSummary(key: "x", frequency: "M"), SeriesSummary(key: "k", name: tricky, unit: "u", frequency: "A", source: "s",
                                                                               latestPeriod: "2018", latestValue: "1", lastChangedAt: Samples.t1)])
        try readsBack([ObservationVersion(releaseID: 2, source: "s", value: nil, removed: true, validFrom: Samples.t1),
                       ObservationVersion(releaseID: 1, source: "s", value: "1", validFrom: Samples.t0, validUntil: Samples.t1)])
        let strings = [tricky, "series,period,value,release", ""]
        #expect(try RowsLineReader.strings(try ControlMessage.encodeRowsLine(strings, id: 3)) == strings)
        // Escapes another writer may use, and members in another order.
        let other = Data(#"{"v":2,"rows":[{"value":"\u00e9\/\ud83d\ude82","series":"s\"","period":"2018","kind":"added","extra":null}],"id":1}"#.utf8)
        guard case let .rows(rows) = try ControlMessage.decodeStreamLine(other, as: ReleaseChange.self) else { throw ReplyStreamTests.Boom() }
        #expect(rows == [ReleaseChange(series: "s\"", period: "2018", kind: .added, value: "é/🚂")])
    }
}

@Suite struct ReplyLimitTests {
    @Test func aSingleLineReplyOverTheLimitIsRefused() async throws {
        var handlers = ControlHandlers<Int>()
        handlers.on(AlertsRequest.self) { _, _ in
            AlertsResponse(alerts: (0..<6_000).map { _ in Samples.alert })
        }
        let request = Array(try ControlMessage.encodeRequest(AlertsRequest(all: true), id: 5))
        let reply = await handlers.reply(to: request, context: 0, mayMutate: false)
        #expect(reply.count <= ControlProtocol.maxLineBytes)
        let error = try ControlMessage.decodeReply(reply, for: AlertsRequest.self).error
        #expect(error?.code == .failed && error?.message.contains("1 MiB") == true, "\(String(describing: error))")
    }
}
