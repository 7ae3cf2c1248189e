/// Rules for series keys such as `cn-kz.trade.total`, `IMF.DOT.A.KZ.TXG_FOB_USD.CN` or
/// `kz.grp.г.Алматы`.
public enum SeriesKey {
    /// Longest accepted key, in bytes.
    public static let maximumLength = 256

    /// Why `key` is not a valid series key, or nil when it is.
    ///
    /// Keys are ASCII letters and digits, `. _ - : / @ +`, and letters, marks and digits of
    /// any other script (`г.Алматы`, `北京市`): no white space (U+3000 and no-break spaces
    /// included), controls or other punctuation, so that a key can be typed and matched
    /// and never needs quoting in globs, CSV or shells.
    public static func problem(with key: some StringProtocol) -> String? {
        if key.isEmpty { return "series key is empty" }
        if key.utf8.count > maximumLength { return "series key is longer than \(maximumLength) bytes" }
        for byte in key.utf8 where !isAllowed(byte) {
            if byte >= 0x80 { return nonASCIIProblem(with: key) }
            let shown = String(UnicodeScalar(byte))
            return "series key \(Excerpt(quoted: key)) contains \(shown == " " ? "a space" : "'\(shown)'"); use letters, digits and . _ - : / @ +"
        }
        return nil
    }

    /// The check of a key with non-ASCII characters, scalar by scalar.
    private static func nonASCIIProblem(with key: some StringProtocol) -> String? {
        for scalar in key.unicodeScalars {
            if scalar.isASCII {
                guard !isAllowed(UInt8(scalar.value)) else { continue }
                let shown = String(scalar)
                return "series key \(Excerpt(quoted: key)) contains \(shown == " " ? "a space" : "'\(shown)'"); use letters, digits and . _ - : / @ +"
            }
            if isAllowed(scalar) { continue }
            let code = String(scalar.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
            return "series key \(Excerpt(quoted: key)) contains U+\(padded), which is not a letter, mark or digit; use letters, digits and . _ - : / @ +"
        }
        return nil
    }

    /// A non-ASCII scalar is allowed when it is a letter, a combining mark or a decimal digit.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
            return true
        default:
            return false
        }
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
