/// Rules for series keys such as `cn-kz.trade.total` or `IMF.DOT.A.KZ.TXG_FOB_USD.CN`.
public enum SeriesKey {
    /// Longest accepted key, in bytes.
    public static let maximumLength = 256

    /// Why `key` is not a valid series key, or nil when it is.
    ///
    /// Keys are printable ASCII without white space and without the characters that
    /// globs, CSV and shells treat specially, so that a key can be typed and matched.
    public static func problem(with key: some StringProtocol) -> String? {
        if key.isEmpty { return "series key is empty" }
        if key.utf8.count > maximumLength { return "series key is longer than \(maximumLength) bytes" }
        for byte in key.utf8 where !isAllowed(byte) {
            let shown = byte < 0x80 ? String(UnicodeScalar(byte)) : "non-ASCII"
            return "series key \(Excerpt(quoted: key)) contains \(shown == " " ? "a space" : "'\(shown)'"); use letters, digits and . _ - : / @ +"
        }
        return nil
    }

    @inline(__always)
    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"),
             UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }
}
