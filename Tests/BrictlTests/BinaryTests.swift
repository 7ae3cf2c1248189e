import BridProtocol
import BridInfo
import Foundation
import Synchronization
import BridTestSupport
import Testing

/// Runs the built `brictl` executable as a child process, without the caller's `BRID_SOCKET`.
enum BrictlProcess {
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(BuiltProducts.brictl, arguments, environment: environment, removing: ["BRID_SOCKET"])
    }
}

@Suite(.serialized) struct BinaryTests {
    @Test func notRunning() throws {
        let result = try BrictlProcess.run(["status"], environment: ["BRID_SOCKET": "/nonexistent/brid/control.sock"])
        #expect(result.status == 3)
        #expect(result.stderr == "brictl: cannot reach brid at /nonexistent/brid/control.sock: No such file or directory — is it running? (systemctl status brid)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func usageErrorExitsTwo() throws {
        let result = try BrictlProcess.run(["show", "k", "--as-of", "2019-03-01", "--release", "2"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--as-of and --release do not go together"))
        #expect(try BrictlProcess.run(["no-such-command"]).status == 2)
        let tooBig = try BrictlProcess.run(["ingest", "/dev/null/x", "--source", "s"])
        #expect(tooBig.status == 2)
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try BrictlProcess.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("SUBCOMMANDS"))
        #expect(try BrictlProcess.run(["--version"]).stdout == "\(BridVersion.current) (control protocol 2)\n")
        let completion = try BrictlProcess.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("_brictl"))
    }

    @Test func againstAFakeDaemon() throws {
        let server = try FakeServer(fixtures: Fixtures(now: Date()), errors: ["series.history": .notFound("no observation cn-kz.trade.total 1999")])
        defer { server.stop() }
        let env = ["BRID_SOCKET": server.path, "NO_COLOR": "1"]

        let status = try BrictlProcess.run(["status"], environment: env)
        #expect(status.status == 0)
        #expect(status.stdout.contains("brid 0.1.0  pid 4242"))
        #expect(!status.stdout.contains("\u{1B}["), "no colour when not a TTY")

        let json = try BrictlProcess.run(["--json", "sources"], environment: env)
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["sources"] as? [Any])?.count == 4)

        let history = try BrictlProcess.run(["history", "cn-kz.trade.total", "1999"], environment: env)
        #expect(history.status == 4)
        #expect(history.stderr == "brictl: no observation cn-kz.trade.total 1999\n")

        let fetch = try BrictlProcess.run(["fetch", "--all"], environment: env)
        #expect(fetch.status == 1)
        #expect(fetch.stdout.contains("kz-stat-freight  failed"))

        let show = try BrictlProcess.run(["show", "cn-kz.trade.total", "--socket", server.path])
        #expect(show.status == 0)
        #expect(show.stdout.contains("▇█▅▂▁▃▄"))
    }
}
