import ArgumentParser
@testable import brictl
import BridProtocol
import Testing

@Suite struct ArgumentTests {
    private func usageError(_ arguments: [String]) -> String? {
        do {
            _ = try Brictl.parseAsRoot(Brictl.hoistingGlobalOptions(arguments))
            return nil
        } catch {
            #expect(Brictl.exitCode(for: error) == .validationFailure, "argument-parser's usage status, which brictl maps to 2")
            return Brictl.message(for: error)
        }
    }

    @Test func validArgumentsParse() {
        for arguments in [["status"], ["--json", "status"], ["status", "--json"], ["--socket", "/tmp/s", "--timeout", "2s", "series", "cn-kz.*"],
                          ["show", "k", "--as-of", "2019-03-01"], ["show", "k", "--as-of", "2019-03-01T06:00:00+06:00", "--from", "2015"],
                          ["show", "k", "--release", "3"], ["fetch", "--all", "--no-wait"], ["fetch", "a", "b"], ["history", "k", "2018"],
                          ["releases", "--source", "s", "--limit", "5"], ["release", "4"], ["alerts", "--all", "--rule", "r"],
                          ["ack", "17", "--comment", "seen"], ["rules"], ["rules", "test", "r", "--series", "s"], ["pause", "s"],
                          ["resume", "s"], ["reload"], ["export", "a", "b", "--format", "json"], ["export", "--vintages", "a"],
                          ["backup", "/var/lib/brid/backups/b.sqlite"], ["backup", "b.sqlite", "--force"]] {
            #expect(usageError(arguments) == nil, "\(arguments)")
        }
    }

    @Test func argumentErrors() {
        #expect(usageError(["show", "k", "--as-of", "2019-03-01", "--release", "3"])?.contains("--as-of and --release") == true)
        #expect(usageError(["show", "k", "--as-of", "yesterday"])?.contains("not an ISO-8601 date or time") == true)
        #expect(usageError(["show", "k", "--as-of", "2019-02-30"]) != nil)
        #expect(usageError(["fetch", "a", "--all"])?.contains("not both") == true)
        #expect(usageError(["fetch"])?.contains("--all") == true)
        #expect(usageError(["export", "--vintages", "a", "b"])?.contains("exactly one series") == true)
        #expect(usageError(["export", "a", "--format", "xml"])?.contains("csv or json") == true)
        #expect(usageError(["export", "--vintages", "a", "--as-of", "2019-01-01"]) != nil)
        #expect(usageError(["status", "--timeout", "soon"])?.contains("not a duration") == true)
        #expect(usageError(["release", "x"]) != nil)
        #expect(usageError(["releases", "--limit", "0"]) != nil)
        #expect(usageError(["ingest", "/nonexistent/file.csv", "--source", "s"])?.contains("no such file") == true)
        #expect(usageError(["ingest", "/tmp", "--source", "s"])?.contains("folder") == true)
        #expect(usageError(["frobnicate"]) != nil)
    }

    /// A negative number is read as the option's value (argument-parser took it for an
    /// option and said "Missing value"), then refused for what it is.
    @Test func negativeNumbersAreRefusedClearly() {
        #expect(usageError(["releases", "--limit", "-1"]) == "--limit must be a positive number (1 or more), not -1")
        #expect(usageError(["series", "--limit", "-5"]) == "--limit must be a positive number (1 or more), not -5")
        #expect(usageError(["show", "k", "--release", "-2"]) == "--release must be a release id (1 or more), not -2")
        #expect(usageError(["releases", "--limit", "x"])?.contains("'x' is invalid") == true)
    }

    /// A duration without a unit could be seconds or minutes: refused, naming the fix.
    @Test func durationsNeedAUnit() {
        #expect(usageError(["status", "--timeout", "5"]) == "--timeout 5 has no unit: a duration needs one, such as 5s, 500ms, 5m or 1h")
        #expect(usageError(["--timeout", "1.5", "status"])?.contains("has no unit") == true)
        #expect(usageError(["status", "--timeout", "5s"]) == nil)
    }

    @Test func usageErrorsExitTwo() {
        #expect(Brictl.runAndReport(["fetch"]) == 2)
        #expect(Brictl.runAndReport(["show"]) == 2)
        #expect(Brictl.runAndReport(["--bogus"]) == 2)
    }

    @Test func globalOptionsBeforeTheCommand() {
        #expect(Brictl.hoistingGlobalOptions(["--json", "--socket", "/s", "show", "k"]) == ["show", "k", "--json", "--socket", "/s"])
        #expect(Brictl.hoistingGlobalOptions(["--timeout=5s", "export", "a", "--", "-b"]) == ["export", "a", "--timeout=5s", "--", "-b"])
        #expect(Brictl.hoistingGlobalOptions(["status", "--json"]) == ["status", "--json"])
    }

    @Test func socketPathPrecedence() throws {
        let withOption = try GlobalOptions.parse(["--socket", "/a.sock"])
        #expect(withOption.socketPath(environment: ["BRID_SOCKET": "/b.sock"]) == "/a.sock")
        let plain = try GlobalOptions.parse([])
        #expect(plain.socketPath(environment: ["BRID_SOCKET": "/b.sock"]) == "/b.sock")
        #expect(plain.socketPath(environment: [:]) == "/run/brid/control.sock")
        #expect(plain.timeoutSeconds(default: 300) == 300)
        #expect(try GlobalOptions.parse(["--timeout", "2s"]).timeoutSeconds(default: 300) == 2)
    }

    @Test func asOfDateMeansTheEndOfThatDay() {
        #expect(Arguments.asOf("2019-03-01").map(WireTime.format) == "2019-03-01T23:59:59.999Z")
        #expect(Arguments.asOf("2019-03-01T06:00:00+06:00").map(WireTime.format) == "2019-03-01T00:00:00Z")
    }

    @Test func ingestChunks() {
        let max = ControlProtocol.maxChunkBytes
        #expect(IngestCommand.chunks(of: 0) == [0..<0])
        #expect(IngestCommand.chunks(of: 10) == [0..<10])
        #expect(IngestCommand.chunks(of: max) == [0..<max])
        #expect(IngestCommand.chunks(of: 2 * max + 1) == [0..<max, max..<(2 * max), (2 * max)..<(2 * max + 1)])
    }
}

@Suite struct ExitStatusTests {
    @Test func errorCodesMapToExitStatuses() {
        #expect(ExitStatus(.notFound) == .notFound)
        #expect(ExitStatus(.notFound).rawValue == 4)
        #expect(ExitStatus(.badRequest).rawValue == 2)
        for code in [ControlErrorCode.failed, .conflict, .forbidden, .internal, .versionMismatch] {
            #expect(ExitStatus(code).rawValue == 1, "\(code)")
        }
    }

    @Test func clientErrorsMapToExitStatuses() {
        let unreachable = ClientError.unreachable(path: "/run/brid/control.sock", reason: "No such file or directory").failure
        #expect(unreachable.status.rawValue == 3)
        #expect(unreachable.message == "cannot reach brid at /run/brid/control.sock: No such file or directory — is it running? (systemctl status brid)")
        #expect(ClientError.timedOut(path: "/s", seconds: 10).failure == Failure(.unreachable, "brid at /s did not answer within 10s (wait longer with --timeout)"))
        #expect(ClientError.disconnected(path: "/s", reason: nil).failure.status == .unreachable)
        #expect(ClientError.reply(.notFound("x")).failure.status == .notFound)
        #expect(ClientError.protocolError("x").failure.status == .failed)
    }
}
