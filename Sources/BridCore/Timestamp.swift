import Foundation

/// ISO-8601 timestamps as publishers and operators write them, read without locale or
/// calendar objects: `2019-03-01`, `2019-03-01T06:00Z`, `2019-03-01T06:00:00.123+06:00`,
/// `2019-03-01 06:00:00` (UTC when no offset is given).
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8.drop { $0 == 0x20 })
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let d = b[k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), (1...12).contains(month),
              expect(UInt8(ascii: "-")), let day = digits(2), day >= 1, day <= Calendar.daysIn(month: month, year: year) else { return nil }
        var seconds = Double(Calendar.dayNumber(year: year, month: month, day: day)) * 86_400
        if i == b.count { return Date(timeIntervalSince1970: seconds) }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == 0x20 else { return nil }
        i += 1
        guard let hour = digits(2), hour < 24, expect(UInt8(ascii: ":")), let minute = digits(2), minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if expect(UInt8(ascii: ":")) {
            guard let second = digits(2), second < 61 else { return nil }
            seconds += Double(second)
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                var scale = 0.1
                let start = i
                while i < b.count, b[i] &- UInt8(ascii: "0") < 10 {
                    seconds += Double(b[i] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        if i == b.count { return Date(timeIntervalSince1970: seconds) }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1.0 : 1.0
            i += 1
            guard let oh = digits(2), oh < 24 else { return nil }
            _ = expect(UInt8(ascii: ":"))
            let om = digits(2) ?? 0
            seconds -= sign * Double(oh * 3600 + om * 60)
        }
        return i == b.count ? Date(timeIntervalSince1970: seconds) : nil
    }

    /// `2019-03-01T06:00:00Z`: UTC, whole seconds.
    public static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var rest = total % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDayNumber: days)
        return Period.pad(y, 4) + "-" + Period.pad(m, 2) + "-" + Period.pad(d, 2) + "T" + Period.pad(rest / 3600, 2) + ":"
            + Period.pad(rest / 60 % 60, 2) + ":" + Period.pad(rest % 60, 2) + "Z"
    }

    /// Howard Hinnant's civil_from_days.
    static func civil(fromDayNumber z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Timestamp {
    /// An HTTP date in the preferred IMF-fixdate form, `Sun, 06 Nov 1994 08:49:37 GMT`
    /// (what `Last-Modified` carries), or nil.
    public static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                .firstIndex(of: String(parts[2])).map({ $0 + 1 }) else { return nil }
        let iso = Period.pad(year, 4) + "-" + Period.pad(month, 2) + "-" + Period.pad(day, 2) + "T" + parts[4] + "Z"
        return parse(iso)
    }
}
