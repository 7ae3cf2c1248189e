/// Turns the text of an unquoted TOML value (`42`, `0xff`, `1_000.5e-3`, `inf`, `true`)
/// into a value kind, or says why it is not one.
enum TOMLNumber {
    static func parse(_ atom: String) -> Result<TOMLValue.Kind, TOMLNumberError> {
        switch atom {
        case "true": return .success(.bool(true))
        case "false": return .success(.bool(false))
        case "inf", "+inf": return .success(.float(.infinity))
        case "-inf": return .success(.float(-.infinity))
        case "nan", "+nan", "-nan": return .success(.float(.nan))
        default: break
        }
        if looksLikeDateOrTime(atom) { return .failure(.dateTime) }
        let chars = Array(atom)
        if chars.count > 2, chars[0] == "0", let radix = radix(for: chars[1]) {
            return integer(String(chars[2...]), radix: radix, original: atom)
        }
        var body = Substring(atom)
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        if body.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return float(body, negative: negative, original: atom)
        }
        guard validDigits(body, radix: 10), !hasLeadingZero(body) else { return .failure(.invalid(atom)) }
        guard let magnitude = Int64((negative ? "-" : "") + body.filter { $0 != "_" }) else {
            return .failure(.outOfRange(atom))
        }
        return .success(.integer(magnitude))
    }

    private static func radix(for c: Character) -> Int? {
        switch c {
        case "x": 16
        case "o": 8
        case "b": 2
        default: nil
        }
    }

    private static func integer(_ digits: String, radix: Int, original: String) -> Result<TOMLValue.Kind, TOMLNumberError> {
        guard validDigits(Substring(digits), radix: radix) else { return .failure(.invalid(original)) }
        guard let value = Int64(digits.filter { $0 != "_" }, radix: radix) else { return .failure(.outOfRange(original)) }
        return .success(.integer(value))
    }

    private static func float(_ body: Substring, negative: Bool, original: String) -> Result<TOMLValue.Kind, TOMLNumberError> {
        var mantissa = body
        var exponent: Substring?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        }
        var integerPart = mantissa
        var fraction: Substring?
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        guard validDigits(integerPart, radix: 10), !hasLeadingZero(integerPart) else { return .failure(.invalid(original)) }
        if let fraction, !validDigits(fraction, radix: 10) { return .failure(.invalid(original)) }
        if var exponent {
            if let sign = exponent.first, sign == "+" || sign == "-" { exponent = exponent.dropFirst() }
            guard validDigits(exponent, radix: 10) else { return .failure(.invalid(original)) }
        }
        let text = (negative ? "-" : "") + body.filter { $0 != "_" }
        guard let value = Double(text) else { return .failure(.invalid(original)) }
        return .success(.float(value))
    }

    /// Digits of the radix with single underscores only between digits.
    private static func validDigits(_ s: Substring, radix: Int) -> Bool {
        guard !s.isEmpty else { return false }
        var previousWasDigit = false
        for c in s {
            if c == "_" {
                guard previousWasDigit else { return false }
                previousWasDigit = false
            } else if let d = c.hexDigitValue, d < radix {
                previousWasDigit = true
            } else {
                return false
            }
        }
        return previousWasDigit
    }

    private static func hasLeadingZero(_ s: Substring) -> Bool {
        s.count > 1 && s.first == "0"
    }

    /// `1979-05-27…` or `07:32…`: TOML dates and times, which brid does not read.
    private static func looksLikeDateOrTime(_ atom: String) -> Bool {
        let c = Array(atom.utf8)
        func digit(_ i: Int) -> Bool { i < c.count && (48...57).contains(c[i]) }
        if c.count >= 5, (0..<4).allSatisfy(digit), c[4] == UInt8(ascii: "-") { return true }
        if c.count >= 3, digit(0), digit(1), c[2] == UInt8(ascii: ":") { return true }
        return false
    }
}

enum TOMLNumberError: Error {
    case invalid(String)
    case outOfRange(String)
    case dateTime

    var message: String {
        switch self {
        // The word itself is not repeated: it may be a secret written without quotes
        // (`password = hunter2`), and this message reaches the journal.
        case .invalid(let s): s.isEmpty ? "expected a value" : "invalid value: a bare word of \(s.count) characters (strings need quotes)"
        case .outOfRange(let s): "integer \(s) does not fit in 64 bits"
        case .dateTime: "dates and times are not supported in brid.toml; quote the value"
        }
    }
}
