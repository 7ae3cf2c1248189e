import BridTestSupport
import Foundation
import Testing

/// `brid --once` on one drop source per format, fed the real files the format tests use:
/// the built binary reads them into a real store, checked with the sqlite3 shell.
@Suite struct FormatsEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("BridFormatsTests/Fixtures").path
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config/samples/bri-cn-kz-2018.csv").path

    @Test func everyFormatThroughADropFolder() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "csv"
            drop = "drop/csv"
            format = "csv"

            [[source]]
            id = "comtrade"
            drop = "drop/comtrade"
            format = "json"
            records = "/data"
            series = "comtrade.{reporterISO}.{partnerISO}.{flowCode}.{cmdCode}"
            period = "period"
            value = "primaryValue"

            [[source]]
            id = "worldbank"
            drop = "drop/worldbank"
            format = "worldbank-json"

            [[source]]
            id = "fred"
            drop = "drop/fred"
            format = "fred-json"
            series = "fred.GNPCA"
            frequency = "A"

            [[source]]
            id = "sdmx-csv"
            drop = "drop/sdmx-csv"
            format = "sdmx-csv"
            time_column = "DIM_3"

            [[source]]
            id = "sdmx-json"
            drop = "drop/sdmx-json"
            format = "sdmx-json"

            [[source]]
            id = "sdmx-ml"
            drop = "drop/sdmx-ml"
            format = "sdmx-ml"
            """)
        for (folder, file) in [("csv", Self.sample), ("comtrade", "\(Self.fixtures)/comtrade-v1-chn.json"),
                               ("worldbank", "\(Self.fixtures)/worldbank-usa-gnp.json"),
                               ("fred", "\(Self.fixtures)/fred-observations-gnpca.json"),
                               ("sdmx-csv", "\(Self.fixtures)/sdmx-csv2-example-01.csv"),
                               ("sdmx-json", "\(Self.fixtures)/sdmxjson2-exr-time-series.json"),
                               ("sdmx-ml", "\(Self.fixtures)/imf-pcps-sdmxml21-structspecific.xml")] {
            try w.write("state/drop/\(folder)/" + URL(fileURLWithPath: file).lastPathComponent, try String(contentsOfFile: file, encoding: .utf8))
        }
        let run = try w.brid("--once")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "accepted: release").count - 1 == 7, "\(run.stderr)")
        let values = try w.sql("""
            SELECT series || ' ' || period || ' ' || value FROM latest_observations
            WHERE (series, period) IN (VALUES ('cn-kz.trade.total', '2018'), ('comtrade.CHN.ARG.M.TOTAL', '2010'),
                ('wb.USA.NY.GNP.PCAP.CD', '1997'), ('fred.GNPCA', '1929'), ('NA_MAIN.A.B', '2014-01'),
                ('EXR.D.NZD.EUR.SP00.A', '2013-01-21'), ('PCPS.M.W00.PZINC.USD', '2021-01'))
            ORDER BY series
            """)
        #expect(values.split(separator: "\n").count == 7, "\(values)")
        #expect(values.contains("cn-kz.trade.total 2018 19.885"))
        #expect(values.contains("comtrade.CHN.ARG.M.TOTAL 2010 6804128143.0"))
        #expect(values.contains("fred.GNPCA 1929 1120.076"))
        #expect(values.contains("NA_MAIN.A.B 2014-01 12.4"))
        #expect(values.contains("EXR.D.NZD.EUR.SP00.A 2013-01-21 1.5925"))
        #expect(values.contains("PCPS.M.W00.PZINC.USD 2021-01 2705.345"))
        #expect(values.contains("wb.USA.NY.GNP.PCAP.CD 1997 "))
        // Published-at from the payloads: World Bank lastupdated, FRED realtime_start, SDMX prepared/UPDATED.
        #expect(try w.sql("SELECT count(*) FROM releases WHERE published_at IS NOT NULL AND source_id IN ('worldbank', 'fred', 'sdmx-csv', 'sdmx-json', 'sdmx-ml')") == "5\n")
    } }
}
