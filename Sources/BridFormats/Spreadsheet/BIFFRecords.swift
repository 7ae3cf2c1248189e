/// One BIFF record of a workbook stream, with the bodies of the CONTINUE records that
/// follow it (MS-XLS 2.1.4: a record longer than 8224 bytes goes on in CONTINUE records).
struct BIFFRecord {
    var type: UInt16
    /// Where the record's header is in the workbook stream.
    var offset: Int
    /// The record's body, then each CONTINUE body.
    var segments: [ArraySlice<UInt8>]

    var body: ArraySlice<UInt8> { segments[0] }

    /// A reader over the body and its continuations.
    var reader: BIFFReader { BIFFReader(segments) }

    // The record types this reader looks at (MS-XLS 2.3).
    static let formula: UInt16 = 0x0006
    static let eof: UInt16 = 0x000A
    static let dateMode: UInt16 = 0x0022
    static let filePass: UInt16 = 0x002F
    static let `continue`: UInt16 = 0x003C
    static let boundSheet: UInt16 = 0x0085
    static let mulRK: UInt16 = 0x00BD
    static let rString: UInt16 = 0x00D6
    static let xf: UInt16 = 0x00E0
    static let sst: UInt16 = 0x00FC
    static let labelSST: UInt16 = 0x00FD
    static let number: UInt16 = 0x0203
    static let label: UInt16 = 0x0204
    static let boolErr: UInt16 = 0x0205
    static let string: UInt16 = 0x0207
    static let rk: UInt16 = 0x027E
    static let format: UInt16 = 0x041E
    static let bof: UInt16 = 0x0809
    /// BOF of BIFF2, BIFF3 and BIFF4.
    static let olderBOFs: Set<UInt16> = [0x0009, 0x0209, 0x0409]
}

/// The records of a workbook stream, in order.
struct BIFFRecords {
    let stream: [UInt8]
    private(set) var position: Int

    init(_ stream: [UInt8], at position: Int) {
        self.stream = stream
        self.position = position
    }

    /// The next record with its continuations; nil at the end of the stream. A record
    /// whose length runs past the end is `Damage`.
    mutating func next() -> Result<BIFFRecord, BIFFDamage>? {
        guard position + 4 <= stream.count else { return nil }
        let start = position
        guard let first = body(at: position) else { return .failure(BIFFDamage(offset: start)) }
        var record = BIFFRecord(type: CompoundFile.u16(stream, start), offset: start, segments: [first])
        position = first.endIndex
        while position + 4 <= stream.count, CompoundFile.u16(stream, position) == BIFFRecord.continue {
            guard let more = body(at: position) else { return .failure(BIFFDamage(offset: position)) }
            record.segments.append(more)
            position = more.endIndex
        }
        return .success(record)
    }

    private func body(at offset: Int) -> ArraySlice<UInt8>? {
        let length = Int(CompoundFile.u16(stream, offset + 2))
        guard offset + 4 + length <= stream.count else { return nil }
        return stream[(offset + 4)..<(offset + 4 + length)]
    }
}

/// A record header whose length runs past the end of the workbook stream.
struct BIFFDamage: Error {
    var offset: Int
}

/// A read past the end of a record (and its continuations).
struct BIFFShort: Error {}

/// Reads little-endian fields and strings from a record body and its CONTINUE bodies.
///
/// Plain fields read across a record boundary as if the bodies were one. Character data
/// does not: where a string's characters go on in the next CONTINUE, that body starts with a
/// fresh option byte saying whether the rest is compressed (one byte a character) or
/// UTF-16 (MS-XLS 2.5.293, the SST's "classic trap").
struct BIFFReader {
    private var segments: [ArraySlice<UInt8>]
    private var index = 0
    private var position: Int

    init(_ segments: [ArraySlice<UInt8>]) {
        self.segments = segments
        position = segments.first?.startIndex ?? 0
    }

    /// Whether every byte has been read.
    var atEnd: Bool {
        var i = index, p = position
        while i < segments.count {
            if p < segments[i].endIndex { return false }
            i += 1
            if i < segments.count { p = segments[i].startIndex }
        }
        return true
    }

    mutating func u8() throws(BIFFShort) -> UInt8 {
        while index < segments.count, position >= segments[index].endIndex {
            index += 1
            if index < segments.count { position = segments[index].startIndex }
        }
        guard index < segments.count else { throw BIFFShort() }
        defer { position += 1 }
        return segments[index][position]
    }

    mutating func u16() throws(BIFFShort) -> UInt16 {
        let low = try u8()
        return UInt16(low) | UInt16(try u8()) << 8
    }

    mutating func u32() throws(BIFFShort) -> UInt32 {
        let low = try u16()
        return UInt32(low) | UInt32(try u16()) << 16
    }

    mutating func double() throws(BIFFShort) -> Double {
        let low = try u32()
        return Double(bitPattern: UInt64(low) | UInt64(try u32()) << 32)
    }

    mutating func skip(_ count: Int) throws(BIFFShort) {
        var left = count
        while left > 0 {
            while index < segments.count, position >= segments[index].endIndex {
                index += 1
                if index < segments.count { position = segments[index].startIndex }
            }
            guard index < segments.count else { throw BIFFShort() }
            let step = min(left, segments[index].endIndex - position)
            position += step
            left -= step
        }
    }

    /// An XLUnicodeString (`lengthSize` 2), ShortXLUnicodeString (1) or XLUnicodeRichExtendedString
    /// (2, with rich-text runs and phonetic data, which are skipped).
    mutating func string(lengthSize: Int) throws(BIFFShort) -> String {
        let count = lengthSize == 1 ? Int(try u8()) : Int(try u16())
        let options = try u8()
        let runs = options & 0x08 != 0 ? Int(try u16()) : 0
        let extended = options & 0x04 != 0 ? Int(try u32()) : 0
        var units: [UInt16] = []
        units.reserveCapacity(count)
        var wide = options & 0x01 != 0
        while units.count < count {
            let available = segments[index].endIndex - position
            let take = min(wide ? available / 2 : available, count - units.count)
            if take == 0 {
                // The characters go on in the next CONTINUE, after its own option byte.
                index += 1
                guard index < segments.count else { throw BIFFShort() }
                position = segments[index].startIndex
                guard position < segments[index].endIndex else { continue }
                wide = segments[index][position] & 0x01 != 0
                position += 1
                continue
            }
            let body = segments[index]
            if wide {
                for i in 0..<take { units.append(UInt16(body[position + 2 * i]) | UInt16(body[position + 2 * i + 1]) << 8) }
                position += 2 * take
            } else {
                for i in 0..<take { units.append(UInt16(body[position + i])) }
                position += take
            }
        }
        try skip(4 * runs + extended)
        return String(decoding: units, as: UTF16.self)
    }
}
