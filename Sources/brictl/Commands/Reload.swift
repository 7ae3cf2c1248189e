import ArgumentParser
import BridProtocol

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make brid read its configuration again; a rejected one changes nothing.",
        discussion: "Exits 1 when the new configuration is rejected, after printing why (systemctl reload uses this).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let response = try options.perform(ReloadRequest(), defaultTimeout: 60, render: Self.render)
        if !response.applied { throw exitQuietly(.failed) }
    }

    static func render(_ response: ReloadResponse, _ terminal: Terminal) -> String {
        guard response.applied else {
            var lines = [terminal.paint("configuration \(response.configPath) rejected; brid keeps running the previous one:", .red)]
            lines += response.errors.map { Formats.wrap("  " + $0, width: terminal.width, indent: 4) }
            return lines.joined(separator: "\n")
        }
        var lines = ["reloaded \(response.configPath)"]
        if !response.sourcesAdded.isEmpty { lines.append("  sources added:   " + response.sourcesAdded.joined(separator: ", ")) }
        if !response.sourcesRemoved.isEmpty { lines.append("  sources removed: " + response.sourcesRemoved.joined(separator: ", ")) }
        if !response.sourcesChanged.isEmpty { lines.append("  sources changed: " + response.sourcesChanged.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}
