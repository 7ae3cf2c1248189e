@testable import brictl
import BridProtocol
import BridInfo
import Foundation
import Synchronization
import BridTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

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
        // The global options are listed under OPTIONS, with their values.
        let options = try #require(help.stdout.components(separatedBy: "OPTIONS:").last?.components(separatedBy: "SUBCOMMANDS:").first)
        for option in ["--socket <path>", "--json", "--timeout <duration>", "--version", "-h, --help"] {
            #expect(options.contains(option), "\(option) under OPTIONS")
        }
        // A default is stated once (argument-parser adds "(default: csv)").
        let export = try BrictlProcess.run(["export", "--help"]).stdout
        let format = export.split(separator: "\n").filter { $0.contains("--format <format>") }.joined()
        #expect(format.components(separatedBy: "default").count == 2, "\(format)")
        #expect(try BrictlProcess.run(["--version"]).stdout == "\(BridVersion.current) (control protocol 2)\n")
        let completion = try BrictlProcess.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("_brictl"))
    }

    @Test func aPathThatIsNotASocketIsSaidSo() throws {
        let folder = NSTemporaryDirectory() + "brictl-notsock-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/control.sock"
        try Data("not a socket\n".utf8).write(to: URL(fileURLWithPath: file))
        let regular = try BrictlProcess.run(["--socket", file, "status"])
        #expect(regular.status == 3)
        #expect(regular.stderr == "brictl: cannot reach brid at \(file): it is a regular file, not a socket — "
            + "give brid's control socket (`socket` in brid.toml) with --socket or $BRID_SOCKET\n")
        let directory = try BrictlProcess.run(["status"], environment: ["BRID_SOCKET": folder])
        #expect(directory.status == 3)
        #expect(directory.stderr.contains("\(folder): it is a folder, not a socket"), "\(directory.stderr)")
    }

    /// A user who may not open the socket is told who may: run as nobody (needs root to
    /// switch user, so only where the tests run as root).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func permissionDeniedSaysWhoMayConnect() throws {
        let server = try FakeServer(fixtures: Fixtures())
        defer { server.stop() }
        #expect(chmod(server.path, 0o660) == 0)
        let result = try ProcessRunner.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                                BuiltProducts.brictl, "--socket", server.path, "status"])
        #expect(result.status == 3, "\(result.stderr)")
        let owner = ClientError.userName(getuid()), group = ClientError.groupName(getgid())
        #expect(result.stderr == "brictl: cannot reach brid at \(server.path): Permission denied — only root, brid's user (\(owner)) and "
            + "members of the socket's group (\(group)) may connect: run brictl as one of them, or join the group "
            + "(sudo usermod -aG \(group) $USER, then log in again)\n")
        #expect(server.requests.isEmpty)
    }

    @Test func againstAFakeDaemon() throws {
        let server = try FakeServer(fixtures: Fixtures(now: Date()), errors: ["series.history": .notFound("series cn-kz.trade.total has no observation for 1999")])
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
        #expect(history.stderr == "brictl: series cn-kz.trade.total has no observation for 1999\n")

        let fetch = try BrictlProcess.run(["fetch", "--all"], environment: env)
        #expect(fetch.status == 1)
        #expect(fetch.stdout.contains("kz-stat-freight  failed"))

        let show = try BrictlProcess.run(["show", "cn-kz.trade.total", "--socket", server.path])
        #expect(show.status == 0)
        #expect(show.stdout.contains("▇█▅▂▁▃▄"))
    }
}
