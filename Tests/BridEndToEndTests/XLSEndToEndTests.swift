import BridTestSupport
import Foundation
import Testing

/// `brid --once` on China NBS's `.xls` (Tests/Fixtures/publications, check values in its
/// SOURCES.md), configured as Docs/formats/xls.md shows; a damaged copy is refused.
@Suite struct XLSEndToEndTests {
    @Test func nbsProvincialGDPWithItsCheckValuesAndADamagedCopyRefused() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "cn-nbs-province-gdp"
            drop = "drop/nbs"
            format = "xls"
            sheet = "分省年度数据"
            series = "cn.nbs.gdp.{A}"

            [[source]]
            id = "cn-nbs-damaged"
            drop = "drop/damaged"
            format = "xls"
            series = "cn.nbs.damaged.{A}"
            """)
        let fixture = PublicationsEndToEndTests.publications + "/cn_nbs_province_gdp.xls"
        try w.copyPublication("cn_nbs_province_gdp.xls", to: "state/drop/nbs")
        try FileManager.default.createDirectory(atPath: w.root + "/state/drop/damaged", withIntermediateDirectories: true)
        // Cut inside the Workbook stream: the compound file says it is longer.
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture))
        try whole.prefix(6000).write(to: URL(fileURLWithPath: w.root + "/state/drop/damaged/cut.xls"))

        let run = try w.brid("--once")
        #expect(run.status == 1, "the damaged source fails: \(run.stderr)")
        #expect(run.stderr.contains("accepted: release"), "\(run.stderr)")
        #expect(run.stderr.contains("rejected: cut.xls: truncated compound file"), "\(run.stderr)")
        let values = try w.sql("""
            SELECT series || ' ' || period || ' ' || value FROM latest_observations
            WHERE (series, period) IN (VALUES ('cn.nbs.gdp.北京市', '2019'), ('cn.nbs.gdp.广东省', '2015'), ('cn.nbs.gdp.西藏自治区', '2017'))
            ORDER BY value
            """)
        #expect(values == """
            cn.nbs.gdp.西藏自治区 2017 1310.92
            cn.nbs.gdp.北京市 2019 35371.28
            cn.nbs.gdp.广东省 2015 72812.55

            """)
        #expect(try w.sql("SELECT count(DISTINCT series) || ' ' || count(*) FROM latest_observations") == "31 155\n")
        #expect(try w.sql("SELECT count(*) FROM latest_observations WHERE series LIKE 'cn.nbs.damaged.%'") == "0\n")
    } }
}
