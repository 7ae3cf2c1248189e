/// How a source writes numbers: its decimal separator(s) and thousands separator, as
/// configured with `decimal` and `thousands` (CSV-family formats). A value in such a
/// spelling is turned into the plain decimal text brid stores (`1 234,5` → `1234.5`);
/// a value whose separators do not fit (`1.234` with `decimal = ","` and no thousands
/// separator, `12,34` with `thousands = ","`) is an error, never a guess.
public struct NumberFormat: Sendable, Equatable {
    /// The bytes that may separate the integer and fraction parts (`.`, `,` or both).
    public let decimals: Set<UInt8>
    /// The thousands separator, or nil for none.
    public let thousands: Thousands?

    /// A thousands separator. `space` also accepts the no-break spaces U+00A0 and U+202F.
    public enum Thousands: Sendable, Equatable {
        case space, dot, comma

        var byte: UInt8 {
            switch self {
            case .space: 0x20
            case .dot: UInt8(ascii: ".")
            case .comma: UInt8(ascii: ",")
            }
        }

        var spelled: String {
            switch self {
            case .space: "\" \""
            case .dot: "\".\""
            case .comma: "\",\""
            }
        }
    }

    public init(decimals: Set<UInt8>, thousands: Thousands?) {
        self.decimals = decimals
        self.thousands = thousands
        isPlain = decimals == [UInt8(ascii: ".")] && thousands == nil
    }

    /// Plain numbers: `.` decimal point, no thousands separator.
    public static let plain = NumberFormat(decimals: [UInt8(ascii: ".")], thousands: nil)
    /// SDMX-CSV 2.0 with `;` columns: `12,4` and `12.4` both mean twelve point four.
    public static let eitherDecimal = NumberFormat(decimals: [UInt8(ascii: "."), UInt8(ascii: ",")], thousands: nil)

    /// The format of the `decimal` and `thousands` settings (nil when not given); throws the
    /// key at fault when they do not make sense.
    public init(decimal: String?, thousands: String?) throws(FormatSettingsProblem) {
        let decimalByte: UInt8
        switch decimal ?? "." {
        case ".": decimalByte = UInt8(ascii: ".")
        case ",": decimalByte = UInt8(ascii: ",")
        default: throw FormatSettingsProblem(key: "decimal", message: "must be \".\" or \",\"")
        }
        var separator: Thousands?
        switch thousands {
        case nil: separator = nil
        case " "?, "\u{A0}"?: separator = .space
        case "."?: separator = .dot
        case ","?: separator = .comma
        default: throw FormatSettingsProblem(key: "thousands", message: "must be \" \", \".\" or \",\"")
        }
        if let separator, separator.byte == decimalByte {
            throw FormatSettingsProblem(key: "thousands", message: "cannot be the decimal separator too")
        }
        self.init(decimals: [decimalByte], thousands: separator)
    }

    /// Whether values are plain already (nothing to convert).
    public let isPlain: Bool

    /// The plain decimal text of `raw` (trimmed), or `raw` itself when it holds no digit (a
    /// missing marker such as `-` or `..`, judged by `ObservationValue`).
    public func plainText(_ raw: String) -> Result<String, ValueError> {
        let bytes = Array(raw.utf8)
        var lo = 0, hi = bytes.count
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
        guard bytes[lo..<hi].contains(where: ObservationValue.isDigit) else { return .success(raw) }
        func fail(_ reason: String) -> Result<String, ValueError> { .failure(ValueError(text: raw, reason: reason)) }
        var out: [UInt8] = []
        out.reserveCapacity(hi - lo)
        var i = lo
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { out.append(bytes[i]); i += 1 }
        // The integer part, in groups when it has thousands separators.
        var groups: [Int] = [0]
        var separatorSeen = false
        while i < hi {
            let c = bytes[i]
            if ObservationValue.isDigit(c) {
                out.append(c)
                groups[groups.count - 1] += 1
                i += 1
                continue
            }
            if let width = thousandsWidth(bytes, i, hi) {
                separatorSeen = true
                groups.append(0)
                i += width
                continue
            }
            break
        }
        if separatorSeen {
            guard (1...3).contains(groups[0]), groups.dropFirst().allSatisfy({ $0 == 3 }) else {
                return fail("is ambiguous: its thousands separator (\(thousands!.spelled)) does not split it in groups of three digits")
            }
        }
        if i < hi, decimals.contains(bytes[i]) {
            out.append(UInt8(ascii: "."))
            i += 1
            while i < hi, ObservationValue.isDigit(bytes[i]) { out.append(bytes[i]); i += 1 }
        }
        if i < hi, bytes[i] | 0x20 == UInt8(ascii: "e") {
            out.append(bytes[i])
            i += 1
            while i < hi, ObservationValue.isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                out.append(bytes[i])
                i += 1
            }
        }
        if i < hi {
            let c = bytes[i]
            if c == UInt8(ascii: ".") || c == UInt8(ascii: ",") || c == 0x20 || c >= 0x80 {
                return fail("is ambiguous: \(describe(c)) is neither the decimal separator (\(spelledDecimals)) nor the thousands separator (\(thousands?.spelled ?? "none")) where it stands")
            }
            return fail("is not a number")
        }
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// The width of the thousands separator at `i`, or nil.
    private func thousandsWidth(_ b: [UInt8], _ i: Int, _ hi: Int) -> Int? {
        guard let thousands else { return nil }
        if b[i] == thousands.byte { return 1 }
        guard thousands == .space else { return nil }
        if b[i] == 0xC2, i + 1 < hi, b[i + 1] == 0xA0 { return 2 }  // U+00A0
        if b[i] == 0xE2, i + 2 < hi, b[i + 1] == 0x80, b[i + 2] == 0xAF { return 3 }  // U+202F
        return nil
    }

    private var spelledDecimals: String {
        decimals.sorted().map { "\"\(Character(UnicodeScalar($0)))\"" }.joined(separator: " or ")
    }

    private func describe(_ c: UInt8) -> String {
        switch c {
        case 0x20: "a space"
        case UInt8(ascii: "."): "'.'"
        case UInt8(ascii: ","): "','"
        default: "a non-ASCII character"
        }
    }
}

/// A `decimal`/`thousands` setting that does not make sense, with the key at fault.
public struct FormatSettingsProblem: Error, Sendable, Equatable {
    public let key: String
    public let message: String
}
