/// A published value: its decimal text exactly as published, or "no value".
///
/// Values are never converted to floating point for storage or comparison: `19.885` is
/// kept as the text `19.885`, and `19.885` vs `19.8850` compare equal as decimals.
public enum ObservationValue {
    /// Reads a published cell: nil for a missing marker, the trimmed decimal text otherwise.
    /// NaN, infinities, thousands separators and anything else that is not a plain decimal
    /// number are errors.
    public static func parse(_ raw: String) -> Result<String?, ValueError> {
        let result: Result<String?, ValueError>? = raw.utf8.withContiguousStorageIfAvailable { parse(bytes: $0, raw: raw) }
        return result ?? Array(raw.utf8).withUnsafeBufferPointer { parse(bytes: $0, raw: raw) }
    }

    private static func parse(bytes b: UnsafeBufferPointer<UInt8>, raw: String) -> Result<String?, ValueError> {
        var lo = 0, hi = b.count
        while lo < hi, isSpace(b[lo]) { lo += 1 }
        while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
        let length = hi - lo
        if length == 0 { return .success(nil) }
        if length == 1, b[lo] == UInt8(ascii: ".") || b[lo] == UInt8(ascii: ":") { return .success(nil) }
        if length == 2, b[lo] | 0x20 == UInt8(ascii: "n"), b[lo + 1] | 0x20 == UInt8(ascii: "a") { return .success(nil) }
        guard length <= 64 else { return .failure(ValueError(text: raw, reason: "is longer than 64 characters")) }

        var i = lo
        if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < hi, isDigit(b[i]) { i += 1; digits += 1 }
        if i < hi, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < hi, isDigit(b[i]) { i += 1; digits += 1 }
        }
        if digits > 0, i < hi, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < hi, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            var exponentDigits = 0
            while i < hi, isDigit(b[i]) { i += 1; exponentDigits += 1 }
            if exponentDigits == 0 || exponentDigits > 4 { return .failure(ValueError(text: raw, reason: "has a malformed exponent")) }
        }
        if digits > 0, i == hi {
            if lo == 0, hi == b.count { return .success(raw) }
            return .success(String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self))
        }
        let trimmed = String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        switch trimmed.lowercased() {
        case "nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity":
            return .failure(ValueError(text: raw, reason: "is not a finite number (NaN and infinities are not values; use an empty cell, '.', 'NA' or ':' for no value)"))
        default:
            break
        }
        if digits > 0, i < hi, b[i] == UInt8(ascii: ",") {
            return .failure(ValueError(text: raw, reason: "is not a plain decimal number (thousands separators and decimal commas are not accepted; write 2388 or 19.885)"))
        }
        return .failure(ValueError(text: raw, reason: "is not a number"))
    }

    /// Whether two stored decimal texts denote the same number (`1.50` = `1.5` = `15e-1`).
    public static func sameNumber(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        return DecimalKey(a) == DecimalKey(b)
    }

    /// Whether two stored values (nil = no value) are the same.
    public static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): sameNumber(x, y)
        default: false
        }
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
}

/// Why a value text was refused.
public struct ValueError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "value \(Excerpt(quoted: text)) \(reason)" }
}

/// A decimal reduced to sign, significant digits and a power of ten, for exact comparison.
struct DecimalKey: Equatable {
    var negative = false
    var digits: [UInt8] = []
    var exponent = 0

    init(_ text: String) {
        var mantissa: [UInt8] = []
        var fractionDigits = 0
        var exp = 0
        var seenPoint = false
        var iterator = text.utf8.makeIterator()
        var sign = false
        while let c = iterator.next() {
            switch c {
            case UInt8(ascii: "-"): sign = true
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var expText = ""
                while let e = iterator.next() { expText.append(Character(UnicodeScalar(e))) }
                exp = Int(expText) ?? 0
            default:
                mantissa.append(c &- UInt8(ascii: "0"))
                if seenPoint { fractionDigits += 1 }
            }
        }
        var start = 0
        while start < mantissa.count, mantissa[start] == 0 { start += 1 }
        var end = mantissa.count
        var trailing = 0
        while end > start, mantissa[end - 1] == 0 { end -= 1; trailing += 1 }
        if start == end { return }  // zero, whatever its sign
        negative = sign
        digits = Array(mantissa[start..<end])
        exponent = exp - fractionDigits + trailing
    }
}
