import BridTestSupport
import Foundation
import Testing

@Suite("HTTP listener end to end", .serialized)
struct HTTPListenerEndToEndTests {
    @Test("the bundled config serves on its [http] address; the sample and its revision are in the store")
    func bundledSample() async throws {
        let daemon = try await offPool { Unchecked(try SampleHTTPDaemon()) }.value
        let releases = try daemon.json("releases")["releases"] as? [[String: Any]] ?? []
        #expect(releases.count == 2)
        let answer = try await daemon.get("/metrics")
        #expect(answer.status == 200 && answer.text.contains("brid_"))
        #expect(daemon.brid.log.contains("http: listening on 127.0.0.1:\(daemon.port)"))
        #expect(!daemon.brid.log.contains("a token is required"))
    }

    @Test("tokens from the environment: refused without, served with; the token never reaches the journal")
    func tokens() async throws {
        let daemon = try await offPool {
            Unchecked(try SampleHTTPDaemon(revised: false, http: "listen = \"127.0.0.1:0\"\ntokens = [{ env = \"BRID_HTTP_TOKEN\" }]",
                                           environment: ["BRID_HTTP_TOKEN": "e2e-token-7f3a"]))
        }.value
        #expect(try await daemon.get("/metrics").status == 401)
        #expect(try await daemon.get("/metrics?api_key=e2e-token-7f3a").status == 200)
        #expect(try await daemon.get("/metrics", headers: [("Authorization", "Bearer e2e-token-7f3a")]).status == 200)
        #expect(daemon.brid.log.contains("a token is required"))
        #expect(!daemon.brid.log.contains("e2e-token-7f3a"))
    }

    @Test("a token that cannot be read stops the start, naming where it was to come from")
    func unreadableToken() async throws {
        try await offPool {
            let w = try Workspace(config: Workspace.oneDropSource + "\n[http]\nlisten = \"127.0.0.1:0\"\ntokens = [{ env = \"BRID_HTTP_TOKEN_UNSET\" }]\n")
            let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
            let status = try brid.waitForExit(seconds: 30)
            #expect(status == 1)
            #expect(brid.log.contains("[http] tokens: environment variable BRID_HTTP_TOKEN_UNSET is not set"))
        }
    }

    @Test("an address already in use stops the start with a clear error")
    func addressInUse() async throws {
        let first = try await offPool { Unchecked(try SampleHTTPDaemon(revised: false)) }.value
        let port = first.port
        try await offPool {
            let w = try Workspace(config: Workspace.oneDropSource + "\n[http]\nlisten = \"127.0.0.1:\(port)\"\n")
            let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
            let status = try brid.waitForExit(seconds: 30)
            #expect(status != 0)
            #expect(brid.log.contains("http: cannot listen on 127.0.0.1:\(port): Address already in use"), "\(brid.log)")
            #expect(!brid.log.contains("running:"), "READY and running come only once the listener is bound")
        }
        withExtendedLifetime(first) {}
    }

    @Test("a reload reads the token file again; a changed listen address is refused and the old one keeps serving")
    func reload() async throws {
        try await offPool {
            let w = try Workspace(config: "")
            try w.write("token", "first-token\n")
            let config = { (listen: String) in
                Workspace.oneDropSource + "\n[http]\nlisten = \"\(listen)\"\ntokens = [{ file = \"\(w.root)/token\" }]\n"
            }
            try w.write("brid.toml", config("127.0.0.1:0"))
            let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
            try brid.waitForLog("running:", seconds: 30)
            let marker = "http: listening on 127.0.0.1:"
            let line = brid.log.components(separatedBy: "\n").first { $0.contains(marker) } ?? ""
            let port = try #require(Int(line.components(separatedBy: marker).last?.prefix { $0.isNumber } ?? ""))
            #expect(try HTTPTestClient.blockingGet(port: port, "/metrics?api_key=first-token").status == 200)
            try w.write("token", "second-token\n")
            brid.signal(SIGHUP)
            try brid.waitForLog("reloaded", seconds: 20)
            #expect(try HTTPTestClient.blockingGet(port: port, "/metrics?api_key=first-token").status == 401)
            #expect(try HTTPTestClient.blockingGet(port: port, "/metrics?api_key=second-token").status == 200)
            try w.write("brid.toml", config("127.0.0.1:1"))
            brid.signal(SIGHUP)
            try brid.waitForLog("[http] listen cannot change on reload", seconds: 20)
            #expect(try HTTPTestClient.blockingGet(port: port, "/metrics?api_key=second-token").status == 200)
            #expect(!brid.log.contains("second-token") && !brid.log.contains("first-token"))
        }
    }
}
