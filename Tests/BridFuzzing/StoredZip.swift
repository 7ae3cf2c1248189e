/// Zip archives written byte by byte (APPNOTE.TXT 4.3), stored members only: the `xlsx`
/// fuzz target wraps sheet XML in a workbook with them (a mutated deflate stream or CRC-32
/// would stop every input at the archive), and the tests build the records and fields an
/// ordinary writer does not produce: data descriptors, ZIP64 extra fields and end records,
/// comments, a local header that disagrees with the directory.
public enum StoredZip {
    public struct Entry: Sendable {
        public var name: String
        public var data: [UInt8]
        /// The name in the local header, when it is to differ from the directory's.
        public var localName: String?
        /// General purpose flag bit 3: the local header's CRC-32 and sizes are zero and a
        /// data descriptor (with its optional signature) follows the data.
        public var dataDescriptor = false
        /// ZIP64 in the central directory: which of (uncompressed size, compressed size,
        /// local header offset) hold 0xFFFFFFFF, their 64-bit values in an extra field 0x0001.
        public var zip64Fields: (uncompressed: Bool, compressed: Bool, offset: Bool) = (false, false, false)

        public init(_ name: String, _ data: [UInt8]) {
            self.name = name
            self.data = data
        }
    }

    public static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    public static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
    public static func le64(_ v: Int) -> [UInt8] { le32(v & 0xFFFF_FFFF) + le32(v >> 32 & 0xFFFF_FFFF) }

    public static func crc32(_ bytes: [UInt8]) -> Int {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return Int(crc ^ 0xFFFF_FFFF)
    }

    private static let crcTable: [UInt32] = (0..<256).map { (n: UInt32) in
        var c = n
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        return c
    }

    /// The archive: local headers and data, the central directory, optionally a ZIP64 end
    /// record and locator (the classic end record then holds 0xFFFF/0xFFFFFFFF), the end
    /// record and `comment` (whose length field says `commentLength`, by default its length).
    public static func archive(_ entries: [Entry], comment: [UInt8] = [], commentLength: Int? = nil, zip64End: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let offset = out.count
            let crc = crc32(entry.data)
            let flags = entry.dataDescriptor ? 0x0008 : 0
            let local = Array((entry.localName ?? entry.name).utf8)
            out += le32(0x0403_4B50) + le16(20) + le16(flags) + le16(0) + le32(0)
            out += entry.dataDescriptor ? le32(0) + le32(0) + le32(0) : le32(crc) + le32(entry.data.count) + le32(entry.data.count)
            out += le16(local.count) + le16(0) + local + entry.data
            if entry.dataDescriptor { out += le32(0x0807_4B50) + le32(crc) + le32(entry.data.count) + le32(entry.data.count) }

            let name = Array(entry.name.utf8)
            var extra: [UInt8] = []
            let z = entry.zip64Fields
            if z.uncompressed { extra += le64(entry.data.count) }
            if z.compressed { extra += le64(entry.data.count) }
            if z.offset { extra += le64(offset) }
            if !extra.isEmpty { extra = le16(0x0001) + le16(extra.count) + extra }
            directory += le32(0x0201_4B50) + le16(45) + le16(20) + le16(flags) + le16(0) + le32(0) + le32(crc)
            directory += le32(z.compressed ? 0xFFFF_FFFF : entry.data.count) + le32(z.uncompressed ? 0xFFFF_FFFF : entry.data.count)
            directory += le16(name.count) + le16(extra.count) + le16(0) + le16(0) + le16(0) + le32(0)
            directory += le32(z.offset ? 0xFFFF_FFFF : offset) + name + extra
        }
        let directoryOffset = out.count
        out += directory
        if zip64End {
            let record = out.count
            out += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            out += le64(entries.count) + le64(entries.count) + le64(directory.count) + le64(directoryOffset)
            out += le32(0x0706_4B50) + le32(0) + le64(record) + le32(1)
            out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF)
        } else {
            out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
            out += le32(directory.count) + le32(directoryOffset)
        }
        return out + le16(commentLength ?? comment.count) + comment
    }
}
