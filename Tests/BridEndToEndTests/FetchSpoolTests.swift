import BridCore
import BridTestSupport
import Foundation
import Testing

/// URL bodies as the built brid fetches them: spooled to an unnamed file in the state
/// folder while they download, hashed on the way, ingested through a mapping of it.
@Suite struct FetchSpoolTests {
    /// `rows` observations: 3,000 series × `rows / 3000` years, values with decimals.
    static func csv(rows: Int) -> String {
        var text = "series,period,value\n"
        text.reserveCapacity(rows * 24)
        for i in 0..<rows {
            text += "s\(i % 3000),\(1800 + i / 3000),\(i).25\n"
        }
        return text
    }

    /// The files left in the state folder besides the database (and its journal files)
    /// and the state folder's lock.
    static func leftovers(_ w: Workspace) -> [String] {
        w.files("state").filter { !$0.hasPrefix("brid.sqlite") && $0 != "brid.lock" }
    }

    @Test func aPayloadOfSeveralMegabytesIsStoredExactlyAndAnOversizedOneAbortedLeavingNothing() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        let rows = 300_000
        let text = Self.csv(rows: rows)
        try publisher.publish("bulk.csv", text)
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "bulk"
            url = "\(publisher.url("bulk.csv"))"
            format = "csv"
            max_bytes = "250MB"

            [[source]]
            id = "capped"
            url = "\(publisher.url("bulk.csv"))"
            format = "csv"
            max_bytes = "1MB"
            """)
        let run = try w.brid("--once")
        #expect(run.status == 1, "the capped source fails")
        #expect(run.stderr.contains("fetched: release 1, \(rows) added, 0 revised, 0 removed, 0 unchanged"), "\(run.stderr)")
        #expect(run.stderr.contains("fetch failed: body exceeds max_bytes 1MB (\(publisher.url("bulk.csv")))"), "\(run.stderr)")
        // The release is the payload, exactly: its digest, and every observation.
        #expect(try w.sql("SELECT source_id, sha256 FROM releases") == "bulk|\(SHA256.hex(Array(text.utf8)))\n")
        let stored = try w.sql("SELECT series, period, value FROM latest_observations").split(separator: "\n")
        let expected = text.split(separator: "\n").dropFirst().map { $0.replacingOccurrences(of: ",", with: "|") }
        #expect(stored.count == rows)
        #expect(stored.map(String.init).sorted() == expected.sorted())
        #expect(try w.sql("SELECT id, consecutive_failures FROM sources ORDER BY id") == "bulk|0\ncapped|1\n")
        #expect(Self.leftovers(w) == [])

        // Again: 304 for the conditional request, nothing new, nothing left behind.
        let again = try w.brid("--once")
        #expect(again.stderr.contains("fetched: unchanged (HTTP 304 not modified)"), "\(again.stderr)")
        #expect(try w.sql("SELECT count(*) FROM releases") == "1\n")
        #expect(Self.leftovers(w) == [])
    } }

    /// The built brid's peak RSS (`/usr/bin/time`'s maximum resident set) while it fetches
    /// and ingests a 100 MB body stays far below the body's size: the body is never in
    /// memory. Rows carry a 1 KB note column (extra columns are allowed), so the payload is
    /// large in bytes but quick to parse even in a debug build.
    @Test func aHundredMegabyteBodyIsIngestedInFarLessMemory() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        let rows = 100_000
        let note = String(repeating: "n", count: 1000)
        var text = "series,period,value,note\n"
        text.reserveCapacity(rows * 1030)
        for i in 0..<rows {
            text += "s\(i % 1000),\(1800 + i / 1000),\(i).5,\(note)\n"
        }
        let size = text.utf8.count
        try publisher.publish("wide.csv", text)
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "wide"
            url = "\(publisher.url("wide.csv"))"
            format = "csv"
            max_bytes = "250MB"
            """)
        let (run, peak) = try BridProcess.measuredOnce(config: w.root + "/brid.toml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("fetched: release 1, \(rows) added"), "\(run.stderr)")
        #expect(try w.sql("SELECT sha256 FROM releases") == SHA256.hex(Array(text.utf8)) + "\n")
        #expect(size > 100_000_000)
        // A debug brid sits at about 40 MB by itself; holding the body would add 100 MB.
        #expect(peak.map { $0 < 80 << 20 } == true, "peak RSS \(peak.map { $0 >> 20 } ?? -1) MiB for a \(size >> 20) MiB body")
        print("brid --once peak RSS \(peak.map { $0 >> 20 } ?? -1) MiB for a \(size >> 20) MiB body")
        #expect(Self.leftovers(w) == [])
    } }

    static func worldBankPage(_ n: Int, of pages: Int, years: [Int]) -> String {
        let rows = years.map { year in
            #"{"indicator":{"id":"NE.EXP.GNFS.CD","value":"Exports"},"country":{"id":"KZ","value":"Kazakhstan"},"countryiso3code":"KAZ","date":"\#(year)","value":\#(year - 2000).5,"unit":"","obs_status":"","decimal":1}"#
        }
        return #"[{"page":\#(n),"pages":\#(pages),"per_page":2,"total":\#(pages * 2),"lastupdated":"2019-07-10"},[\#(rows.joined(separator: ","))]]"#
    }

    /// Every page goes into the same spool: one release whose digest covers them all.
    @Test func theWorldBankPagesOfOneResponseAreOneRelease() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        let pages = [Self.worldBankPage(1, of: 3, years: [2018, 2017]), Self.worldBankPage(2, of: 3, years: [2016, 2015]),
                     Self.worldBankPage(3, of: 3, years: [2014])]
        try publisher.publish("wb.json", pages[0])
        try publisher.publish("wb.json.page2", pages[1])
        try publisher.publish("wb.json.page3", pages[2])
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "wb"
            url = "\(publisher.url("wb.json?format=json&per_page=2"))"
            format = "worldbank-json"
            """)
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("fetched: release 1, 5 added"), "\(run.stderr)")
        #expect(try w.sql("SELECT count(*), sha256 FROM releases") == "1|\(SHA256.hex(Array(pages.joined(separator: "\n").utf8)))\n")
        #expect(try w.sql("SELECT period FROM latest_observations ORDER BY period") == "2014\n2015\n2016\n2017\n2018\n")
        #expect(try publisher.hits()["/wb.json"] == 3)
        #expect(Self.leftovers(w) == [])
    } }
}
