import BridTestSupport
import Foundation
import Testing

/// Eurostat's flags kept as the observation's status, end to end: `brid --once` on the real
/// publications, then the daemon and `brictl history` / `show` / `export` on that store; a
/// later payload where the provisional figure becomes final is a revision.
@Suite struct ObservationStatusEndToEndTests {
    @Test func eurostatFlagsAreStatusesThatHistoryShows() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"
            socket = "state/control.sock"

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
        // SOURCES.md's check values, with their flags.
        #expect(try w.sql("""
            SELECT series || ' ' || period || ' ' || value || ' ' || coalesce(status, '-') FROM latest_observations
            WHERE (series, period) IN (VALUES ('estat.nama_10r_3gdp.A.EUR_HAB.AL', '2021'), ('estat.nama_10r_3gdp.A.MIO_EUR.BG', '2000'),
                ('estat.pjanbroad.GE.T.TOTAL.NR', '2000'), ('estat.pjanbroad.EA19.F.TOTAL.NR', '2019'))
            ORDER BY series
            """) == """
            estat.nama_10r_3gdp.A.EUR_HAB.AL 2021 5400 p
            estat.nama_10r_3gdp.A.MIO_EUR.BG 2000 14440.05 -
            estat.pjanbroad.EA19.F.TOTAL.NR 2019 174651001 bep
            estat.pjanbroad.GE.T.TOTAL.NR 2000 4435200 e

            """)

        // The provisional 2021 figure becomes final, unchanged in value: a revision.
        let nama = try String(contentsOfFile: PublicationsEndToEndTests.publications + "/estat_nama_10r_3gdp.tsv", encoding: .utf8)
        let final = nama.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("A,EUR_HAB,AL\t") ? line.replacingOccurrences(of: "5400 p", with: "5400 ") : String(line)
        }.joined(separator: "\n")
        #expect(final != nama)
        try w.write("state/drop/nama/final.tsv", final)
        let second = try w.brid("--once")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("0 added, 1 revised"), "\(second.stderr)")

        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        defer { _ = try? brid.terminate() }
        try brid.waitForLog("control socket")
        func brictl(_ arguments: String...) throws -> BridProcess.Result {
            try BridProcess.run(["--socket", w.root + "/state/control.sock"] + arguments, executable: BridProcess.brictlPath)
        }
        let history = try brictl("history", "estat.nama_10r_3gdp.A.EUR_HAB.AL", "2021")
        #expect(history.status == 0, "\(history.stderr)")
        let lines = history.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.contains("RELEASE") })
        #expect(header.contains("STATUS"))
        let rows = lines.filter { $0.contains("5400") }
        #expect(rows.count == 2, "\(history.stdout)")
        #expect(rows.first?.contains(" p ") == true, "\(history.stdout)")
        #expect(rows.last?.contains("status p → none") == true, "\(history.stdout)")
        let estimated = try brictl("history", "estat.pjanbroad.GE.T.TOTAL.NR", "2000")
        #expect(estimated.stdout.split(separator: "\n").contains { $0.contains("4435200") && $0.contains(" e ") }, "\(estimated.stdout)")

        let json = try brictl("--json", "history", "estat.nama_10r_3gdp.A.EUR_HAB.AL", "2021")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let versions = parsed?["versions"] as? [[String: Any]]
        #expect(versions?.map { $0["status"] as? String } == ["p", nil])

        // A series without statuses shows no STATUS column.
        let plain = try brictl("show", "estat.nama_10r_3gdp.A.MIO_EUR.BG", "--to", "2001")
        #expect(plain.status == 0 && !plain.stdout.contains("STATUS"), "\(plain.stdout)")
        let export = try brictl("export", "estat.pjanbroad.GE.T.TOTAL.NR", "--release", "2")
        #expect(export.stdout.split(separator: "\n").first == "series,period,value,release,status")
        #expect(export.stdout.contains("estat.pjanbroad.GE.T.TOTAL.NR,2000,4435200,"), "\(export.stdout)")
        #expect(export.stdout.split(separator: "\n").contains { $0.hasPrefix("estat.pjanbroad.GE.T.TOTAL.NR,2000,4435200,") && $0.hasSuffix(",e") })
    } }
}
