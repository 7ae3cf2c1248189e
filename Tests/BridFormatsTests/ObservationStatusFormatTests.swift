import BridCore
@testable import BridFormats
import Foundation
import Testing

extension Payload {
    /// Every observation as "key period value status" (value and status "-" for none).
    var statusLines: [String] {
        series.flatMap { s in
            s.periods.indices.map { "\(s.key) \(s.periods[$0]) \(s.values[$0] ?? "-") \(s.status(at: $0) ?? "-")" }
        }
    }

    func status(_ key: String, _ period: String) -> String? {
        guard let s = series.first(where: { $0.key == key }), let i = s.periods.firstIndex(of: period) else { return "absent" }
        return s.status(at: i)
    }
}

/// Each format's observation status: Eurostat's flags, SDMX's OBS_STATUS.
@Suite struct ObservationStatusFormatTests {
    @Test func eurostatFlagsBecomeTheStatus() throws {
        let payload = try readPayload(try EurostatTSVFormat(settings: settings()), Array("""
            freq,unit,geo\\TIME_PERIOD\t2020 \t2021 \t2022 \t2023 
            A,EUR_HAB,AL\t4900 \t5400 p\t: \t: c
            A,EUR_HAB,AT\t174651001 bep\t43000 e\t45600 \t-0.5 b

            """.utf8), origin: "data.tsv")
        #expect(payload.statusLines == ["A.EUR_HAB.AL 2020 4900 -", "A.EUR_HAB.AL 2021 5400 p", "A.EUR_HAB.AL 2022 - -", "A.EUR_HAB.AL 2023 - c",
                                        "A.EUR_HAB.AT 2020 174651001 bep", "A.EUR_HAB.AT 2021 43000 e", "A.EUR_HAB.AT 2022 45600 -",
                                        "A.EUR_HAB.AT 2023 -0.5 b"])
    }

    @Test func theRealEurostatFilesKeepTheirFlags() throws {
        let root = EurostatTSVDocsTests.root.appendingPathComponent("Tests/Fixtures/publications/")
        let nama = try [UInt8](Data(contentsOf: root.appendingPathComponent("estat_nama_10r_3gdp.tsv")))
        let payload = try readPayload(try EurostatTSVFormat(settings: settings()), nama, origin: "nama")
        #expect(payload.series.first { $0.key == "A.EUR_HAB.AL" }.map { s in s.values[s.periods.firstIndex(of: "2021")!] } == "5400")
        #expect(payload.status("A.EUR_HAB.AL", "2021") == "p")
        #expect(payload.status("A.MIO_EUR.BG", "2000") == nil)
        // The older file, gzipped as published: inflated here with gzip(1).
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", root.appendingPathComponent("estat_demo_pjanbroad.tsv.gz").path]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let tsv = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        gunzip.waitUntilExit()
        let pjan = try readPayload(try EurostatTSVFormat(settings: settings()), tsv, origin: "pjan")
        #expect(pjan.status("NR.TOTAL.T.GE", "2000") == "e")
        #expect(pjan.status("NR.TOTAL.F.EA19", "2019") == "bep")
        #expect(pjan.status("NR.TOTAL.F.AD", "2010") == nil)
    }

    @Test func sdmxCSVReadsTheOBSSTATUSColumn() throws {
        let payload = try readPayload(try SDMXCSVFormat(settings: settings()), Array("""
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS
            dataflow,IMF:IFS(1.0),I,A,KZ,2019,19.885,A
            dataflow,IMF:IFS(1.0),I,A,KZ,2020,20.1,
            dataflow,IMF:IFS(1.0),I,A,KZ,2021,NaN,M
            dataflow,IMF:IFS(1.0),I,A,KZ,2022,21, P 

            """.utf8), origin: "data.csv")
        #expect(payload.statusLines == ["IFS.A.KZ 2019 19.885 A", "IFS.A.KZ 2020 20.1 -", "IFS.A.KZ 2021 - M", "IFS.A.KZ 2022 21 P"])
        // Without the column: no statuses at all.
        let plain = try readPayload(try SDMXCSVFormat(settings: settings()), Array("""
            STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE
            dataflow,IMF:IFS(1.0),I,A,2019,1

            """.utf8), origin: "data.csv")
        #expect(plain.series[0].statuses.isEmpty)
        let long = #expect(throws: InputError.self) {
            try readPayload(try SDMXCSVFormat(settings: settings()), Array("""
                STRUCTURE,STRUCTURE_ID,ACTION,FREQ,TIME_PERIOD,OBS_VALUE,OBS_STATUS
                dataflow,IMF:IFS(1.0),I,A,2019,1,Provisional value

                """.utf8), origin: "data.csv")
        }
        #expect(long?.description == "data.csv line 2: status \"Provisional value\" is longer than 16 characters (series IFS.A, period 2019)")
    }

    @Test func sdmxMLReadsTheOBSSTATUSAttribute() throws {
        let ml = SDMXMLTests()
        let specific = try ml.read(ml.structureSpecific("""
            <Series FREQ="A" REF_AREA="KZ"><Obs TIME_PERIOD="2017" OBS_VALUE="17.9" OBS_STATUS="A"/><Obs TIME_PERIOD="2018" OBS_VALUE="1"/></Series>
            <Obs FREQ="M" REF_AREA="KZ" TIME_PERIOD="2018-01" OBS_VALUE="1" OBS_STATUS="E"/>
            """, dimension: "TIME_PERIOD"))
        #expect(specific.status("TRADE.A.KZ", "2017") == "A")
        #expect(specific.status("TRADE.A.KZ", "2018") == nil)
        let generic = try ml.read(ml.generic("""
            <generic:Series>
              <generic:SeriesKey><generic:Value id="FREQ" value="D"/><generic:Value id="CURRENCY" value="NZD"/></generic:SeriesKey>
              <generic:Obs>
                <generic:ObsDimension id="TIME_PERIOD" value="2019-01-02"/>
                <generic:ObsValue value="1.6893"/>
                <generic:Attributes><generic:Value id="OBS_CONF" value="F"/><generic:Value id="OBS_STATUS" value="P"/></generic:Attributes>
              </generic:Obs>
              <generic:Obs><generic:ObsDimension value="2019-01-03"/><generic:ObsValue value="1.7"/></generic:Obs>
            </generic:Series>
            """))
        #expect(generic.statusLines == ["ECB_EXR1.D.NZD 2019-01-02 1.6893 P", "ECB_EXR1.D.NZD 2019-01-03 1.7 -"])
    }

    @Test func sdmxJSONReadsTheOBSSTATUSAttributeIndex() throws {
        let payload = try JSONTest.read(SDMXJSON.self, try JSONTest.fixture("sdmxjson2-exr-time-series.json"))
        // Every observation's OBS_STATUS index is 0: "A" (Normal value).
        #expect(payload.status("EXR.D.NZD.EUR.SP00.A", "2013-01-18") == "A")
        #expect(payload.status("EXR.D.RUB.EUR.SP00.A", "2013-01-21") == "A")
        // OECD's flat message lists OBS_STATUS second, after TIME_FORMAT; its observations set none.
        let oecd = try JSONTest.read(SDMXJSON.self, try JSONTest.fixture("oecd-sdmx-json1-part2.json"), options: ["fixed_period": .string("2011")])
        #expect(oecd.series.allSatisfy { $0.statuses.isEmpty })
        let bad = try JSONTest.error(SDMXJSON.self, """
            {"structure": {"id": "F", "dimensions": {"observation": [{"id": "TIME_PERIOD", "values": [{"id": "2020"}]}]},
             "attributes": {"observation": [{"id": "OBS_STATUS", "values": [{"id": "A"}]}]}},
             "dataSets": [{"observations": {"0": [1, 3]}}]}
            """, options: ["series_prefix": .string("x")])
        #expect(bad == "test.json at /dataSets/0/observations/0/1: the OBS_STATUS index must be one of the 1 values of the structure's OBS_STATUS attribute, found 3")
    }
}
