import BridCore

/// The character encoding of a text payload (`encoding = "…"` of the CSV-family formats).
/// Readers see UTF-8 only: anything else is transcoded before them (`TextTranscoder`).
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    /// As the WHATWG Encoding Standard reads the label: windows-1252, whose 0x80–0x9F are
    /// `€`, `‚`, `…` and the like where ISO-8859-1 has unused control codes.
    case iso88591 = "iso-8859-1"
    case windows1251 = "windows-1251"
    /// Byte order from the BOM; without one, from where the zero bytes of the first
    /// characters are (text tables start with ASCII), little-endian when undecided.
    case utf16 = "utf-16"

    /// The `encoding` setting of a source (UTF-8 when not given).
    public init(settings: FormatSettings) throws(FormatSettingsError) {
        guard let name = settings.string("encoding") else {
            self = .utf8
            return
        }
        guard let encoding = TextEncoding(rawValue: name.lowercased()) else {
            throw FormatSettingsError(key: "encoding", message: "unknown encoding \"\(name)\" (supported: \(Self.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = encoding
    }
}

/// The options of every CSV-family format for local spellings: `decimal`, `thousands`
/// and `encoding`.
enum LocalText {
    static let options: [String: OptionType] = ["decimal": .string, "thousands": .string, "encoding": .string]

    /// The configured number format, or nil when neither `decimal` nor `thousands` is set.
    static func numberFormat(_ settings: FormatSettings) throws(FormatSettingsError) -> NumberFormat? {
        let decimal = settings.string("decimal"), thousands = settings.string("thousands")
        if decimal == nil, thousands == nil { return nil }
        do {
            return try NumberFormat(decimal: decimal, thousands: thousands)
        } catch {
            throw FormatSettingsError(key: error.key, message: error.message)
        }
    }
}

/// Turns text in another encoding into UTF-8, chunk by chunk (a payload is transcoded as it
/// streams through, never held whole). A BOM wins over the configured encoding: a UTF-8 BOM
/// means nothing to do, a UTF-16 one means UTF-16 in its byte order.
public struct TextTranscoder {
    enum Source: Equatable { case singleByte([UInt32]), utf16(bigEndian: Bool) }

    private let source: Source
    /// Bytes of a character cut by the end of the last chunk (UTF-16 only).
    private var carry: [UInt8] = []
    /// A high surrogate waiting for its low half.
    private var highSurrogate: UInt32?
    /// Offset in the input of the next byte to transcode (errors name it).
    public private(set) var offset: Int
    /// Bytes at the start of the input to skip (a UTF-16 BOM).
    public let skip: Int

    /// The transcoder for a payload starting with `prefix`, or nil when it is UTF-8 already.
    public init?(encoding: TextEncoding, prefix: UnsafeBufferPointer<UInt8>) {
        func starts(_ bom: [UInt8]) -> Bool { prefix.count >= bom.count && zip(prefix, bom).allSatisfy { $0 == $1 } }
        if starts([0xEF, 0xBB, 0xBF]) { return nil }
        if starts([0xFF, 0xFE]) {
            (source, skip) = (.utf16(bigEndian: false), 2)
        } else if starts([0xFE, 0xFF]) {
            (source, skip) = (.utf16(bigEndian: true), 2)
        } else {
            skip = 0
            switch encoding {
            case .utf8: return nil
            case .iso88591: source = .singleByte(Self.windows1252)
            case .windows1251: source = .singleByte(Self.windows1251)
            case .utf16:
                // ASCII text in big-endian UTF-16 has its zero bytes first.
                let pairs = stride(from: 0, to: min(prefix.count, 64) & ~1, by: 2)
                let zeroFirst = pairs.filter { prefix[$0] == 0 && prefix[$0 + 1] != 0 }.count
                let zeroSecond = pairs.filter { prefix[$0] != 0 && prefix[$0 + 1] == 0 }.count
                source = .utf16(bigEndian: zeroFirst > zeroSecond)
            }
        }
        offset = skip
    }

    /// Appends the UTF-8 of `chunk` (the input's next bytes) to `output`.
    public mutating func transcode(_ chunk: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) throws(TranscodeError) {
        switch source {
        case let .singleByte(table):
            for b in chunk {
                if b < 0x80 { output.append(b) } else { Self.appendUTF8(table[Int(b) - 0x80], to: &output) }
            }
            offset += chunk.count
        case let .utf16(bigEndian):
            var i = 0
            if !carry.isEmpty, chunk.count > 0 {
                let unit = bigEndian ? UInt32(carry[0]) << 8 | UInt32(chunk[0]) : UInt32(chunk[0]) << 8 | UInt32(carry[0])
                carry = []
                try unit16(unit, into: &output)
                offset += 2
                i = 1
            }
            while i + 1 < chunk.count {
                let unit = bigEndian ? UInt32(chunk[i]) << 8 | UInt32(chunk[i + 1]) : UInt32(chunk[i + 1]) << 8 | UInt32(chunk[i])
                try unit16(unit, into: &output)
                offset += 2
                i += 2
            }
            if i < chunk.count { carry = [chunk[i]] }
        }
    }

    /// Checks that the input did not end inside a character.
    public func finish() throws(TranscodeError) {
        if !carry.isEmpty { throw TranscodeError(offset: offset, reason: "the UTF-16 text ends in the middle of a character (an odd number of bytes)") }
        if highSurrogate != nil { throw TranscodeError(offset: offset - 2, reason: "the UTF-16 text ends with an unpaired surrogate") }
    }

    private mutating func unit16(_ unit: UInt32, into output: inout [UInt8]) throws(TranscodeError) {
        if let high = highSurrogate {
            guard (0xDC00...0xDFFF).contains(unit) else {
                throw TranscodeError(offset: offset - 2, reason: "unpaired UTF-16 surrogate")
            }
            highSurrogate = nil
            Self.appendUTF8(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), to: &output)
            return
        }
        switch unit {
        case 0xD800...0xDBFF: highSurrogate = unit
        case 0xDC00...0xDFFF: throw TranscodeError(offset: offset, reason: "unpaired UTF-16 surrogate")
        default: Self.appendUTF8(unit, to: &output)
        }
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            output.append(UInt8(scalar))
        case ..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// windows-1252 (WHATWG's "iso-8859-1") from 0x80: its own 0x80–0x9F, then Latin-1.
    static let windows1252: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ] + (0xA0...0xFF).map { UInt32($0) }

    /// windows-1251 from 0x80 (0x98, unassigned, as U+0098 as WHATWG does); 0xC0–0xFF are А–я.
    static let windows1251: [UInt32] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
        0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
        0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x0098, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
        0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
        0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
        0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
        0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    ] + (0x0410...0x044F).map { UInt32($0) }
}

/// Text that cannot be transcoded, at a byte offset of the (decompressed) payload.
public struct TranscodeError: Error, Sendable, Equatable {
    public let offset: Int
    public let reason: String
}
