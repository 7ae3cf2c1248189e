/// One value of a parsed document on the tape, 12 bytes.
///
/// Values are stored in document order; a container is followed by its contents (an
/// object's members as key string, value, key string, value, …), so a subtree is a
/// contiguous run of tokens and `end` of a container is the index just past it.
///
/// - string: `start`…`end` are the bytes between the quotes (still escaped when
///   `escaped`); number and literals: their lexeme; container: `start` is the offset of
///   the bracket and `end` the token index after the subtree.
struct JSONToken {
    var start: UInt32
    var end: UInt32
    /// Kind in bits 0–2, `escaped` in bit 3, a container's element count above.
    var info: UInt32

    @inline(__always) init(kind: JSONKind, start: UInt32, end: UInt32, escaped: Bool = false) {
        self.start = start
        self.end = end
        self.info = UInt32(kind.rawValue) | (escaped ? 8 : 0)
    }

    @inline(__always) var kind: JSONKind { JSONKind(rawValue: UInt8(truncatingIfNeeded: info & 7))! }
    @inline(__always) var escaped: Bool { info & 8 != 0 }
    @inline(__always) var isContainer: Bool { info & 7 <= 1 }
    @inline(__always) var count: Int { Int(info >> 4) }
    /// A container validated but kept off the tape (bit 3, which only strings use otherwise).
    @inline(__always) var isElided: Bool { isContainer && info & 8 != 0 }

    @inline(__always) mutating func markElided() { info |= 8 }

    @inline(__always) mutating func close(end: Int, count: Int) {
        self.end = UInt32(truncatingIfNeeded: end)
        info = (info & 15) | (UInt32(truncatingIfNeeded: count) << 4)
    }
}

extension JSONToken {
    /// A string token's bytes, unescaped when need be.
    func unescapedOrRaw(in bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        escaped ? unescaped(in: bytes) : Array(bytes[Int(start)..<Int(end)])
    }

    /// A string token's bytes with its escapes resolved (the parser has checked them,
    /// surrogate pairs included).
    func unescaped(in bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(end - start))
        var k = Int(start)
        let end = Int(end)
        func hex(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for j in at..<(at + 4) {
                let c = bytes[j]
                v = v << 4 | UInt32(c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | 0x20) - UInt8(ascii: "a") + 10)
            }
            return v
        }
        while k < end {
            let c = bytes[k]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                k += 1
                continue
            }
            let e = bytes[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex(k)
                k += 4
                if scalar >= 0xD800, scalar <= 0xDBFF {  // the parser checked the pair
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex(k + 2) - 0xDC00)
                    k += 6
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: out.append(e)  // " \ /
            }
        }
        return out
    }
}
