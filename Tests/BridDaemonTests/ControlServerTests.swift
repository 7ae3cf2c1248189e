import BridCore
@testable import BridDaemon
import BridFetch
import BridRuntime
import BridTestSupport
import Foundation
import Logging
import Testing

/// The control server in-process: the daemon built by `buildDaemon` on a manual clock with
/// a scripted fetcher, its socket in a temporary folder, a plain client writing lines.
@Suite struct ControlServerTests {
    final class Harness: @unchecked Sendable {
        let root = NSTemporaryDirectory() + "brid-ctl-" + UUID().uuidString.prefix(8)
        let fetcher = ScriptedFetcher()
        let built: BuiltDaemon
        let run: Task<Void, any Error>

        init(streamStallLimit: Duration = .seconds(60), extraConfig: String = "") throws {
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
            let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            var environment = DaemonEnvironment(clock: clock, fetcher: fetcher,
                                                logger: logger, variables: [:])
            environment.streamStallLimit = streamStallLimit
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
        #expect(Set(latest?.first?.keys.map { $0 } ?? []) == ["series", "period", "value", "releaseID"])
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
        let root = NSTemporaryDirectory() + "brid-handlers-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("[daemon]\nstate_dir = \"state\"\n".utf8).write(to: URL(fileURLWithPath: root + "/brid.toml"))
        let config = try ConfigLoader.load(path: root + "/brid.toml").get()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_764_489_600))
        let daemon = try standaloneDaemon(config, clock: clock, logger: logger)
        let api = ControlAPI(daemon: daemon, startedAt: clock.now(), logger: logger)
        #expect(api.handlers().missingCommands == [], "a command in ControlCommands.all that the daemon would answer with unknown_command")
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
