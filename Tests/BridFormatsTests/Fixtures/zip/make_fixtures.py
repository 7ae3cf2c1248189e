#!/usr/bin/env python3
"""Writes the small zip and xlsx edge-case fixtures next to this script (run once; the
outputs are committed). Python's zipfile is an independent writer to test the reader on."""
import io, os, struct, zipfile, zlib

here = os.path.dirname(os.path.abspath(__file__))

def write(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)

def archive(members, compression=zipfile.ZIP_DEFLATED, force_zip64=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 12, 0, 0, 0))
            info.compress_type = compression
            with z.open(info, "w", force_zip64=force_zip64) as f:
                f.write(data)
    return buf.getvalue()

# Two members, one stored and one deflated.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(zipfile.ZipInfo("stored.txt", (2024, 1, 1, 0, 0, 0)), b"hello, stored\n", zipfile.ZIP_STORED)
    z.writestr(zipfile.ZipInfo("dir/deflated.csv", (2024, 1, 1, 0, 0, 0)), b"a,b\n" + b"1,2\n" * 1000, zipfile.ZIP_DEFLATED)
write("two.zip", buf.getvalue())
# ZIP64 records (end of central directory and extra fields) on a small archive.
write("zip64.zip", archive([("data.csv", b"x,y\n1,2\n")], force_zip64=True))
# 20 MB of zeros: a few kB deflated.
write("bomb.zip", archive([("zeros.csv", b"0" * (20 << 20))]))
# bzip2 (method 12).
write("bzip2.zip", archive([("data.csv", b"a\n" * 100)], compression=zipfile.ZIP_BZIP2))
# The encrypted flag set on a stored member (as a traditional-PKWARE archive has it).
data = bytearray(archive([("secret.csv", b"a,b\n")], compression=zipfile.ZIP_STORED))
for sig in (b"PK\x03\x04", b"PK\x01\x02"):
    at = data.find(sig)
    flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
    data[flag_at] |= 1
write("encrypted.zip", bytes(data))
# One byte of deflated data changed: the CRC-32 (or the deflate stream) catches it.
good = archive([("data.csv", b"country,value\n" + b"KAZ,262641892078.524\n" * 50)])
bad = bytearray(good)
name_at = bad.find(b"data.csv") + len(b"data.csv")
bad[name_at + 5] ^= 0x01
write("damaged.zip", bytes(bad))
# Cut short: the central directory is gone.
write("truncated.zip", good[: len(good) // 2])

# An xlsx workbook written by hand: every cell type, rows and cells without `r`, dates in
# built-in and custom formats, 17-digit doubles, rich text, a merged cell.
content_types = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
rels = b'''<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'''
def workbook(date1904):
    pr = '<workbookPr date1904="1"/>' if date1904 else '<workbookPr/>'
    return f'''<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{pr}<sheets><sheet name="Данные" sheetId="1" r:id="rId2"/><sheet name="second" sheetId="7" r:id="rId1"/></sheets></workbook>'''.encode()
wb_rels = b'''<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'''
shared = '''<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Регион</t></si><si><r><rPr><b/></rPr><t xml:space="preserve">2008 </t></r><r><rPr><vertAlign val="superscript"/></rPr><t>год1)</t></r></si><si><t>北京市</t><rPh sb="0" eb="1"><t>ペキン</t></rPh></si><si><t>A &amp; B</t></si></sst>'''.encode()
styles = b'''<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.0"/><numFmt numFmtId="165" formatCode="dd\\.mm\\.yyyy;@"/><numFmt numFmtId="166" formatCode="[h]:mm"/></numFmts><cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="165"/><xf numFmtId="166"/></cellXfs></styleSheet>'''
data_sheet = '''<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>
<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" s="1"><v>1024.2</v></c><c r="C3" s="1"><v>35371.279999999999</v></c><c r="D3"><v>1.5E-3</v></c><c r="E3"><f>B3*2</f><v>2048.4</v></c></row>
<row><c t="inlineStr"><is><r><t>inline </t></r><r><t>rich</t></r></is></c><c t="str"><f>"x"&amp;"y"</f><v>xy</v></c><c t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c><c s="2"><v>45303</v></c><c s="3"><v>60</v></c><c s="4"><v>1.5</v></c></row>
<row r="6"><c r="B6" t="s"><v>3</v></c><c r="C6" s="2"><v>61.75</v></c><c r="D6"/><c r="E6" t="d"><v>2024-01-12T00:00:00</v></c></row>
<row r="7"/>
<row r="8"><c r="A8" t="s"><v>0</v></c><c r="B8"/><c r="C8"/></row>
</sheetData><mergeCells count="1"><mergeCell ref="A8:C8"/></mergeCells></worksheet>'''.encode()
second_sheet = b'''<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" s="2"><x:v>0</x:v></x:c><x:c r="C2"><x:v>-0.50</x:v></x:c></x:row></x:sheetData></x:worksheet>'''

def xlsx(date1904=False, sheet=data_sheet):
    return archive([("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("xl/workbook.xml", workbook(date1904)),
                    ("xl/_rels/workbook.xml.rels", wb_rels), ("xl/sharedStrings.xml", shared), ("xl/styles.xml", styles),
                    ("xl/worksheets/data.xml", sheet), ("xl/worksheets/sheet1.xml", second_sheet)])
write("cells.xlsx", xlsx())
write("cells1904.xlsx", xlsx(date1904=True))
write("badcell.xlsx", xlsx(sheet=data_sheet.replace(b"<v>1024.2</v>", b"<v>12,5</v>")))
# An OLE2 container with an EncryptionInfo stream name, as Excel writes a password-protected workbook.
ole = bytearray(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 504)
ole += "EncryptionInfo".encode("utf-16-le") + b"\0" * 100
write("encrypted.xlsx", bytes(ole))
