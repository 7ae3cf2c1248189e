import BridTestSupport
import Foundation
import Testing

/// `brid --once` on the real xlsx workbook and World Bank zip of Tests/Fixtures/publications
/// (check values in its SOURCES.md), configured as Docs/formats/xlsx.md and README's
/// "Zip archives" show; and zip payloads refused by name with nothing stored.
@Suite struct ArchivesEndToEndTests {
    func copy(_ name: String, to relative: String, in w: Workspace) throws {
        let destination = w.root + "/" + relative
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: PublicationsEndToEndTests.publications + "/" + name, toPath: destination + "/" + name)
    }

    func put(_ bytes: Data, _ relative: String, in w: Workspace) throws {
        let path = w.root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    @Test func theKazakhstanWorkbookAndTheWorldBankZip() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "kz-grp"
            drop = "drop/kz"
            format = "xlsx"
            sheet = "тыс.тенге"
            series = "kz.grp_per_capita.{A}.{frequency}"

            [[source]]
            id = "wb-gdp"
            drop = "drop/wb"
            format = "csv"
            member = "API_*.csv"
            series = "wb.{Country Code}.{Indicator Code}"
            """)
        try copy("kz_bns_grp_per_capita.xlsx", to: "state/drop/kz", in: w)
        try copy("wb_api_NY.GDP.MKTP.CD_csv.zip", to: "state/drop/wb", in: w)
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "accepted: release").count - 1 == 2, "\(run.stderr)")
        let values = try w.sql("""
            SELECT series || ' ' || period || ' ' || value FROM latest_observations
            WHERE (series, period) IN (VALUES
                ('kz.grp_per_capita.Республика_Казахстан.A', '2008'), ('kz.grp_per_capita.Атырауская.A', '2010'),
                ('kz.grp_per_capita.г.Алматы.Q', '2023-Q3'), ('wb.KAZ.NY.GDP.MKTP.CD', '2023'),
                ('wb.CHN.NY.GDP.MKTP.CD', '2022'), ('wb.UZB.NY.GDP.MKTP.CD', '2021'))
            ORDER BY series
            """)
        #expect(values == """
            kz.grp_per_capita.Атырауская.A 2010 5401
            kz.grp_per_capita.Республика_Казахстан.A 2008 1024.2
            kz.grp_per_capita.г.Алматы.Q 2023-Q3 6673.5
            wb.CHN.NY.GDP.MKTP.CD 2022 17881782683707.3
            wb.KAZ.NY.GDP.MKTP.CD 2023 262641892078.524
            wb.UZB.NY.GDP.MKTP.CD 2021 77340060003.0347

            """)
        // Only the API_ member was read: no series from the Metadata_ members.
        #expect(try w.sql("SELECT count(*) FROM series WHERE key LIKE 'wb.%' AND key NOT LIKE 'wb.%.NY.GDP.MKTP.CD'") == "0\n")
    } }

    @Test func zipPayloadsRefusedByNameWithNothingStored() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "no-member"
            drop = "drop/none"
            format = "csv"
            member = "API_*.tsv"
            series = "wb.{Country Code}.{Indicator Code}"

            [[source]]
            id = "cut"
            drop = "drop/cut"
            format = "csv"
            member = "API_*.csv"
            series = "wb.{Country Code}.{Indicator Code}"

            [[source]]
            id = "small"
            drop = "drop/small"
            format = "csv"
            max_bytes = "200KB"
            member = "API_*.csv"
            series = "wb.{Country Code}.{Indicator Code}"

            [[source]]
            id = "bad-xlsx"
            drop = "drop/xlsx"
            format = "xlsx"
            series = "x.{A}"
            """)
        let zip = try Data(contentsOf: URL(fileURLWithPath: PublicationsEndToEndTests.publications + "/wb_api_NY.GDP.MKTP.CD_csv.zip"))
        try put(zip, "state/drop/none/gdp.zip", in: w)
        try put(zip.prefix(100_000), "state/drop/cut/gdp.zip", in: w)
        // 138 kB compressed within max_bytes, 289 kB inflated beyond it.
        try put(zip, "state/drop/small/gdp.zip", in: w)
        let kz = try Data(contentsOf: URL(fileURLWithPath: PublicationsEndToEndTests.publications + "/kz_bns_grp_per_capita.xlsx"))
        try put(kz.prefix(30_000), "state/drop/xlsx/kz.xlsx", in: w)
        let run = try w.brid("--once")
        #expect(run.status != 0, "\(run.stderr)")
        #expect(run.stderr.contains("gdp.zip: no member of the zip archive matches member = \"API_*.tsv\" (its members: \"Metadata_Indicator_API_NY.GDP.MKTP.CD_DS2_en_csv_v2_391573.csv\", \"API_NY.GDP.MKTP.CD_DS2_en_csv_v2_391573.csv\""), "\(run.stderr)")
        #expect(run.stderr.contains("gdp.zip: a corrupt zip archive: no end of central directory record"), "\(run.stderr)")
        #expect(run.stderr.contains("gdp.zip: zip bomb refused: member \"API_NY.GDP.MKTP.CD_DS2_en_csv_v2_391573.csv\" inflates to more than max_bytes (204800 bytes)"), "\(run.stderr)")
        #expect(run.stderr.contains("kz.xlsx: a corrupt xlsx workbook: no end of central directory record"), "\(run.stderr)")
        for folder in ["none", "cut", "small"] { #expect(w.files("state/drop/\(folder)/rejected") == ["gdp.zip", "gdp.zip.error"]) }
        #expect(w.files("state/drop/xlsx/rejected") == ["kz.xlsx", "kz.xlsx.error"])
        #expect(try w.sql("SELECT count(*) FROM latest_observations") == "0\n")
    } }
}
