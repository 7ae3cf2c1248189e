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

    @inline(__always) mutating func close(end: Int, count: Int) {
        self.end = UInt32(truncatingIfNeeded: end)
        info = (info & 15) | (UInt32(truncatingIfNeeded: count) << 4)
    }
}
