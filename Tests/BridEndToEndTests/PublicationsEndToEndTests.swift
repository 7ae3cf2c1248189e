import BridTestSupport
import Foundation
import Testing

/// `brid --once` on real agency publications (Tests/Fixtures/publications, with their
/// check values in its SOURCES.md), as Docs/formats configures them.
@Suite struct PublicationsEndToEndTests {
    static let publications = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/publications").path

    @Test func eurostatTSVOldAndNewGzippedOrNot() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "estat-nama"
            drop = "drop/nama"
            format = "eurostat-tsv"
            series_prefix = "estat.nama_10r_3gdp."

            [[source]]
            id = "estat-pjan"
            drop = "drop/pjan"
            format = "eurostat-tsv"
            series = "estat.pjanbroad.{geo}.{sex}.{age}.{unit}"
            """)
        try w.copyPublication("estat_nama_10r_3gdp.tsv", to: "state/drop/nama")
        try w.copyPublication("estat_demo_pjanbroad.tsv.gz", to: "state/drop/pjan")
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "accepted: release").count - 1 == 2, "\(run.stderr)")
        let values = try w.sql("""
            SELECT series || ' ' || period || ' ' || value FROM latest_observations
            WHERE (series, period) IN (VALUES
                ('estat.nama_10r_3gdp.A.EUR_HAB.AL', '2021'), ('estat.nama_10r_3gdp.A.MIO_EUR.BG', '2000'),
                ('estat.nama_10r_3gdp.A.PPS_EU27_2020_HAB.PL', '2022'), ('estat.pjanbroad.AD.F.TOTAL.NR', '2010'),
                ('estat.pjanbroad.GE.T.TOTAL.NR', '2000'), ('estat.pjanbroad.EA19.F.TOTAL.NR', '2019'))
            ORDER BY series
            """)
        #expect(values == """
            estat.nama_10r_3gdp.A.EUR_HAB.AL 2021 5400
            estat.nama_10r_3gdp.A.MIO_EUR.BG 2000 14440.05
            estat.nama_10r_3gdp.A.PPS_EU27_2020_HAB.PL 2022 28200
            estat.pjanbroad.AD.F.TOTAL.NR 2010 40296.0
            estat.pjanbroad.EA19.F.TOTAL.NR 2019 174651001
            estat.pjanbroad.GE.T.TOTAL.NR 2000 4435200

            """)
        // Every cell is an observation: 12453 rows × 23 years, 879 rows × 63 years (`:` is no value).
        #expect(try w.sql("SELECT count(*) FROM latest_observations WHERE series LIKE 'estat.nama_10r_3gdp.%'") == "286419\n")
        #expect(try w.sql("SELECT count(*) FROM latest_observations WHERE series LIKE 'estat.pjanbroad.%'") == "55377\n")
        #expect(try w.sql("SELECT count(*) FROM latest_observations WHERE series = 'estat.nama_10r_3gdp.A.EUR_HAB.AL' AND value IS NULL") != "0\n")
    } }

    /// A `.tsv.gz` served as it is (no `Content-Encoding`): told by its magic bytes.
    @Test func aGzipURLBody() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        try FileManager.default.copyItem(atPath: Self.publications + "/estat_demo_pjanbroad.tsv.gz",
                                         toPath: w.root + "/published/pjan.tsv.gz")
        let config = """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "estat-pjan"
            url = "\(publisher.url("pjan.tsv.gz"))"
            format = "eurostat-tsv"
            series = "estat.pjanbroad.{geo}.{sex}.{age}.{unit}"
            max_bytes = "1MB"

