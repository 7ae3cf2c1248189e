import BridCore
import BridTestSupport
import Foundation
import Testing

/// Large drop files through the built `brid --once`: memory that does not grow with the
/// file, the spilled path (`spill_after`) in the real binary, and kill -9 in the middle
/// of a large ingest.
@Suite struct BoundedOnceTests {
    static func config(spillAfter: Int? = nil) -> String {
        """
        [daemon]
        state_dir = "state"
        \(spillAfter.map { "spill_after = \($0)" } ?? "")

        [[source]]
        id = "big"
        drop = "drop/big"
        format = "csv"
        """
    }

    /// Rows of `series` series, periods interleaved (every run of a spilled ingest holds a
    /// piece of every series).
    static func csv(series: Int, years: Int, revise: Int? = nil) -> String {
        var text = "series,period,value\n"
        text.reserveCapacity(series * years * 24)
        for year in 0..<years {
            for s in 0..<series {
                let value = revise.map { (s + year) % $0 == 0 } == true ? "\(s).\(year)9" : "\(s).\(year)"
                text += "b.s\(s),\(1700 + year),\(value)\n"
            }
        }
        return text
    }

    func vintage(_ w: Workspace) throws -> String {
        try w.sql("SELECT key, frequency, source_id FROM series ORDER BY id; SELECT id, added, revised, removed, unchanged, sha256 FROM releases ORDER BY id; SELECT series_id, period, release_id, value, removed FROM observation_versions ORDER BY series_id, period, release_id;")
    }

    @Test func aSpilledIngestStoresWhatAnInMemoryOneDoes() async throws { try await offPool {
        let spilled = try Workspace(config: Self.config(spillAfter: 500))
        let whole = try Workspace(config: Self.config())
        for (name, text) in [("r1.csv", Self.csv(series: 300, years: 60)), ("r2.csv", Self.csv(series: 300, years: 61, revise: 37))] {
            for w in [spilled, whole] {
                try w.write("state/drop/big/" + name, text)
                let run = try w.brid("--once")
                #expect(run.status == 0, "\(run.stderr)")
            }
        }
        #expect(try spilled.sql("SELECT added, revised, removed, unchanged FROM releases ORDER BY id") == "18000|0|0|0\n300|485|0|17515\n")
        #expect(try vintage(spilled) == vintage(whole))
        // Nothing but the database (and the state folder's lock) beside it: runs are unnamed files.
        #expect(spilled.files("state").filter { !$0.hasPrefix("brid.sqlite") } == ["brid.lock", "drop"])
    } }

    @Test func aDuplicateFarApartIsFoundAcrossRuns() async throws { try await offPool {
        let w = try Workspace(config: Self.config(spillAfter: 500))
        try w.write("state/drop/big/dup.csv", Self.csv(series: 300, years: 20) + "b.s7,1700,1\n")
        let run = try w.brid("--once")
        #expect(run.status == 1)
        #expect(run.stderr.contains("dup.csv line 6002: duplicate observation for series b.s7, period 1700 (first at line 9)"), "\(run.stderr)")
        #expect(try w.sql("SELECT count(*) FROM observation_versions") == "0\n")
        #expect(w.files("state/drop/big/rejected") == ["dup.csv", "dup.csv.error"])
    } }

    /// A drop file of 100 MB is read through a mapping whose pages are dropped as they are
    /// read: brid's peak RSS stays far below the file's size.
    @Test func aHundredMegabyteFileIsIngestedInFarLessMemory() async throws { try await offPool {
        let w = try Workspace(config: Self.config())
        let rows = 100_000
        let note = String(repeating: "n", count: 1000)
        var text = "series,period,value,note\n"
        text.reserveCapacity(rows * 1030)
        for i in 0..<rows { text += "s\(i % 1000),\(1800 + i / 1000),\(i).5,\(note)\n" }
        try w.write("state/drop/big/wide.csv", text)
        let (run, peak) = try BridProcess.measuredOnce(config: w.root + "/brid.toml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("accepted: release 1, \(rows) added"), "\(run.stderr)")
        #expect(try w.sql("SELECT sha256 FROM releases") == SHA256.hex(Array(text.utf8)) + "\n")
        // A debug brid sits at about 40 MB by itself; holding the file would add 100 MB.
        #expect(peak.map { $0 < 80 << 20 } == true, "peak RSS \(peak.map { $0 >> 20 } ?? -1) MiB for a \(text.utf8.count >> 20) MiB file")
    } }

    /// kill -9 while a large payload is being written: no release, no version, the file
    /// still waiting; the next run stores it whole, once.
    @Test func killedInTheMiddleOfALargeIngestLeavesNoHalfRelease() async throws { try await offPool {
        let w = try Workspace(config: Self.config(spillAfter: 5_000))
        let text = Self.csv(series: 2_000, years: 200)
        try w.write("state/drop/big/big.csv", text)
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log", extra: ["--once"])
        // The write transaction has begun once the WAL grows: kill then.
        let wal = w.root + "/state/brid.sqlite-wal"
        try waitUntil("the ingest writes", seconds: 120, poll: 0.005) {
            ((try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0) > 2 << 20 || !brid.isRunning
        }
        #expect(brid.isRunning, "the ingest ended before it could be killed: \(brid.log)")
        brid.signal(SIGKILL)
        try waitUntil("brid exits", seconds: 10) { !brid.isRunning }
        #expect(try w.sql("PRAGMA integrity_check") == "ok\n")
        #expect(try w.sql("SELECT count(*) FROM releases; SELECT count(*) FROM observation_versions") == "0\n0\n")
        #expect(w.files("state/drop/big") == ["big.csv", "processed", "rejected"])
        let again = try w.brid("--once")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try w.sql("SELECT count(*), sum(added) FROM releases; SELECT count(*) FROM observation_versions") == "1|400000\n400000\n")
    } }
}
