import BridCore
@testable import BridFormats
import Foundation
import Testing

@Suite struct SDMXMLTests {
    func read(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) throws -> Payload {
        try readPayload(try SDMXMLFormat(settings: settings(series: series, options)), Array(text.utf8), origin: "data.xml")
    }

    func error(_ text: String, series: String? = nil, _ options: [String: Any] = [:]) -> InputError? {
        #expect(throws: InputError.self) { try read(text, series: series, options) }
    }

    /// A StructureSpecific message around `body` (the DataSet's content).
    func structureSpecific(_ body: String, dataSet: String = "ss:structureRef=\"BRI_TRADE\"", dimension: String = "TIME_PERIOD") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment -->
        <message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
          <message:Header>
            <message:ID>x</message:ID>
            <message:Prepared><![CDATA[2019-03-01T06:00:00+06:00]]></message:Prepared>
            <message:Structure structureID="BRI_TRADE" dimensionAtObservation="\(dimension)">
              <common:StructureUsage><Ref agencyID="BRI" id="TRADE" version="1.0"/></common:StructureUsage>
              <common:Structure><Ref agencyID="BRI" id="DSD_TRADE" version="1.0"/></common:Structure>
            </message:Structure>
          </message:Header>
          <message:DataSet \(dataSet)>
        \(body)
          </message:DataSet>
        </message:StructureSpecificData>
        """
    }

    /// A GenericData message around `body`.
    func generic(_ body: String, dataSet: String = "structureRef=\"S1\"") -> String {
        """
        <?xml version="1.0"?>
        <message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
          <message:Header>
            <message:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD">
              <common:Structure><URN>urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ECB:ECB_EXR1(1.0)</URN></common:Structure>
            </message:Structure>
          </message:Header>
          <message:DataSet \(dataSet)>
        \(body)
          </message:DataSet>
        </message:GenericData>
        """
    }

    // MARK: Real files

    @Test func imfStructureSpecific() throws {
        let payload = try readPayload(try SDMXMLFormat(settings: FormatSettings()), try fixture("imf-pcps-sdmxml21-structspecific.xml"))
        #expect(payload.lines == ["PCPS.M.W00.PZINC.USD 2021-01 2705.345"])
        #expect(payload.series[0].frequency == .monthly)
        #expect(payload.publishedAt == Timestamp.parse("2025-01-09T12:59:18Z"))
        let chosen = try readPayload(try SDMXMLFormat(settings: settings(["series_prefix": "imf", "dimensions": ["REF_AREA", "COMMODITY"]])),
                                     try fixture("imf-pcps-sdmxml21-structspecific.xml"))
        #expect(chosen.lines == ["imf.W00.PZINC 2021-01 2705.345"])
    }

    @Test func worldBankGeneric() throws {
        let payload = try readPayload(try SDMXMLFormat(settings: FormatSettings()), try fixture("wb-wits-sdmxml21-generic.xml"))
        #expect(payload.lines == ["TARIFF_TRAINS.A.Reported.020110.000.840 1989 0"])
        #expect(payload.series[0].frequency == .annual)
        #expect(payload.series[0].ordinals == [1])
        #expect(payload.publishedAt == Timestamp.parse("2024-11-05T06:16:41Z"))
        let templated = try readPayload(try SDMXMLFormat(settings: settings(series: "wits.{REPORTER}.{PRODUCTCODE}")), try fixture("wb-wits-sdmxml21-generic.xml"))
        #expect(templated.lines == ["wits.840.020110 1989 0"])
    }

    // MARK: StructureSpecific

    @Test func structureSpecificSeriesAttributesAndValues() throws {
        let text = structureSpecific("""
            <Series FREQ="A" REF_AREA="KZ" COUNTERPART="CN" UNIT_MULT="9" xsi:type="ss:SeriesType" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <Obs TIME_PERIOD="2017" OBS_VALUE="17.9" OBS_STATUS="A"/>
              <Obs TIME_PERIOD="2018" OBS_VALUE="19.885"></Obs>
              <Obs TIME_PERIOD="2019" OBS_VALUE="NaN" OBS_STATUS="M"/>
              <Obs TIME_PERIOD="2020"/>
            </Series>
            <Series FREQ="Q" REF_AREA="KZ" COUNTERPART="CN" UNIT_MULT="9">
              <Obs TIME_PERIOD='2018-Q1' OBS_VALUE='1&#46;5'/>
            </Series>
            """)
        let payload = try read(text)
        #expect(payload.lines == ["TRADE.A.KZ.CN 2017 17.9", "TRADE.A.KZ.CN 2018 19.885", "TRADE.A.KZ.CN 2019 -", "TRADE.A.KZ.CN 2020 -",
                                  "TRADE.Q.KZ.CN 2018-Q1 1.5"])
        #expect(payload.series[1].ordinals == [5])
        #expect(payload.publishedAt == Timestamp.parse("2019-03-01T00:00:00Z"))
        #expect(try read(text, ["attributes": ["COUNTERPART"]]).series.map(\.key) == ["TRADE.A.KZ.9", "TRADE.Q.KZ.9"])
        #expect(try read(text, ["series_prefix": "", "separator": "_", "dimensions": ["COUNTERPART", "REF_AREA", "FREQ"]]).series.map(\.key) == ["CN_KZ_A", "CN_KZ_Q"])
        #expect(try read(text, series: "cn-kz.{FREQ}").series.map(\.key) == ["cn-kz.A", "cn-kz.Q"])
    }

    @Test func structureSpecificFlatObservations() throws {
        let payload = try read(structureSpecific("""
            <Obs FREQ="M" REF_AREA="KZ" TIME_PERIOD="2018-01" OBS_VALUE="1" OBS_STATUS="A"/>
            <Obs FREQ="M" REF_AREA="CN" TIME_PERIOD="2018-01" OBS_VALUE="2"/>
            """, dimension: "AllDimensions"))
        #expect(payload.lines == ["TRADE.M.KZ 2018-01 1", "TRADE.M.CN 2018-01 2"])
    }

    @Test func theObservationDimensionComesFromTheHeader() throws {
        let payload = try read(structureSpecific("""
            <Series FREQ="M"><Obs DATE="2018-01" OBS_VALUE="1"/></Series>
            """, dimension: "DATE"))
        #expect(payload.lines == ["TRADE.M 2018-01 1"])
    }

    @Test func deleteDataSetsRecordRemovals() throws {
        let payload = try read(structureSpecific("""
            <Series FREQ="A" REF_AREA="KZ"><Obs TIME_PERIOD="2018"/><Obs TIME_PERIOD="2019"/></Series>
            """, dataSet: "ss:structureRef=\"BRI_TRADE\" action=\"Delete\""))
        #expect(payload.lines == ["TRADE.A.KZ 2018 DELETE", "TRADE.A.KZ 2019 DELETE"])
    }

    // MARK: GenericData

    @Test func genericSeriesAndFlatObservations() throws {
        let payload = try read(generic("""
            <generic:Attributes><generic:Value id="DATASOURCE" value="X"/></generic:Attributes>
            <generic:Series>
              <generic:SeriesKey><generic:Value id="FREQ" value="D"/><generic:Value id="CURRENCY" value="NZD"/></generic:SeriesKey>
              <generic:Attributes><generic:Value id="TITLE" value="New Zealand dollar"/></generic:Attributes>
              <generic:Obs>
                <generic:ObsDimension id="TIME_PERIOD" value="2019-01-02"/>
                <generic:ObsValue value="1.6893"/>
                <generic:Attributes><generic:Value id="OBS_STATUS" value="A"/></generic:Attributes>
              </generic:Obs>
              <generic:Obs><generic:ObsDimension value="2019-01-03"/></generic:Obs>
            </generic:Series>
            <generic:Obs>
              <generic:ObsKey><generic:Value id="FREQ" value="D"/><generic:Value id="TIME_PERIOD" value="2019-01-02"/><generic:Value id="CURRENCY" value="RUB"/></generic:ObsKey>
              <generic:ObsValue value="79.7153"/>
            </generic:Obs>
            """))
        #expect(payload.lines == ["ECB_EXR1.D.NZD 2019-01-02 1.6893", "ECB_EXR1.D.NZD 2019-01-03 -", "ECB_EXR1.D.RUB 2019-01-02 79.7153"])
        #expect(payload.series[1].ordinals == [3])
    }

    // MARK: Errors

    @Test func badObservationsNameTheElementAndLine() {
        let text = structureSpecific("""
            <Series FREQ="A" REF_AREA="KZ"><Obs TIME_PERIOD="2018" OBS_VALUE="1"/></Series>
            <Series FREQ="A" REF_AREA="CN">
              <Obs TIME_PERIOD="2018" OBS_VALUE="1"/>
              <Obs TIME_PERIOD="2019" OBS_VALUE="1,5"/>
            </Series>
            """)
        let e = error(text)
        #expect(e?.place == .element("Series[2]/Obs[2]"))
        #expect(e?.reason.hasPrefix("value \"1,5\" is not a plain decimal number") == true)
        #expect(e?.reason.hasSuffix("(series TRADE.A.CN, period 2019) (line 16)") == true)
        let noTime = error(structureSpecific("<Series FREQ=\"A\"><Obs OBS_VALUE=\"1\"/></Series>"))
        #expect(noTime == InputError(origin: "data.xml", place: .element("Series[1]/Obs[1]"), reason: "<Obs> without a TIME_PERIOD attribute (its period) (line 13)"))
        let genericNoTime = error(generic("<generic:Series><generic:SeriesKey><generic:Value id=\"F\" value=\"A\"/></generic:SeriesKey><generic:Obs><generic:ObsValue value=\"1\"/></generic:Obs></generic:Series>"))
        #expect(genericNoTime?.reason == "<Obs> without an ObsDimension (its period) (line 9)")
        let missing = error(structureSpecific("<Series FREQ=\"A\"><Obs TIME_PERIOD=\"2018\" OBS_VALUE=\"1\"/></Series>"), ["dimensions": ["FREQ", "REF_AREA"]])
        #expect(missing == InputError(origin: "data.xml", place: .element("Series[1]"), reason: "has no component REF_AREA (listed in `dimensions`); it has FREQ (line 13)"))
        let empty = error(structureSpecific("<Series FREQ=\"\"><Obs TIME_PERIOD=\"2018\" OBS_VALUE=\"1\"/></Series>"))
        #expect(empty?.reason == "component FREQ is empty (line 13)")
    }

    @Test func duplicatesNameRecords() {
        let e = error(structureSpecific("""
            <Series FREQ="A"><Obs TIME_PERIOD="2018" OBS_VALUE="1"/></Series>
            <Series FREQ="A"><Obs TIME_PERIOD="2018-01-01" OBS_VALUE="2"/></Series>
            """))
        #expect(e?.description == "data.xml record 2: duplicate observation for series TRADE.A, period 2018 (first at record 1)")
    }

    @Test func malformedXMLNamesTheLine() {
        let mismatched = error("<a:GenericData>\n<a:Header>\n</a:DataSet>\n</a:GenericData>")
        #expect(mismatched == InputError(origin: "data.xml", place: .line(3), reason: "end tag </a:DataSet> does not match <a:Header> (opened on line 2)"))
        let truncated = error(structureSpecific("<Series FREQ=\"A\"><Obs TIME_PERIOD=\"2018\" OBS_VALUE=\"1\"/></Series>").replacingOccurrences(of: "</message:StructureSpecificData>", with: ""))
        #expect(truncated?.reason == "the document ends inside <message:StructureSpecificData> (opened on line 3)")
        let unquoted = error("<GenericData>\n<Header id=x/></GenericData>")
        #expect(unquoted == InputError(origin: "data.xml", place: .line(2), reason: "the value of attribute id of <Header> is not quoted"))
        let entity = error(structureSpecific("<Series FREQ=\"&nbsp;\"><Obs TIME_PERIOD=\"2018\"/></Series>"))
        #expect(entity == InputError(origin: "data.xml", place: .line(13), reason: "unknown entity &nbsp;"))
        #expect(error("<!DOCTYPE x [<!ENTITY a \"b\">]><GenericData/>")?.reason == "DOCTYPE declarations are not accepted")
        #expect(error("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><GenericData/>")?.reason == "the document is encoded as ISO-8859-1; only UTF-8 is supported")
        #expect(error("STRUCTURE,STRUCTURE_ID\n")?.reason == "text before the root element (is this XML?)")
        #expect(error("<GenericData/><GenericData/>")?.reason == "a second root element <GenericData>")
        #expect(error("")?.reason == "no XML root element")
    }

    @Test func otherMessagesAreRefusedByName() {
        #expect(error("<mes:Structure xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\"/>")
                == InputError(origin: "data.xml", place: nil, reason: "unknown root element <Structure>: expected an SDMX-ML 2.1 data message (GenericData or StructureSpecificData) (line 1)"))
        #expect(error("<CompactData xmlns=\"http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message\"/>")?.reason.hasPrefix("this is an SDMX-ML 2.0 message (<CompactData>)") == true)
        let serviceError = error("""
            <mes:Error xmlns:mes="m" xmlns:com="c"><mes:ErrorMessage code="100"><com:Text xml:lang="en">No Results Found</com:Text></mes:ErrorMessage></mes:Error>
            """)
        #expect(serviceError?.reason == "the service sent an SDMX error message instead of data: 100 No Results Found")
    }

    @Test func zeroObservationsSayWhy() {
        #expect(error(structureSpecific("<Series FREQ=\"A\"/><Series FREQ=\"M\"></Series>"))?.reason == "no observations found: the message has 2 <Series> but no <Obs>")
        #expect(error("<GenericData><Header/></GenericData>")?.reason == "no observations found: the message has no <DataSet>")
    }

    @Test func aMessageWithoutStructureNeedsAPrefix() throws {
        let text = "<GenericData><DataSet><Series><SeriesKey><Value id=\"F\" value=\"A\"/></SeriesKey><Obs><ObsDimension value=\"2018\"/><ObsValue value=\"2\"/></Obs></Series></DataSet></GenericData>"
        #expect(error(text) == InputError(origin: "data.xml", place: .element("DataSet[1]"), reason: "the payload names no structure to prefix series keys with; set `series_prefix` (\"\" for no prefix) (line 1)"))
        #expect(try read(text, ["series_prefix": ""]).lines == ["A 2018 2"])
        #expect(try read(text.replacingOccurrences(of: "<DataSet>", with: "<DataSet structureRef=\"ECB:EXR(1.0)\">")).lines == ["EXR.A 2018 2"])
    }

    @Test func isRegistered() throws {
        #expect(Formats.catalog["sdmx-ml"] == ["series_prefix": .string, "separator": .string, "dimensions": .stringArray, "attributes": .stringArray])
        #expect(SDMXMLFormat.ordinalKind == .record)
        #expect(throws: FormatSettingsError.self) { try SDMXMLFormat(settings: settings(series: "{A}", ["separator": "-"])) }
    }
}
