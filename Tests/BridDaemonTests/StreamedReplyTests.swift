import BridCore
@testable import BridDaemon
import BridProtocol
import BridStore
import BridTestSupport
import Foundation
import Testing

/// Issue 10 point 5: replies that stream, over the real control server.
@Suite(.serialized) struct StreamedReplyTests {
    /// A release of `series` × 100 annual periods written straight into the daemon's store.
    func bigRelease(_ h: ControlServerTests.Harness, series: Int) throws -> Int64 {
        var builder = PayloadBuilder(origin: "big.csv") { _ in nil }
        var ordinal: Int32 = 2
        for s in 0..<series {
            for year in 1900..<2000 {
                try builder.add(series: "big.s\(s)", period: "\(year)", value: "\(s).\(year)", ordinal: ordinal, place: .line(Int(ordinal)))
                ordinal += 1
            }
        }
        let outcome = try h.built.daemon.store.ingest(try builder.finish(), source: "big", recordRemovals: false,
                                                       sha256: String(repeating: "b", count: 64), at: Date())
        guard case let .released(release) = outcome else { throw SupportError("not released: \(outcome)") }
        return release.id
    }

    /// `bigRelease` on a thread of its own: building and writing 100,000s of observations
    /// must not hold a cooperative thread (other suites' timing tests wait for them).
    func bigReleaseOffPool(_ h: ControlServerTests.Harness, series: Int) async throws -> Int64 {
        let harness = Unchecked(h)
        return try await offPool { try self.bigRelease(harness.value, series: series) }
    }

    @Test func aLargeReleaseStreamsInLinesUnderTheLimitAndReassemblesExactly() async throws {
        let h = try ControlServerTests.Harness()
        try await eventually("the drop file and the URL are ingested") { try h.built.daemon.store.releases().count == 2 }
        let id = try await bigReleaseOffPool(h, series: 2_000)
        let client = try LineSocket(path: h.socket, receiveTimeout: 30)
        let lines = try await client.askAll(#"{"v":2,"id":1,"cmd":"release.show","args":{"id":\#(id)}}"#)
        #expect(lines.count > 3, "header, several lines of rows, end")
        #expect(lines.allSatisfy { $0.utf8.count <= ControlProtocol.maxLineBytes })
        let header = try ControlMessage.decodeReply(Data(lines[0].utf8), as: ReleaseHeader.self)
        #expect(try header.outcome.get().release.added == 200_000)
        var streamed: [ReleaseChange] = []
        var end: StreamEnd?
        for line in lines.dropFirst() {
            switch try ControlMessage.decodeStreamLine(Data(line.utf8), as: ReleaseChange.self) {
            case let .rows(rows): streamed += rows
            case let .end(last): end = last
            case let .failure(error): Issue.record("error line: \(error)")
            }
        }
        let store = Unchecked(h.built.daemon.store)
        let direct = try await offPool { try store.value.changes(release: id) }
        #expect(end == StreamEnd(rows: 200_000))
        #expect(streamed.count == direct.count)
        #expect(streamed == direct.map {
            ReleaseChange(series: $0.series, period: $0.period, kind: ReleaseChange.Kind(rawValue: $0.kind.rawValue)!, value: $0.value,
                          previousValue: $0.previousValue)
        })
        // The connection serves the next request after the stream.
        #expect(try await client.ask(#"{"v":2,"id":2,"cmd":"status"}"#).contains(#""ok":true"#))
        try await eventually("every cursor closed") { StoreCursors.open == 0 }
    }

    @Test func aClientThatGoesAwayMidStreamFreesItsCursor() async throws {
        let h = try ControlServerTests.Harness()
        try await eventually("the drop file and the URL are ingested") { try h.built.daemon.store.releases().count == 2 }
        let id = try await bigReleaseOffPool(h, series: 1_000)
        let client = try LineSocket(path: h.socket, receiveTimeout: 30)
        try client.send(Array(#"{"v":2,"id":1,"cmd":"release.show","args":{"id":\#(id)}}"#.utf8) + [0x0A])
        #expect(try client.readLine().contains(#""stream":true"#))
        _ = try client.readLine()  // one line of rows; the rest waits for this reader
        try await eventually("the stream waits with its cursor open") { StoreCursors.open >= 1 }
        close(client.fd)
        try await eventually("the cursor is closed once the client is gone") { StoreCursors.open == 0 }
        // The daemon still answers.
        #expect(try await h.ask(#"{"v":2,"id":1,"cmd":"status"}"#).contains(#""ok":true"#))
    }

    @Test func aClientThatStopsReadingMidStreamIsDisconnected() async throws {
        let h = try ControlServerTests.Harness(streamStallLimit: .milliseconds(500))
        try await eventually("the drop file and the URL are ingested") { try h.built.daemon.store.releases().count == 2 }
        let id = try await bigReleaseOffPool(h, series: 1_000)
        let client = try LineSocket(path: h.socket, receiveTimeout: 30)
        try client.send(Array(#"{"v":2,"id":1,"cmd":"release.show","args":{"id":\#(id)}}"#.utf8) + [0x0A])
        #expect(try client.readLine().contains(#""stream":true"#))
        // Reads nothing more: the socket's buffers fill, then the stream waits, then brid gives up.
        try await eventually("the stalled stream is closed") { StoreCursors.open == 0 }
        var rest: [String] = []
        while let line = try? client.readLine() { rest.append(line) }
        #expect(!rest.contains { $0.hasPrefix(#"{"end":"#) }, "the connection was closed before the reply was complete")
        #expect(try await h.ask(#"{"v":2,"id":1,"cmd":"status"}"#).contains(#""ok":true"#))
    }

    @Test func seriesPagesAndExportsStream() async throws {
        let h = try ControlServerTests.Harness()
        try await eventually("the drop file and the URL are ingested") { try h.built.daemon.store.releases().count == 2 }
        _ = try bigRelease(h, series: 30)
        let client = try LineSocket(path: h.socket)
        let page = try await client.askAll(#"{"v":2,"id":1,"cmd":"series.list","args":{"glob":"big.*","limit":10}}"#)
        #expect(page.last?.contains(#""next":"big.s17""#) == true, "\(page.last ?? "")")
        let next = try await client.askAll(#"{"v":2,"id":2,"cmd":"series.list","args":{"glob":"big.*","after":"big.s17"}}"#)
        #expect(next.last == #"{"end":{"rows":20},"id":2,"v":2}"#)
        let bySource = try await client.askAll(#"{"v":2,"id":3,"cmd":"series.list","args":{"source":"d"}}"#)
        #expect(bySource.joined().contains("cn-kz.trade.total") && !bySource.joined().contains("big.s"))
        let export = try await client.askAll(#"{"v":2,"id":4,"cmd":"export","args":{"series":["big.s1","big.s2"]}}"#)
        #expect(export.last == #"{"end":{"rows":201},"id":4,"v":2}"#)
        let missing = try await client.askAll(#"{"v":2,"id":5,"cmd":"export","args":{"series":["big.s1","nope"]}}"#)
        #expect(missing.count == 1 && missing[0].contains("not_found"))
        try await eventually("every cursor closed") { StoreCursors.open == 0 }
    }
}
