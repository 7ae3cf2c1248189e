import BridTestSupport
import Foundation
import Testing

/// `brid --once` on the agencies' by-year CSV tables, configured as Docs/formats/tables.md
/// shows: the World Bank bulk CSV and Destatis GENESIS (ISO-8859-1, transcoded by the runtime).
@Suite struct TablePublicationsEndToEndTests {
    @Test func worldBankBulkCSVAndDestatisAsTables() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "wb-gdp-bulk"
            drop = "drop/wb"
            format = "csv"
            series = "wb.{Country Code}.{Indicator Code}"

            [[source]]
            id = "destatis-63111-0001"
            drop = "drop/destatis"
            format = "csv"
            encoding = "iso-8859-1"
            decimal = ","
            missing = ["-", "."]
            period_column = "A"
            period_pattern = '01\\.01\\.(?<year>\\d{4})'
            columns = { B = "de.hh.surveyed", D = "de.hh.cars", F = "de.hh.cars.new.electric" }
            """)
        try w.copyPublication("API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2002465.csv", to: "state/drop/wb")
        try w.copyPublication("destatis_63111-0001.csv", to: "state/drop/destatis")
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "accepted: release").count - 1 == 2, "\(run.stderr)")
        let values = try w.sql("""
            SELECT series || ' ' || period || ' ' || value FROM latest_observations
            WHERE (series, period) IN (VALUES
                ('wb.CHN.NY.GDP.MKTP.CD', '1960'), ('wb.KAZ.NY.GDP.MKTP.CD', '2023'), ('wb.KGZ.NY.GDP.MKTP.CD', '1990'),
                ('de.hh.cars', '2000'), ('de.hh.surveyed', '2021'), ('de.hh.cars.new.electric', '2021'))
            ORDER BY series
            """)
        #expect(values == """
            de.hh.cars 2000 74.4
            de.hh.cars.new.electric 2021 1.2
            de.hh.surveyed 2021 7630
            wb.CHN.NY.GDP.MKTP.CD 1960 59716249310.9742
            wb.KAZ.NY.GDP.MKTP.CD 2023 261421121085.572
            wb.KGZ.NY.GDP.MKTP.CD 1990 2675000000

            """)
        // 266 country rows less the 4 without a single value.
        #expect(try w.sql("SELECT count(DISTINCT series) FROM latest_observations WHERE series LIKE 'wb.%'") == "262\n")
    } }
}
