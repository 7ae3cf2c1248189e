import BridCore
@testable import BridDaemon
import BridFetch
import BridRuntime
import BridTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The control server in-process: the daemon built by `buildDaemon` on a manual clock with
/// a scripted fetcher, its socket in a temporary folder, a plain client writing lines.
@Suite(.serialized) struct ControlServerTests {
    final class Harness: @unchecked Sendable {
        let root = NSTemporaryDirectory() + "brid-ctl-" + UUID().uuidString.prefix(8)
        let fetcher = ScriptedFetcher()
        let built: BuiltDaemon
        let run: Task<Void, any Error>

        /// `daemonSettings`: more lines of the config's [daemon] table; `extraConfig`: more tables.
        init(streamStallLimit: Duration = .seconds(60), daemonSettings: String = "", extraConfig: String = "",
             logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) throws {
            try FileManager.default.createDirectory(atPath: root + "/state/drop/d", withIntermediateDirectories: true)
            try Data("series,period,value\ncn-kz.trade.total,2018,19.885\n".utf8).write(to: URL(fileURLWithPath: root + "/state/drop/d/r1.csv"))
            // Dropped while brid was down, a minute before the clock's now: taken by the first scan.
            let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))
            try FileManager.default.setAttributes([.modificationDate: clock.now().addingTimeInterval(-60)],
                                                  ofItemAtPath: root + "/state/drop/d/r1.csv")
            try Data(("""
                [daemon]
                state_dir = "state"
                socket = "state/ctl.sock"
                \(daemonSettings)

                [[source]]
                id = "d"
                drop = "drop/d"
                format = "csv"

                [[source]]
                id = "kz"
                url = "http://publisher.test/kz.csv"
                format = "csv"
                """ + extraConfig).utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
            fetcher.serve("http://publisher.test/kz.csv", "series,period,value\nwb.kaz.exports,2018,8.535\n")
            let config = try ConfigLoader.load(path: root + "/brid.toml").get()
            var environment = DaemonEnvironment(clock: clock, fetcher: fetcher,
                                                logger: logger, variables: [:])
            environment.streamStallLimit = streamStallLimit
            // Cancelled when the test ends, maybe on a loaded machine: no crash for a slow stop.
            environment.cancellationLimit = .seconds(60)
            built = try buildDaemon(config: config, environment: environment)
            let group = built.group!
            run = Task { try await group.run() }
        }

        deinit {
            run.cancel()
            try? FileManager.default.removeItem(atPath: root)
        }

        var socket: String { root + "/state/ctl.sock" }

