import Foundation
import Testing

/// Writes the examples of Docs/brictl.md: the built brictl against the fake daemon, human
/// and `--json` output of every command. Runs only when BRICTL_EXAMPLES names a folder:
///     BRICTL_EXAMPLES=/tmp/examples swift test --filter DocExamples
@Suite struct DocExamples {
    static let folder = ProcessInfo.processInfo.environment["BRICTL_EXAMPLES"]

    @Test(.enabled(if: folder != nil)) func writeExamples() throws {
        let folder = try #require(Self.folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let server = try FakeServer(fixtures: Fixtures(now: Date()))
        defer { server.stop() }
        let sample = folder + "/bri-cn-kz-2019.csv"
        try Data("series,period,value\n".utf8).write(to: URL(fileURLWithPath: sample))
        let commands: [[String]] = [
            ["status"], ["sources"], ["fetch", "--all"], ["ingest", sample, "--source", "bri-cn-kz"], ["series", "cn-kz.*"],
            ["show", "cn-kz.trade.total"], ["history", "cn-kz.trade.total", "2018"], ["releases", "--limit", "2"], ["release", "43"],
            ["alerts", "--all"], ["ack", "17", "--comment", "expected: new methodology"], ["rules"], ["rules", "test", "kz-exports-jump"],
            ["pause", "imf-dot"], ["resume", "imf-dot"], ["reload"], ["export", "cn-kz.trade.total", "--as-of", "2019-03-01"],
            ["backup", "/var/lib/brid/backups/brid-2026-12-07.sqlite"],
        ]
        var text = ""
        for command in commands {
            for json in [false, true] {
                let arguments = (json ? ["--json"] : []) + command
                let result = try BrictlProcess.run(arguments, environment: ["BRID_SOCKET": server.path, "NO_COLOR": "1", "COLUMNS": "150"])
                let shown = arguments.map { $0 == sample ? "bri-cn-kz-2019.csv" : $0 }.joined(separator: " ")
                text += "$ brictl \(shown)\n\(result.stdout)\(result.stderr)[exit \(result.status)]\n\n"
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/examples.txt"))
    }
}