            [[source]]
            id = "estat-pjan-small"
            url = "\(publisher.url("pjan.tsv.gz"))"
            format = "eurostat-tsv"
            max_bytes = "300KB"
            """
        try w.write("brid.toml", config)
        let run = try w.brid("--once")
        #expect(run.stderr.contains("fetched: release 1, 55377 added"), "\(run.stderr)")
        // 133,558 bytes download within 300 KB (307,200 bytes) but inflate to 371,086.
        #expect(run.stderr.contains("gzip bomb refused: it inflates to more than max_bytes (307200 bytes) from 133558 compressed bytes"), "\(run.stderr)")
        #expect(try w.sql("SELECT value FROM latest_observations WHERE series = 'estat.pjanbroad.EA19.F.TOTAL.NR' AND period = '2019'") == "174651001\n")
        #expect(try w.sql("SELECT count(*) FROM latest_observations WHERE series NOT LIKE 'estat.pjanbroad.%'") == "0\n")
    } }

    /// The World Bank's zip served over HTTP as the API serves it: a URL body that is a zip
    /// archive is unzipped by its magic bytes, its member chosen by `member`, as a drop is.
    @Test func aZipURLBody() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        try FileManager.default.copyItem(atPath: Self.publications + "/wb_api_NY.GDP.MKTP.CD_csv.zip",
                                         toPath: w.root + "/published/gdp.zip")
        try w.write("brid.toml", """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "wb-gdp"
            url = "\(publisher.url("gdp.zip"))"
            format = "csv"
            member = "API_*.csv"
            series = "wb.{Country Code}.{Indicator Code}"
            """)
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("fetched: release 1"), "\(run.stderr)")
        #expect(try w.sql("SELECT value FROM latest_observations WHERE series = 'wb.KAZ.NY.GDP.MKTP.CD' AND period = '2023'") == "262641892078.524\n")
    } }

    /// A gzip file that inflates to 100 MB is inflated into an unnamed file and read through
    /// its mapping: brid's peak RSS stays far below the inflated size.
    @Test func aLargeGzipIsInflatedInFarLessMemory() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "big"
            drop = "drop/big"
            format = "csv"
            """)
        let rows = 100_000
        let note = String(repeating: "n", count: 1000)
        var text = "series,period,value,note\n"
        text.reserveCapacity(rows * 1030)
        for i in 0..<rows { text += "s\(i % 1000),\(1800 + i / 1000),\(i).5,\(note)\n" }
        try w.write("staging/wide.csv", text)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-1", w.root + "/staging/wide.csv"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        try FileManager.default.createDirectory(atPath: w.root + "/state/drop/big", withIntermediateDirectories: true)
        #expect(rename(w.root + "/staging/wide.csv.gz", w.root + "/state/drop/big/wide.csv.gz") == 0)
        let (run, peak) = try BridProcess.measuredOnce(config: w.root + "/brid.toml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("accepted: release 1, \(rows) added"), "\(run.stderr)")
        // A debug brid sits at about 40 MB by itself; holding the inflated file would add 100 MB.
        #expect(peak.map { $0 < 80 << 20 } == true, "peak RSS \(peak.map { $0 >> 20 } ?? -1) MiB for \(text.utf8.count >> 20) MiB inflated")
    } }

    @Test func aTruncatedGzipIsRejectedAndNothingStored() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "estat-pjan"
            drop = "drop/pjan"
            format = "eurostat-tsv"
            """)
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.publications + "/estat_demo_pjanbroad.tsv.gz"))
        try FileManager.default.createDirectory(atPath: w.root + "/state/drop/pjan", withIntermediateDirectories: true)
        try whole.prefix(100_000).write(to: URL(fileURLWithPath: w.root + "/state/drop/pjan/pjan.tsv.gz"))
        let run = try w.brid("--once")
        #expect(run.status != 0, "\(run.stderr)")
        #expect(run.stderr.contains("pjan.tsv.gz: truncated gzip: the compressed data ends at byte offset 100000 before the end of its stream"), "\(run.stderr)")
        #expect(w.files("state/drop/pjan/rejected") == ["pjan.tsv.gz", "pjan.tsv.gz.error"])
        #expect(try w.sql("SELECT count(*) FROM latest_observations") == "0\n")
    } }
}

extension Workspace {
    /// Copies a file of Tests/Fixtures/publications into `relative` (a folder made if needed).
    func copyPublication(_ name: String, to relative: String) throws {
        let destination = root + "/" + relative
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: PublicationsEndToEndTests.publications + "/" + name, toPath: destination + "/" + name)
    }
}
