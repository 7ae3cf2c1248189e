import BridStore
import BridTestSupport
import Foundation

/// brid as a child process on the bundled Config/brid.toml — state in a workspace, `[http]`
/// on a port the system picks — with the README's walk-through applied: release 1 the 2018
/// sample dropped in, release 2 the revision of the 2018 trade volume (19.885 → 20.2) sent
/// with `brictl ingest`. What the HTTP tests (FRED API, metrics, pages) read.
final class SampleHTTPDaemon {
    let w: Workspace
    let brid: DaemonProcess
    /// The HTTP listener's port on 127.0.0.1.
    let port: Int

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sample = repository.appendingPathComponent("Config/samples/bri-cn-kz-2018.csv").path
    static let revision = "series,period,value\ncn-kz.trade.total,2018,20.2\n"

    /// `revised`: false stops after release 1. `http`: the `[http]` body to use instead of the
    /// bundled one (its listen must say port 0). `environment`: for tokens `{ env = … }`.
    /// `prepare`: instead of the walk-through, the store is written before brid starts
    /// (releases at chosen times, through the store's own ingest) and nothing is dropped.
    init(revised: Bool = true, http: String? = nil, environment: [String: String] = [:],
         prepare: ((SQLiteStore) throws -> Void)? = nil) throws {
        var config = try String(contentsOfFile: Self.repository.appendingPathComponent("Config/brid.toml").path, encoding: .utf8)
        config = config.replacingOccurrences(of: "state_dir = \"../var\"", with: "state_dir = \"state\"")
            .replacingOccurrences(of: "socket = \"../var/control.sock\"", with: "socket = \"state/control.sock\"")
            .replacingOccurrences(of: "listen = \"127.0.0.1:8089\"", with: http ?? "listen = \"127.0.0.1:0\"")
        w = try Workspace(config: config)
        try FileManager.default.createDirectory(atPath: w.root + "/state/drop/bri-cn-kz", withIntermediateDirectories: true)
        if let prepare {
            let store = try SQLiteStore(path: w.root + "/state/brid.sqlite")
            try prepare(store)
            store.close()
        }
        brid = try DaemonProcess(config: w.root + "/brid.toml", environment: environment, logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 30)
        let marker = "http: listening on 127.0.0.1:"
        try brid.waitForLog(marker, seconds: 30)
        let line = brid.log.components(separatedBy: "\n").first { $0.contains(marker) } ?? ""
        let digits = line.components(separatedBy: marker).last?.prefix { $0.isNumber } ?? ""
        guard let port = Int(digits), port > 0 else { throw WaitTimeout(description: "no port in \(line)") }
        self.port = port
        guard prepare == nil else { return }
        try drop("bri-cn-kz-2018.csv", try String(contentsOfFile: Self.sample, encoding: .utf8))
        try waitUntil("release 1 is in", seconds: 30) { try self.releaseCount() >= 1 }
        if revised {
            try w.write("revision.csv", Self.revision)
            let sent = try brictl("ingest", w.root + "/revision.csv", "--source", "bri-cn-kz")
            guard sent.status == 0 else { throw WaitTimeout(description: "brictl ingest: \(sent.stderr)") }
        }
    }

    deinit { _ = try? brid.terminate() }

    func brictl(_ arguments: String...) throws -> BridProcess.Result {
        try brictl(arguments)
    }

    func brictl(_ arguments: [String]) throws -> BridProcess.Result {
        try BridProcess.run(["--socket", w.root + "/state/control.sock"] + arguments, executable: BridProcess.brictlPath)
    }

    /// `brictl --json …`, parsed.
    func json(_ arguments: String...) throws -> [String: Any] {
        let result = try brictl(["--json"] + arguments)
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Drops a file the way a publisher should: written aside, renamed in; waits until brid
    /// has taken it (processed or rejected).
    func drop(_ name: String, _ text: String) throws {
        try w.write("staging/" + name, text)
        rename(w.root + "/staging/" + name, w.root + "/state/drop/bri-cn-kz/" + name)
        try waitUntil("\(name) is processed", seconds: 30) {
            FileManager.default.fileExists(atPath: w.root + "/state/drop/bri-cn-kz/processed/" + name)
                || FileManager.default.fileExists(atPath: w.root + "/state/drop/bri-cn-kz/rejected/" + name)
        }
    }

    private func releaseCount() throws -> Int {
        (try json("releases")["releases"] as? [Any])?.count ?? 0
    }

    /// GET from the listener.
    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPTestResponse {
        try await HTTPTestClient.get(port: port, path, headers: headers)
    }
}
