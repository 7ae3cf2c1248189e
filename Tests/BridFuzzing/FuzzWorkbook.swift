/// A workbook around arbitrary sheet XML, for the `xlsx` fuzz target: a workbook part with
/// one worksheet, its relationships, shared strings (period headers and labels such as the
/// Kazakhstan bureau's) and styles with date formats, all stored members with right CRC-32s,
/// so that mutations reach the sheet reader instead of stopping at the archive.
public enum FuzzWorkbook {
    public static func wrapping(sheet xml: [UInt8]) -> [UInt8] {
        StoredZip.archive([
            StoredZip.Entry("xl/workbook.xml", workbook),
            StoredZip.Entry("xl/_rels/workbook.xml.rels", relationships),
            StoredZip.Entry("xl/sharedStrings.xml", sharedStrings),
            StoredZip.Entry("xl/styles.xml", styles),
            StoredZip.Entry("xl/worksheets/sheet1.xml", xml),
        ])
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static let workbook = Array("""
        <?xml version="1.0" encoding="UTF-8"?><workbook xmlns="\(main)" xmlns:r="\(officeRelationships)"><sheets>\
        <sheet name="тыс.тенге" sheetId="1" r:id="rId1"/></sheets></workbook>
        """.utf8)

    static let relationships = Array("""
        <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="\(officeRelationships)/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="\(officeRelationships)/sharedStrings" Target="sharedStrings.xml"/>\
        <Relationship Id="rId3" Type="\(officeRelationships)/styles" Target="styles.xml"/></Relationships>
        """.utf8)

    /// 200 strings: headers that read as periods, labels, markers of no value.
    static let sharedStrings: [UInt8] = {
        let pool = ["2008 год", "I квартал 2008 года", "20091)", "2019年", "2018Q1", "г.Алматы", "Республика Казахстан", "北京市", "-", "x", "…", "", " ", "1 024,2"]
        let items = (0..<200).map { "<si><t>\($0 < pool.count * 4 ? pool[$0 % pool.count] : "Region \($0)")</t></si>" }
        return Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"\(main)\">\(items.joined())</sst>".utf8)
    }()

    /// Styles 0–3: general, a number format, a built-in date (14), a custom date.
    static let styles = Array("""
        <?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="\(main)"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.0"/>\
        <numFmt numFmtId="165" formatCode="dd\\.mm\\.yyyy"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/>\
        <xf numFmtId="14"/><xf numFmtId="165"/></cellXfs></styleSheet>
        """.utf8)
}
