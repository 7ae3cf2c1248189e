/// The bytes of a config file as text: strict UTF-8, kept as is (a byte-order mark
/// included: the TOML reader strips one, so a second is a syntax error).
public enum ConfigText {
    /// Bytes that are not UTF-8: where the first bad sequence starts (the description
    /// names the byte and its offset; a `ConfigError` adds the line and column).
    public struct InvalidUTF8: Error, Sendable, Equatable, CustomStringConvertible {
        /// 0-based byte offset.
        public let offset: Int
        /// 1-based line and column (columns counted in characters) of that byte.
        public let line: Int
        public let column: Int
        public let byte: UInt8

        public var description: String {
            let hex = String(byte, radix: 16, uppercase: true)
            return "not valid UTF-8: byte 0x\(hex.count == 1 ? "0" + hex : hex) at byte offset \(offset)"
        }
    }

    /// The text, or where the bytes stop being UTF-8 (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    public static func decode(_ bytes: [UInt8]) -> Result<String, InvalidUTF8> {
        var i = 0, line = 1, column = 1
        while i < bytes.count {
            let c = bytes[i]
            let length = c < 0x80 ? 1 : sequenceLength(bytes, at: i)
            guard length > 0 else { return .failure(InvalidUTF8(offset: i, line: line, column: column, byte: c)) }
            if c == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
            i += length
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// The length of the well-formed multi-byte sequence at `i`, or 0.
    private static func sequenceLength(_ b: [UInt8], at i: Int) -> Int {
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool { k < b.count && b[k] >= lo && b[k] <= hi }
        switch b[i] {
        case 0xC2...0xDF: return cont(i + 1) ? 2 : 0
        case 0xE0: return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE, 0xEF: return cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED: return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0
        case 0xF0: return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3: return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4: return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: return 0
        }
    }
}
