import BridCore

/// Reading the small XML parts of a workbook: every element with its attributes and the
/// text directly inside it, one callback per event.
struct XLSXPart {
    let origin: String
    /// The part's path in the archive, for errors.
    let path: String
    var scanner: XMLScanner

    init(bytes: UnsafeBufferPointer<UInt8>, origin: String, path: String) {
        self.origin = origin
        self.path = path
        scanner = XMLScanner(bytes: bytes)
    }

    func failure(_ error: XMLSyntaxError) -> InputError {
        InputError(origin: origin, place: nil, reason: "the workbook's \(path) is not well-formed XML (line \(error.line)): \(error.reason)")
    }

    /// The value of the attribute whose local name is `local` on the current start tag.
    func attribute(_ local: StaticString) throws(InputError) -> String? {
        for attribute in scanner.attributes where scanner.isLocal(attribute.name, local) {
            do { return try scanner.decode(attribute.value) } catch { throw failure(error) }
        }
        return nil
    }

    /// The value of an attribute with exactly this (prefixed) name, such as `r:id`.
    func attribute(named name: String) throws(InputError) -> String? {
        for attribute in scanner.attributes where scanner.string(attribute.name) == name {
            do { return try scanner.decode(attribute.value) } catch { throw failure(error) }
        }
        return nil
    }

    mutating func next() throws(InputError) -> XMLScanner.Event? {
        do { return try scanner.next() } catch { throw failure(error) }
    }

    func text(_ range: Range<Int>, cdata: Bool) throws(InputError) -> String {
        do { return try scanner.decode(range, cdata: cdata) } catch { throw failure(error) }
    }
}

/// The number formats of a workbook's cell styles that show a date.
enum SpreadsheetDates {
    /// Built-in number formats that are dates (ECMA-376 §18.8.30, and the East Asian
    /// locale ones Excel writes with ids 27–36 and 50–58); 45–47 are times only.
    static let builtIn: Set<Int> = Set(14...17).union([22]).union(27...36).union(50...58)

    /// Whether a custom format code shows a date: a `d` or `y` outside quoted text, `[…]`
    /// sections (colours, conditions, elapsed time) and escaped characters. `m` alone is
    /// left out: it is minutes in `h:mm`.
    static func isDate(formatCode code: String) -> Bool {
        var quoted = false, bracket = false, escaped = false
        for c in code {
            if escaped { escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "\"": quoted.toggle()
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            case "d", "D", "y", "Y": if !quoted && !bracket { return true }
            default: break
            }
        }
        return false
    }

    /// The day a serial number stands for, `YYYY-MM-DD` (the time of day dropped); nil
    /// before the system's first day. The 1900 system counts a 29 February 1900 that never
    /// was (Lotus 1-2-3's leap-year bug, kept by Excel): serials 1–59 are 1 January to
    /// 28 February 1900, 60 (the phantom day) is read as 28 February as openpyxl does, 61
    /// on are one day less than their count.
    static func day(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= (date1904 ? 0 : 1), serial < 2_958_466 else { return nil }
        var whole = Int(serial.rounded(.down))
        // Days since 1970-01-01: the 1904 system starts at 1904-01-01, the 1900 one at 1899-12-30 (from serial 61 on).
        if date1904 {
            whole -= 24107
        } else {
            whole = whole < 61 ? whole - 25568 : whole - 25569
            if serial >= 60 && serial < 61 { whole -= 1 }
        }
        return civil(daysSince1970: whole)
    }

    /// Howard Hinnant's days-to-civil algorithm.
    static func civil(daysSince1970 days: Int) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = String(y)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(m) + "-" + two(d)
    }
}
