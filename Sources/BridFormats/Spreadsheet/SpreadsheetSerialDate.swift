import BridCore

/// Dates in spreadsheets: a date is a number (days since an epoch) shown through a date
/// number format. The one copy of these rules for the xls and xlsx readers, so a workbook
/// reads the same saved either way.
public enum SpreadsheetSerialDate {
    /// Whether a built-in number format id (MS-XLS 2.4.126, ECMA-376 18.8.30) shows a date:
    /// 14–17 and 22 everywhere, 27–36 and 50–58 in East Asian locales, 71–81 in Thai. The
    /// time-only ids (18–21, 45–47) are not dates: their cells stay numbers.
    public static func isBuiltInDate(_ id: Int) -> Bool {
        switch id {
        case 14...17, 22, 27...36, 50...58, 71...81: true
        default: false
        }
    }

    /// Whether a custom number format code shows a date: it has a year or day part, or a
    /// month with no hours or seconds beside it (`m` alone is a month; next to `h` or `s` it
    /// is minutes). Quoted text, escaped characters and `[…]` (colours, locales) are ignored;
    /// elapsed time (`[h]`) counts as hours.
    public static func isDateFormat(_ code: String) -> Bool {
        var letters: [Character] = []
        var inQuote = false, inBracket = false, escaped = false
        var bracket = ""
        for c in code.lowercased() {
            if escaped { escaped = false; continue }
            if inQuote { if c == "\"" { inQuote = false }; continue }
            if inBracket {
                if c != "]" { bracket.append(c); continue }
                inBracket = false
                // Elapsed time (`[h]`, `[mm]`, `[ss]`) makes the `m` beside it minutes.
                if !bracket.isEmpty, bracket.allSatisfy({ "hms".contains($0) }) { letters.append("h") }
                bracket = ""
                continue
            }
            switch c {
            case "\\", "_", "*": escaped = true  // `_x` and `*x` take the next character too
            case "\"": inQuote = true
            case "[": inBracket = true
            default: letters.append(c)
            }
        }
        let text = String(letters).replacing("general", with: "")
        if text.contains("y" as Character) || text.contains("d" as Character) { return true }
        return text.contains("m" as Character) && !text.contains("h" as Character) && !text.contains("s" as Character)
    }

    /// The day a serial number stands for, `YYYY-MM-DD` (the time of day dropped), or nil
    /// when it is no day: below 1 (a time only), past 9999-12-31, or 1900-02-29 — the day
    /// the 1900 system counts though it never was (Lotus 1-2-3's leap-year bug, kept by
    /// Excel: serials from 61 on are one day too high).
    public static func day(serial: Double, uses1904: Bool) -> String? {
        guard serial.isFinite, serial >= (uses1904 ? 0 : 1), serial < 2_958_466 else { return nil }
        let whole = Int(serial.rounded(.down))
        let daysSince1970: Int
        if uses1904 {
            daysSince1970 = whole - 24_107
        } else if whole == 60 {
            return nil
        } else {
            daysSince1970 = whole - (whole > 60 ? 25_569 : 25_568)
        }
        let (y, m, d) = WireTime.civil(fromDays: Int64(daysSince1970))
        guard y <= 9999 else { return nil }
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