        /// Sends one line on a new connection, returns the reply line.
        func ask(_ line: String) async throws -> String {
            let client = try LineSocket(path: socket)
            return try await client.ask(line)
        }
    }

    @Test func answersEveryKindOfRequestOnOneConnection() async throws {
        let h = try Harness()
        try await eventually("the drop file and the URL are ingested") { try h.built.daemon.store.releases().count == 2 }
        let client = try LineSocket(path: h.socket)
        let status = try await client.ask(#"{"v":2,"id":1,"cmd":"status"}"#)
        #expect(status.hasPrefix(#"{"id":1,"ok":true"#) || status.contains(#""ok":true"#))
        #expect(status.contains(#""id":"kz""#) && status.contains(#""state":"ok""#))
        let show = try await client.askAll(#"{"v":2,"id":2,"cmd":"series.show","args":{"series":"cn-kz.trade.total"}}"#).joined()
        #expect(show.contains(#""value":"19.885""#))
        #expect(try await client.ask(#"{"v":2,"id":3,"cmd":"series.show","args":{"series":"nope"}}"#).contains(#""code":"not_found""#))
        #expect(try await client.askAll(#"{"v":2,"id":4,"cmd":"series.history","args":{"series":"cn-kz.trade.total","period":"2018-01-01"}}"#).joined().contains(#""period":"2018""#))
        #expect(try await client.ask("not json").contains(#""code":"bad_request""#))
        #expect(try await client.ask(#"{"v":9,"id":5,"cmd":"status"}"#).contains(#""code":"version_mismatch""#))
        // Mutating commands from this process's own uid are allowed.
        let fetch = try await client.ask(#"{"v":2,"id":6,"cmd":"fetch","args":{"sources":["kz"]}}"#)
        #expect(fetch.contains(#""outcome":"unchanged""#), "\(fetch)")
        #expect(h.fetcher.requests.last?.etag != nil, "the manual fetch is conditional")
        let queued = try await client.ask(#"{"v":2,"id":10,"cmd":"fetch","args":{"sources":["kz"],"wait":false}}"#)
        #expect(queued.contains(#""outcome":"queued""#), "\(queued)")
        try await eventually("the queued fetch runs") { h.fetcher.requestCount("http://publisher.test/kz.csv") >= 3 }
        let pause = try await client.ask(#"{"v":2,"id":7,"cmd":"source.pause","args":{"source":"kz"}}"#)
        #expect(pause.contains(#""paused":true"#))
        #expect(await h.built.daemon.isPaused("kz"))
        let export = try await client.askAll(#"{"v":2,"id":8,"cmd":"export","args":{"series":["cn-kz.trade.total"],"vintages":true}}"#)
        #expect(export.joined().contains("2018,19.885"))
        // The JSON exports parse as JSON with the documented shapes.
        let latest = try await exportedJSON(client, #"{"series":["cn-kz.trade.total"],"format":"json"}"#) as? [[String: Any]]
        #expect(latest?.first?["value"] as? String == "19.885")
        #expect(Set(latest?.first?.keys.map { $0 } ?? []) == ["series", "period", "value", "status", "releaseID"])
        #expect(latest?.first?["status"] is NSNull)
        #expect(latest?.first?["releaseID"] as? Int == 1 || latest?.first?["releaseID"] as? Int == 2)
        let matrix = try await exportedJSON(client, #"{"series":["cn-kz.trade.total"],"format":"json","vintages":true}"#) as? [String: Any]
        let columns = matrix?["vintages"] as? [[String: Any]]
        #expect(columns?.count == 1)
        // camelCase as in every other result: releaseID and ingestedAt, as in a release.
        #expect(Set(columns?.first?.keys.map { $0 } ?? []) == ["releaseID", "ingestedAt"])
        #expect(((matrix?["periods"] as? [[String: Any]])?.first?["values"] as? [String]) == ["19.885"])
    }

    /// A mistake gets an error, not an empty answer that reads as "nothing there".
    @Test func anUnknownRuleOrAReversedRangeIsAnError() async throws {
        let h = try Harness(extraConfig: """

            [[alert]]
            id = "huge"
            series = "cn-kz.*"
            when = "level"
            above = 1e12
            """)
        try await eventually("the drop file and the URL are ingested") { try h.built.daemon.store.releases().count == 2 }
        let client = try LineSocket(path: h.socket)
        let unknown = try await client.ask(#"{"v":2,"id":1,"cmd":"alerts","args":{"all":true,"rule":"nosuch"}}"#)
        #expect(unknown.contains(#""code":"not_found""#), "\(unknown)")
        #expect(unknown.contains("no alert rule nosuch in") && unknown.contains("(huge)"), "\(unknown)")
        // A configured rule that never fired: an empty list.
        let quiet = try await client.ask(#"{"v":2,"id":2,"cmd":"alerts","args":{"all":true,"rule":"huge"}}"#)
        #expect(quiet.contains(#""ok":true"#) && quiet.contains(#""alerts":[]"#), "\(quiet)")
        let reversed = try await client.ask(#"{"v":2,"id":3,"cmd":"series.show","args":{"series":"cn-kz.trade.total","from":"2020","to":"2010"}}"#)
        #expect(reversed.contains(#""code":"bad_request""#) && reversed.contains("--from 2020 is after --to 2010"), "\(reversed)")
        let single = try await client.askAll(#"{"v":2,"id":4,"cmd":"series.show","args":{"series":"cn-kz.trade.total","from":"2018","to":"2018"}}"#)
        #expect(single.joined().contains(#""value":"19.885""#))
    }

    @Test func everyCommandOfTheProtocolHasAHandler() throws {
        // The daemon's API over a store, no services running.
        let bare = try BareDaemon()
        #expect(bare.api.handlers().missingCommands == [], "a command in ControlCommands.all that the daemon would answer with unknown_command")
    }

    @Test func aClientThatHalfClosesHasEveryRequestAnsweredThenTheConnectionCloses() async throws {
        let h = try Harness()
        try await eventually("both ingested") { try h.built.daemon.store.releases().count == 2 }
        let socket = h.socket
        try await offPool {
            // One request, then shutdown(SHUT_WR), as `nc -N` does.
            let one = try LineSocket(path: socket, receiveTimeout: 30)
            try one.send(Array(#"{"v":2,"id":1,"cmd":"status"}"#.utf8) + [0x0A])
            one.shutdownWriting()
            let replies = try one.readLinesUntilClosed()
            #expect(replies.count == 1 && replies.first?.contains(#""id":1"#) == true && replies.first?.contains(#""ok":true"#) == true,
                    "\(replies)")

            // Two pipelined requests, a streamed one among them, in one write; the last one
            // without its newline.
            let two = try LineSocket(path: socket, receiveTimeout: 30)
            try two.send(Array((#"{"v":2,"id":2,"cmd":"series.show","args":{"series":"cn-kz.trade.total"}}"# + "\n"
                                + #"{"v":2,"id":3,"cmd":"status"}"#).utf8))
            two.shutdownWriting()
            let lines = try two.readLinesUntilClosed()
            #expect(lines.first?.contains(#""id":2"#) == true && lines.first?.contains(#""stream":true"#) == true, "\(lines)")
            #expect(lines.joined().contains(#""value":"19.885""#))
            #expect(lines.contains { $0.hasPrefix(#"{"end":"#) })
            #expect(lines.last?.contains(#""id":3"#) == true && lines.last?.contains(#""ok":true"#) == true, "\(lines)")
        }
        // The server still serves others.
        #expect(try await h.ask(#"{"v":2,"id":4,"cmd":"status"}"#).contains(#""ok":true"#))
    }

    @Test func stagedUploadsShareOneBudgetAndPastItTheUploadIsDropped() async throws {
        let h = try Harness(daemonSettings: #"max_staged_bytes = "1MB""#)
        let socket = h.socket
        let chunk = Data(repeating: 0x41, count: 400_000).base64EncodedString()
        @Sendable func stage(_ client: LineSocket, file: String, offset: Int, id: Int = 1) throws -> String {
            try client.roundTrip(#"{"v":2,"id":\#(id),"cmd":"ingest.chunk","args":{"source":"d","fileName":"\#(file)","offset":\#(offset),"data":"\#(chunk)"}}"#)
        }
        /// Whether a new connection can stage 800,000 bytes (the budget has that much free).
        @Sendable func roomFor800k() throws -> Bool {
            let client = try LineSocket(path: socket, receiveTimeout: 30)
            return try stage(client, file: "probe.csv", offset: 0).contains(#""received":400000"#)
                && stage(client, file: "probe.csv", offset: 400_000).contains(#""received":800000"#)
        }
        try await offPool {
            let first = try LineSocket(path: socket, receiveTimeout: 30)
            let second = try LineSocket(path: socket, receiveTimeout: 30)
            #expect(try stage(first, file: "a.csv", offset: 0).contains(#""received":400000"#))
            #expect(try stage(first, file: "a.csv", offset: 400_000).contains(#""received":800000"#))
            // A second connection's chunk would pass the budget: refused, and its upload dropped.
            let refused = try stage(second, file: "b.csv", offset: 0)
            #expect(refused.contains(#""code":"conflict""#) && refused.contains("max_staged_bytes is 1 MiB"), "\(refused)")
            #expect(try stage(second, file: "b.csv", offset: 400_000).contains("no upload of b.csv"))
            // A new file from offset 0 on the first connection replaces its staged one.
            #expect(try stage(first, file: "c.csv", offset: 0).contains(#""received":400000"#))
            #expect(try stage(second, file: "b.csv", offset: 0).contains(#""received":400000"#))
            #expect(try stage(second, file: "b.csv", offset: 400_000).contains(#""code":"conflict""#))
        }
        // Connections that go away give their staged bytes back (the loop frees them soon after).
        try await eventually("the closed connections' uploads are released") { try await offPool { try roomFor800k() } }
        // The ingest that ends an upload takes its bytes out of the budget too.
        try await offPool {
            let client = try LineSocket(path: socket, receiveTimeout: 30)
            let text = "series,period,value\n" + (0..<40_000).map { "s\($0),2018,1\n" }.joined()
            let bytes = Data(text.utf8)
            let split = 400_000
            let head = bytes[..<split].base64EncodedString(), tail = bytes[split...].base64EncodedString()
            #expect(try client.roundTrip(#"{"v":2,"id":1,"cmd":"ingest.chunk","args":{"source":"d","fileName":"big.csv","offset":0,"data":"\#(head)"}}"#).contains(#""received":400000"#))
            let done = try client.roundTrip(#"{"v":2,"id":2,"cmd":"ingest","args":{"source":"d","fileName":"big.csv","size":\#(bytes.count),"offset":\#(split),"data":"\#(tail)"}}"#)
            #expect(done.contains(#""ok":true"#) && done.contains("big.csv"), "\(done.prefix(300))")
            // Still connected, nothing staged: another connection has the whole budget but what probe holds.
            #expect(try roomFor800k())
        }
    }

    @Test func echoedInputIsCutInRepliesNotesAndStatus() async throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "test") { label in
            StderrLogHandler(label: label, level: .info, journal: false, sink: LineSink { line in lines.withLock { $0.append(line) } })
        }
        let h = try Harness(logger: logger)
        try await eventually("both ingested") { try h.built.daemon.store.releases().count == 2 }
        // A 900 KB series key in not_found.
        let key = String(repeating: "k", count: 900_000)
        let notFound = try await h.ask(#"{"v":2,"id":1,"cmd":"series.show","args":{"series":"\#(key)"}}"#)
        #expect(notFound.contains(#""code":"not_found""#) && notFound.contains("… (900000 characters)"), "\(notFound.prefix(300))")
        #expect(notFound.utf8.count < 1_000)
        // A dropped file with a 5 MB quoted value: its note, the log, the source's last error
        // and status stay small.
        let value = String(repeating: "9", count: 5 << 20)
        let folder = h.root + "/state/drop/d"
        try Data("series,period,value\nx,2018,\"\(value)\"\n".utf8).write(to: URL(fileURLWithPath: folder + "/big.csv"))
        // Scanned now, or by the watcher that saw the file closed (then this scan waits for it).
        await h.built.daemon.drops.scanDrop(folder, settle: false)
        // Logged once its note is written and closed (the note's file exists a moment before
        // its text is in it).
        try await eventually("the file is rejected") { lines.withLock { $0 }.contains { $0.contains("rejected:") } }
        let note = try String(contentsOfFile: folder + "/rejected/big.csv.error", encoding: .utf8)
        #expect(note.utf8.count < 1_000 && note.contains("…\" (5242880 characters)"), "\(note.prefix(300))")
        let logged = lines.withLock { $0 }.filter { $0.contains("rejected:") }
        #expect(logged.count == 1 && logged.allSatisfy { $0.utf8.count < 1_000 }, "\(logged.map { $0.prefix(300) })")
        let status = try await h.ask(#"{"v":2,"id":2,"cmd":"status"}"#)
        #expect(status.contains(#""ok":true"#) && status.contains("(5242880 characters)"), "\(status.prefix(300))")
        #expect(status.utf8.count < 10_000)
        let sources = try await h.ask(#"{"v":2,"id":3,"cmd":"sources"}"#)
        #expect(sources.contains(#""ok":true"#) && sources.utf8.count < 10_000)
    }

    @Test func aRejectionIsLoggedWhenItsNoteCannotBeWritten() async throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "test") { label in
            StderrLogHandler(label: label, level: .info, journal: false, sink: LineSink { line in lines.withLock { $0.append(line) } })
        }
        let h = try Harness(logger: logger)
        try await eventually("both ingested") { try h.built.daemon.store.releases().count == 2 }
        let folder = h.root + "/state/drop/d"
        try FileManager.default.createSymbolicLink(atPath: folder + "/rejected/bad.csv.error", withDestinationPath: h.root + "/nowhere/x")
        try Data("series,period,value\nx,2018,oops\n".utf8).write(to: URL(fileURLWithPath: folder + "/bad.csv"))
        await h.built.daemon.drops.scanDrop(folder, settle: false)
        try await eventually("the rejection is logged") { lines.withLock { $0 }.contains { $0.contains("rejected without its .error note") } }
        let logged = lines.withLock { $0 }
        #expect(logged.contains { $0.contains("rejected: bad.csv line 2: value \"oops\" is not a number") && $0.contains("moved to \(folder)/rejected/bad.csv") },
                "\(logged)")
        #expect(logged.contains { $0.contains("rejected without its .error note: cannot create \(folder)/rejected/bad.csv.error: File exists") },
                "\(logged)")
        #expect(try await h.ask(#"{"v":2,"id":1,"cmd":"status"}"#).contains("is not a number"))
    }

    @Test func aChangeInvalidatesTheCachedStatus() async throws {
        let h = try Harness()
        try await eventually("both ingested") { try h.built.daemon.store.releases().count == 2 }
        #expect(try await h.ask(#"{"v":2,"id":1,"cmd":"status"}"#).contains(#""state":"ok""#))
        let before = await h.built.daemon.generation
        _ = try await h.ask(#"{"v":2,"id":3,"cmd":"source.pause","args":{"source":"d"}}"#)
        #expect(await h.built.daemon.generation > before)
        #expect(try await h.ask(#"{"v":2,"id":4,"cmd":"status"}"#).contains(#""state":"paused""#))
    }
}

/// The document of a streamed export reply (its rows are the lines), parsed as JSON.
func exportedJSON(_ client: LineSocket, _ args: String) async throws -> Any {
    let reply = try await client.askAll(#"{"v":2,"id":9,"cmd":"export","args":"# + args + "}")
    var text = ""
    for line in reply.dropFirst() {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        for row in object?["rows"] as? [String] ?? [] { text += row + "\n" }
    }
    return try JSONSerialization.jsonObject(with: Data(text.utf8))
}

@Suite struct PeerCredentialsTests {
    @Test func readsUidGidAndGroupsFromTheSocketItself() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let peer = try #require(PeerCredentials(socket: fds[0]))
        #expect(peer.uid == getuid())
        #expect(peer.pid == getpid())
        var mine = [gid_t](repeating: 0, count: 256)
        let count = getgroups(Int32(mine.count), &mine)
        #expect(peer.groups.map { Set($0) } == Set(mine.prefix(Int(count))), "SO_PEERGROUPS, not /proc")
    }

    @Test func accessRules() {
        let alice = PeerCredentials(pid: 1, uid: 1000, gid: 1000, groups: [1000, 994])
        #expect(alice.mayMutate(socketGroup: 994, daemonUID: 994))           // a member of the socket's group
        #expect(!alice.mayMutate(socketGroup: 995, daemonUID: 994))          // not a member
        #expect(!alice.mayMutate(socketGroup: nil, daemonUID: 994))
        #expect(PeerCredentials(pid: 1, uid: 0, gid: 0, groups: []).mayMutate(socketGroup: 995, daemonUID: 994))  // root
        #expect(PeerCredentials(pid: 1, uid: 994, gid: 7, groups: []).mayMutate(socketGroup: 995, daemonUID: 994)) // brid itself
    }
}
