import BridTestSupport
import Foundation
import Testing

/// Config files built to break the reader: nesting that overflowed the stack (SIGSEGV),
/// two byte-order marks, bytes that are not UTF-8. `brid --check-config` names the place
/// and exits 1; a running daemon refuses such a file on reload and keeps running.
@Suite(.serialized) struct HostileConfigTests {
    static let tooDeep = "tables and arrays nest deeper than 64 levels"

    /// (name, bytes, what --check-config prints after the file's path)
    static let hostile: [(name: String, bytes: [UInt8], error: String)] = [
        ("3,000 nested arrays", Array(("a = " + String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000)).utf8),
         ":1:68: \(tooDeep)"),
        ("inline tables 10,000 deep", Array(("a = " + String(repeating: "{b = ", count: 10_000) + "1" + String(repeating: "}", count: 10_000)).utf8),
         ":1:\(4 + 5 * 63 + 1): \(tooDeep)"),
        ("a dotted key of 5,000 parts", Array((String(repeating: "a.", count: 4999) + "a = 1\n").utf8), ":1:1: \(tooDeep)"),
        ("two byte-order marks", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Array("[daemon]\n".utf8),
         ":1:1: expected a key, found a byte-order mark (U+FEFF)"),
        ("not UTF-8", Array("[daemon]\nstate_dir = \"st".utf8) + [0xFF] + Array("ate\"\n".utf8),
         ":2:16: the config file is not valid UTF-8: byte 0xFF at byte offset 24"),
    ]

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func checkConfigNamesThePlaceInsteadOfCrashing() async throws { try await offPool {
        let w = try Workspace(config: "")
        let path = w.root + "/brid.toml"
        for (name, bytes, error) in Self.hostile {
            try write(bytes, to: path)
            let run = try w.brid("--check-config")
            #expect(run.status == 1, "\(name): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(path + error), "\(name): \(run.stderr)")
        }
        // One byte-order mark is fine.
        try write([0xEF, 0xBB, 0xBF] + Array("[daemon]\nstate_dir = \"state\"\n".utf8), to: path)
        let run = try w.brid("--check-config")
        #expect(run.status == 0, "\(run.stderr)")
    } }

    @Test func aReloadOfSuchAFileIsRefusedAndTheDaemonRuns() async throws { try await offPool {
        // A socket of its own: the default /run/brid/control.sock may be another brid's.
        let good = """
            [daemon]
            state_dir = "state"
            socket = "state/control.sock"

            [[source]]
            id = "kz"
            drop = "drop/kz"
            format = "csv"
            """
        let w = try Workspace(config: good)
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 10)
        for (count, (name, bytes, _)) in Self.hostile.enumerated() {
            try write(bytes, to: w.root + "/brid.toml")
            brid.signal(SIGHUP)
            try waitUntil("reload \(count + 1) refused (\(name))", seconds: 10) {
                brid.log.components(separatedBy: "still running the previous configuration").count - 1 == count + 1 || !brid.isRunning
            }
            #expect(brid.isRunning, "\(name)")
        }
        #expect(brid.log.contains(Self.tooDeep))
        // The old config still works: a dropped file is ingested.
        try w.write("state/drop/kz/r.csv", "series,period,value\nkz.x,2018,1\n")
        try brid.waitForLog("accepted: release 1", seconds: 10)
        #expect(try brid.terminate().status == 0)
    } }
}
