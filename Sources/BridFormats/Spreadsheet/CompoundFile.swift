import BridCore

/// An OLE2 compound file (MS-CFB), the container of a binary `.xls`: a little file system
/// of sectors chained by a FAT, with small streams in a mini stream chained by a mini FAT.
///
/// Only what reading one stream needs: the header, the DIFAT (with its extra sectors), the
/// FAT, the mini FAT and the mini stream, and the directory. Every read is bounds-checked
/// and every chain is followed at most once per sector, so a damaged file throws (naming
/// the byte offset) instead of trapping or looping.
struct CompoundFile {
    /// A stream of the directory.
    struct Entry: Equatable {
        var name: String
        /// 1 storage, 2 stream, 5 root.
        var type: UInt8
        var start: UInt32
        var size: Int
    }

    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    private static let endOfChain: UInt32 = 0xFFFF_FFFE
    private static let freeSector: UInt32 = 0xFFFF_FFFF
    private static let maxRegularSector: UInt32 = 0xFFFF_FFFA

    private let bytes: UnsafeBufferPointer<UInt8>
    private let origin: String
    private let sectorSize: Int
    private let miniSectorSize: Int
    private let miniStreamCutoff: Int
    private var fat: [UInt32] = []
    private var miniFAT: [UInt32] = []
    private var miniStream: [UInt8] = []
    /// Every entry of the directory, in directory order.
    private(set) var entries: [Entry] = []

    /// Reads the header, FAT, directory, mini FAT and mini stream of `bytes` (which must
    /// outlive the value). Throws on anything that is not a sound compound file.
    init(_ bytes: UnsafeBufferPointer<UInt8>, origin: String) throws(InputError) {
        self.bytes = bytes
        self.origin = origin
        guard bytes.count >= 512 else {
            throw InputError(origin: origin, place: nil, reason: "not an xls workbook: \(bytes.count) bytes is shorter than a compound file header (512)")
        }
        guard bytes.starts(with: Self.signature) else {
            let zip = bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
            throw InputError(origin: origin, place: nil, reason: zip
                ? "not an xls workbook: this is a zip archive (an .xlsx workbook? use format = \"xlsx\")"
                : "not an xls workbook: no OLE2 compound file signature at byte 0")
        }
        let shift = Int(Self.u16(bytes, 0x1E))
        let miniShift = Int(Self.u16(bytes, 0x20))
        guard shift == 9 || shift == 12, miniShift == 6 else {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: sector size 2^\(shift), mini sector size 2^\(miniShift) at byte 30 (expected 2^9 or 2^12, and 2^6)")
        }
        sectorSize = 1 << shift
        miniSectorSize = 1 << miniShift
        miniStreamCutoff = Int(Self.u32(bytes, 0x38))
        let fatCount = Int(Self.u32(bytes, 0x2C))
        let firstDirectory = Self.u32(bytes, 0x30)
        let firstMiniFAT = Self.u32(bytes, 0x3C)
        let firstDIFAT = Self.u32(bytes, 0x44)
        let difatCount = Int(Self.u32(bytes, 0x48))
        let sectorsInFile = (bytes.count + sectorSize - 1) / sectorSize
        guard fatCount <= sectorsInFile, difatCount <= sectorsInFile else {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: the header claims \(fatCount) FAT and \(difatCount) DIFAT sectors in a file of \(sectorsInFile) sectors (byte 44)")
        }

        // The DIFAT: 109 FAT sector numbers in the header, the rest in a chain of DIFAT sectors.
        var fatSectors: [UInt32] = []
        for i in 0..<109 { fatSectors.append(Self.u32(bytes, 0x4C + 4 * i)) }
        var difat = firstDIFAT
        var seen = Set<UInt32>()
        var difatRead = 0
        while difat <= Self.maxRegularSector, fatSectors.count < fatCount {
            guard difatRead < difatCount, seen.insert(difat).inserted else {
                throw InputError(origin: origin, place: nil, reason: "damaged compound file: the DIFAT chain loops or runs past its \(difatCount) sectors at sector \(difat)")
            }
            let base = try sectorOffset(difat, what: "DIFAT")
            let slots = sectorSize / 4
            for i in 0..<(slots - 1) { fatSectors.append(Self.u32(bytes, base + 4 * i)) }
            difat = Self.u32(bytes, base + 4 * (slots - 1))
            difatRead += 1
        }
        guard fatSectors.count >= fatCount else {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: the DIFAT lists \(fatSectors.count) of the \(fatCount) FAT sectors")
        }
        fat.reserveCapacity(fatCount * sectorSize / 4)
        for sector in fatSectors.prefix(fatCount) {
            let base = try sectorOffset(sector, what: "FAT")
            for i in 0..<(sectorSize / 4) { fat.append(Self.u32(bytes, base + 4 * i)) }
        }

        // The directory, then the mini FAT and the mini stream (the root entry's data).
        let directory = try chain(from: firstDirectory, size: nil, what: "the directory")
        var at = 0
        while at + 128 <= directory.count {
            entries.append(Self.entry(directory, at, majorVersion: Self.u16(bytes, 0x1A)))
            at += 128
        }
        guard let root = entries.first, root.type == 5 else {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: the directory has no root entry (directory sector \(firstDirectory))")
        }
        if firstMiniFAT <= Self.maxRegularSector {
            let table = try chain(from: firstMiniFAT, size: nil, what: "the mini FAT")
            miniFAT = stride(from: 0, to: table.count - 3, by: 4).map { Self.u32(table, $0) }
        }
        if root.size > 0 {
            miniStream = try chain(from: root.start, size: root.size, what: "the mini stream")
        }
    }

