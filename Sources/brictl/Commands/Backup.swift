import ArgumentParser
import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Make brid write a consistent copy of its database while it keeps ingesting.",
        discussion: """
            brid itself writes the file, as its own user: the folder must be writable by brid \
            (under systemd, one of its writable folders, e.g. /var/lib/brid/backups). A relative \
            PATH is taken from the current folder. An existing file is refused (exit 1) unless \
            --force. Waits up to an hour unless --timeout says otherwise. To restore, stop brid, \
            put the copy in place as brid.sqlite in state_dir (removing any brid.sqlite-wal and \
            -shm beside it), or point state_dir at a folder holding it as brid.sqlite.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The file to write.", valueName: "path"))
    var path: String

    @Flag(name: .long, help: "Replace the file if it exists.")
    var force = false

    func validate() throws {
        if path.isEmpty { throw ValidationError("the backup path is empty") }
    }

    func run() throws {
        let request = BackupRequest(path: Self.absolute(path), force: force)
        // A big database takes a while to copy: wait up to an hour unless --timeout says otherwise.
        try options.perform(request, defaultTimeout: 3_600, render: Self.render)
    }

    /// The path as the daemon must see it: absolute, against brictl's working folder.
    static func absolute(_ path: String, cwd: String = FileManager.default.currentDirectoryPath) -> String {
        let joined = path.hasPrefix("/") ? path : (cwd.hasSuffix("/") ? cwd : cwd + "/") + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    static func render(_ response: BackupResponse, _ terminal: Terminal) -> String {
        let releases = response.lastReleaseID.map { "up to release \($0)" } ?? "no releases"
        return Formats.wrap("backup \(response.path): \(Formats.bytes(response.sizeBytes)), \(releases), in \(Formats.printf("%.1f", response.seconds)) s",
                            width: terminal.width)
    }
}
