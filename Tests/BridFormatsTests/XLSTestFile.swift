/// Small BIFF8 workbooks built byte by byte, for the records the NBS fixture lacks: the
/// records of MS-XLS in a compound file of MS-CFB (version 3, 512-byte sectors).
enum XLSTestFile {
    // MARK: Records

    static func record(_ type: UInt16, _ body: [UInt8]) -> [UInt8] {
        le16(type) + le16(UInt16(body.count)) + body
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
    static func double(_ v: Double) -> [UInt8] {
        let bits = v.bitPattern
        return le32(UInt32(bits & 0xFFFF_FFFF)) + le32(UInt32(bits >> 32))
    }

    /// An XLUnicodeString: compressed when every character fits a byte.
    static func unicodeString(_ s: String, lengthSize: Int = 2) -> [UInt8] {
        let units = Array(s.utf16)
        let length = lengthSize == 1 ? [UInt8(units.count)] : le16(UInt16(units.count))
        if units.allSatisfy({ $0 < 0x100 }) { return length + [0] + units.map { UInt8($0) } }
        return length + [1] + units.flatMap { le16($0) }
    }

    static func bof(_ kind: UInt16, version: UInt16 = 0x0600) -> [UInt8] {
        record(0x0809, le16(version) + le16(kind) + le16(0x0DBB) + le16(0x07CC) + le32(0) + le32(0x0206))
    }

    static let eof = record(0x000A, [])

    static func cellHeader(_ row: Int, _ column: Int, xf: Int = 15) -> [UInt8] {
        le16(UInt16(row)) + le16(UInt16(column)) + le16(UInt16(xf))
    }

    static func number(_ row: Int, _ column: Int, _ value: Double, xf: Int = 15) -> [UInt8] {
        record(0x0203, cellHeader(row, column, xf: xf) + double(value))
    }

    static func labelSST(_ row: Int, _ column: Int, _ index: Int) -> [UInt8] {
        record(0x00FD, cellHeader(row, column) + le32(UInt32(index)))
    }

    static func label(_ row: Int, _ column: Int, _ text: String) -> [UInt8] {
        record(0x0204, cellHeader(row, column) + unicodeString(text))
    }

    static func rk(_ row: Int, _ column: Int, _ raw: UInt32, xf: Int = 15) -> [UInt8] {
        record(0x027E, cellHeader(row, column, xf: xf) + le32(raw))
    }

    static func mulRK(_ row: Int, first: Int, _ raws: [UInt32]) -> [UInt8] {
        record(0x00BD, le16(UInt16(row)) + le16(UInt16(first)) + raws.flatMap { le16(15) + le32($0) } + le16(UInt16(first + raws.count - 1)))
    }

    /// A FORMULA whose cached result is `value` (8 bytes), with a one-token formula.
    static func formula(_ row: Int, _ column: Int, result: [UInt8], xf: Int = 15) -> [UInt8] {
        record(0x0006, cellHeader(row, column, xf: xf) + result + le16(0) + le32(0) + le16(3) + [0x1E] + le16(1))
    }

    /// A FORMULA result that is not a number: type 0 string, 1 boolean, 2 error, 3 empty.
    static func special(_ type: UInt8, _ value: UInt8 = 0) -> [UInt8] { [type, 0, value, 0, 0, 0, 0xFF, 0xFF] }

    static func stringRecord(_ text: String) -> [UInt8] { record(0x0207, unicodeString(text)) }

    static func boolErr(_ row: Int, _ column: Int, _ value: UInt8, isError: Bool) -> [UInt8] {
        record(0x0205, cellHeader(row, column) + [value, isError ? 1 : 0])
    }

    static func sst(_ strings: [String]) -> [UInt8] {
        record(0x00FC, le32(UInt32(strings.count)) + le32(UInt32(strings.count)) + strings.flatMap { unicodeString($0) })
    }

    static func format(_ id: Int, _ code: String) -> [UInt8] { record(0x041E, le16(UInt16(id)) + unicodeString(code)) }
    static func xf(format id: Int) -> [UInt8] { record(0x00E0, le16(0) + le16(UInt16(id)) + [UInt8](repeating: 0, count: 16)) }
    static let dateMode1904 = record(0x0022, le16(1))

    struct Sheet {
        var name: String
        var records: [[UInt8]]
        var hidden = false
        /// BOUNDSHEET8's dt: 0 worksheet, 2 chart.
        var type: UInt8 = 0
    }

    /// A Workbook stream: globals (BOF, `globals`, BOUNDSHEET8s, EOF), then each sheet.
    static func workbookStream(globals: [[UInt8]], sheets: [Sheet]) -> [UInt8] {
        let boundSheetSizes = sheets.map { 4 + 6 + unicodeString($0.name, lengthSize: 1).count }
        var offset = bof(5).count + globals.joined().count + boundSheetSizes.reduce(0, +) + eof.count
        var boundSheets: [UInt8] = []
        var bodies: [UInt8] = []
        for sheet in sheets {
            boundSheets += record(0x0085, le32(UInt32(offset)) + [sheet.hidden ? 1 : 0, sheet.type] + unicodeString(sheet.name, lengthSize: 1))
            let body = bof(sheet.type == 2 ? 0x20 : 0x10) + sheet.records.joined() + eof
            bodies += body
            offset += body.count
        }
        return bof(5) + globals.joined() + boundSheets + eof + bodies
    }

    /// A one-sheet workbook file.
    static func workbook(globals: [[UInt8]] = [], sheet: String = "S", _ records: [[UInt8]]) -> [UInt8] {
        compoundFile(workbookStream(globals: globals, sheets: [Sheet(name: sheet, records: records)]))
    }

    // MARK: Compound file

    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let free: UInt32 = 0xFFFF_FFFF

    /// A version-3 compound file holding one stream: in the mini stream when it is shorter
    /// than 4096 bytes, else in regular sectors. `fatSectors` forces at least that many FAT
    /// sectors (more than 109 needs DIFAT sectors).
    static func compoundFile(_ stream: [UInt8], name: String = "Workbook", fatSectors minimumFAT: Int = 1) -> [UInt8] {
        let mini = stream.count < 4096
        let miniSectors = mini ? (stream.count + 63) / 64 : 0
        let dataBytes = mini ? miniSectors * 64 : stream.count
        let dataSectors = (dataBytes + 511) / 512
        let miniFATSectors = mini ? (miniSectors * 4 + 511) / 512 : 0
        var fat = max(1, minimumFAT), difat = 0
        while true {
            difat = fat > 109 ? (fat - 109 + 126) / 127 : 0
            if fat * 128 >= dataSectors + miniFATSectors + 1 + fat + difat { break }
            fat += 1
        }
        let miniFATStart = dataSectors, directory = dataSectors + miniFATSectors
        let fatStart = directory + 1, difatStart = fatStart + fat
        var table = [UInt32](repeating: free, count: fat * 128)
        func chain(_ start: Int, _ count: Int) {
            for i in 0..<count { table[start + i] = i == count - 1 ? endOfChain : UInt32(start + i + 1) }
        }
        chain(0, dataSectors)
        chain(miniFATStart, miniFATSectors)
        chain(directory, 1)
        for i in 0..<fat { table[fatStart + i] = 0xFFFF_FFFD }
        for i in 0..<difat { table[difatStart + i] = 0xFFFF_FFFC }

        var header = signature + [UInt8](repeating: 0, count: 16) + le16(0x3E) + le16(3) + le16(0xFFFE) + le16(9) + le16(6)
        header += [UInt8](repeating: 0, count: 6) + le32(0) + le32(UInt32(fat)) + le32(UInt32(directory)) + le32(0) + le32(4096)
        header += le32(mini ? UInt32(miniFATStart) : endOfChain) + le32(UInt32(miniFATSectors))
        header += le32(difat > 0 ? UInt32(difatStart) : endOfChain) + le32(UInt32(difat))
        for i in 0..<109 { header += le32(i < fat ? UInt32(fatStart + i) : free) }

        var file = header
        file += stream + [UInt8](repeating: 0, count: dataSectors * 512 - stream.count)
        if mini {
            var miniFAT = [UInt32](repeating: free, count: miniFATSectors * 128)
            for i in 0..<miniSectors { miniFAT[i] = i == miniSectors - 1 ? endOfChain : UInt32(i + 1) }
            file += miniFAT.flatMap(le32)
        }
        func entry(_ name: String, type: UInt8, child: UInt32, start: UInt32, size: Int) -> [UInt8] {
            let units = Array(name.utf16)
            var e = units.flatMap(le16) + [UInt8](repeating: 0, count: 64 - 2 * units.count)
            e += le16(UInt16(name.isEmpty ? 0 : 2 * units.count + 2)) + [type, 1] + le32(free) + le32(free) + le32(child)
            e += [UInt8](repeating: 0, count: 16 + 4 + 16) + le32(start) + le32(UInt32(size)) + le32(0)
            return e
        }
        file += entry("Root Entry", type: 5, child: 1, start: mini ? 0 : endOfChain, size: mini ? dataBytes : 0)
        file += entry(name, type: 2, child: free, start: 0, size: stream.count)
        file += entry("", type: 0, child: free, start: free, size: 0) + entry("", type: 0, child: free, start: free, size: 0)
        file += table.flatMap(le32)
        let extra = Array(table.count > 0 ? (0..<fat).map { UInt32(fatStart + $0) }.dropFirst(109) : [])
        for d in 0..<difat {
            var slots = Array(extra.dropFirst(127 * d).prefix(127))
            slots += [UInt32](repeating: free, count: 127 - slots.count)
            slots.append(d == difat - 1 ? endOfChain : UInt32(difatStart + d + 1))
            file += slots.flatMap(le32)
        }
        return file
    }

    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
}
