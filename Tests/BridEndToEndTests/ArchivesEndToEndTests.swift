import BridTestSupport
import Foundation
import Testing

/// `brid --once` on the real xlsx workbook and World Bank zip of Tests/Fixtures/publications
/// (check values in its SOURCES.md), configured as Docs/formats/xlsx.md and README's
/// "Zip archives" show; and zip payloads refused by name with nothing stored.
@Suite struct ArchivesEndToEndTests {
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
        try w.copyPublication("kz_bns_grp_per_capita.xlsx", to: "state/drop/kz")
        try w.copyPublication("wb_api_NY.GDP.MKTP.CD_csv.zip", to: "state/drop/wb")
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

    /// A sheet whose XML inflates to 100 MB (100,000 rows, each with a 1,000-character
    /// note) is inflated into an unnamed file and scanned through its mapping: brid's peak
    /// RSS stays far below the sheet's size.
    @Test func aLargeSheetIsReadInFarLessMemory() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "big"
            drop = "drop/big"
            format = "xlsx"
            period_column = "A"
            period_pattern = '^(?<year>\\d{4})-(?<month>\\d{2})-(?<day>\\d{2})$'
            columns = { C = "big.daily" }
            """)
        let rows = 100_000
        let script = """
            import datetime, sys, zipfile
            rows = int(sys.argv[2])
            note = "n" * 1000
            day = datetime.date(1800, 1, 1)
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
                z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
                z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="big" sheetId="1" r:id="rId1"/></sheets></workbook>')
                z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
                with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                    f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    for i in range(rows):
                        d = (day + datetime.timedelta(days=i)).isoformat()
                        f.write(f'<row r="{i + 1}"><c r="A{i + 1}" t="inlineStr"><is><t>{d}</t></is></c><c r="B{i + 1}" t="inlineStr"><is><t>{note}</t></is></c><c r="C{i + 1}"><v>{i}.5</v></c></row>'.encode())
                    f.write(b"</sheetData></worksheet>")
            """
        try w.write("staging/make.py", script)
        try FileManager.default.createDirectory(atPath: w.root + "/state/drop/big", withIntermediateDirectories: true)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", w.root + "/staging/make.py", w.root + "/staging/big.xlsx", "\(rows)"]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(rename(w.root + "/staging/big.xlsx", w.root + "/state/drop/big/big.xlsx") == 0)
        let (run, peak) = try BridProcess.measuredOnce(config: w.root + "/brid.toml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("accepted: release 1, \(rows) added"), "\(run.stderr)")
        #expect(try w.sql("SELECT value FROM latest_observations WHERE series = 'big.daily' AND period = '1800-01-02'") == "1.5\n")
        // A debug brid sits at about 40 MB by itself; holding the inflated sheet would add 100 MB.
        #expect(peak.map { $0 < 80 << 20 } == true, "peak RSS \(peak.map { $0 >> 20 } ?? -1) MiB for a 100 MB sheet")
    } }
}