    /// The data of the first stream named `name` (compared case-insensitively, as MS-CFB
    /// does), nil when there is none.
    func stream(named name: String) throws(InputError) -> [UInt8]? {
        guard let entry = entries.first(where: { $0.type == 2 && $0.name.uppercased() == name.uppercased() }) else { return nil }
        guard entry.size >= 0 else {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: stream \"\(entry.name)\" has a negative size")
        }
        if entry.size < miniStreamCutoff {
            return try miniChain(from: entry.start, size: entry.size, what: "stream \"\(entry.name)\"")
        }
        return try chain(from: entry.start, size: entry.size, what: "stream \"\(entry.name)\"")
    }

    /// The names of the streams, for messages.
    var streamNames: [String] { entries.filter { $0.type == 2 }.map(\.name) }

    // MARK: Chains

    /// The bytes of a chain of regular sectors; `size` nil reads to the end of the chain.
    private func chain(from start: UInt32, size: Int?, what: String) throws(InputError) -> [UInt8] {
        if let size, size < 0 || size > bytes.count {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: \(what) claims \(size) bytes in a file of \(bytes.count)")
        }
        var out: [UInt8] = []
        var sector = start
        var visited = Set<UInt32>()
        while sector != Self.endOfChain {
            if let size, out.count >= size { break }
            guard sector <= Self.maxRegularSector, Int(sector) < fat.count else {
                throw InputError(origin: origin, place: nil, reason: "damaged compound file: \(what) chains to sector \(Int64(Int32(bitPattern: sector))), outside the FAT of \(fat.count) sectors")
            }
            guard visited.insert(sector).inserted else {
                throw InputError(origin: origin, place: nil, reason: "damaged compound file: the FAT chain of \(what) loops at sector \(sector) (byte \((Int(sector) + 1) * sectorSize))")
            }
            let base = (Int(sector) + 1) * sectorSize
            guard base < bytes.count else {
                throw InputError(origin: origin, place: nil, reason: "truncated compound file: \(what) needs sector \(sector) at byte \(base), past the end (\(bytes.count) bytes)")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[base..<min(base + sectorSize, bytes.count)]))
            sector = fat[Int(sector)]
        }
        guard let size else { return out }
        guard out.count >= size else {
            throw InputError(origin: origin, place: nil, reason: "truncated compound file: \(what) holds \(out.count) of its \(size) bytes")
        }
        return Array(out.prefix(size))
    }

    /// The bytes of a chain of mini sectors in the mini stream.
    private func miniChain(from start: UInt32, size: Int, what: String) throws(InputError) -> [UInt8] {
        guard size <= miniStream.count else {
            throw InputError(origin: origin, place: nil, reason: "damaged compound file: \(what) claims \(size) bytes in a mini stream of \(miniStream.count)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        var sector = start
        var visited = Set<UInt32>()
        while out.count < size {
            guard sector <= Self.maxRegularSector, Int(sector) < miniFAT.count else {
                throw InputError(origin: origin, place: nil, reason: "damaged compound file: \(what) chains to mini sector \(Int64(Int32(bitPattern: sector))), outside the mini FAT of \(miniFAT.count)")
            }
            guard visited.insert(sector).inserted else {
                throw InputError(origin: origin, place: nil, reason: "damaged compound file: the mini FAT chain of \(what) loops at mini sector \(sector)")
            }
            let base = Int(sector) * miniSectorSize
            guard base < miniStream.count else {
                throw InputError(origin: origin, place: nil, reason: "truncated compound file: \(what) needs mini sector \(sector), past the end of the mini stream (\(miniStream.count) bytes)")
            }
            out.append(contentsOf: miniStream[base..<min(base + miniSectorSize, miniStream.count)])
            sector = miniFAT[Int(sector)]
        }
        return Array(out.prefix(size))
    }

    private func sectorOffset(_ sector: UInt32, what: String) throws(InputError) -> Int {
        let base = (Int(sector) + 1) * sectorSize
        guard sector <= Self.maxRegularSector, base + sectorSize <= bytes.count else {
            throw InputError(origin: origin, place: nil, reason: "truncated compound file: \(what) sector \(Int64(Int32(bitPattern: sector))) at byte \(base) is past the end (\(bytes.count) bytes)")
        }
        return base
    }

    // MARK: Bytes

    private static func entry(_ d: [UInt8], _ at: Int, majorVersion: UInt16) -> Entry {
        let nameBytes = min(Int(u16(d, at + 64)), 64)
        var units: [UInt16] = []
        var i = 0
        while i + 1 < nameBytes {
            let unit = u16(d, at + i)
            if unit == 0 { break }
            units.append(unit)
            i += 2
        }
        // Version 3 files may leave garbage in the size's high half.
        let low = Int(u32(d, at + 0x78)), high = Int(u32(d, at + 0x7C))
        let size = majorVersion == 3 ? low : (high << 32) | low
        return Entry(name: String(decoding: units, as: UTF16.self), type: d[at + 66], start: u32(d, at + 0x74), size: size)
    }

    static func u16<C: RandomAccessCollection<UInt8>>(_ b: C, _ at: Int) -> UInt16 where C.Index == Int {
        UInt16(b[b.startIndex + at]) | UInt16(b[b.startIndex + at + 1]) << 8
    }

    static func u32<C: RandomAccessCollection<UInt8>>(_ b: C, _ at: Int) -> UInt32 where C.Index == Int {
        UInt32(u16(b, at)) | UInt32(u16(b, at + 2)) << 16
    }
}
