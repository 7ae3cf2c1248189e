#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ISO-8601 times in UTC, `2025-11-30T10:27:00Z`, with `.SSS` milliseconds only when they
/// are not zero: the control protocol's times, and the one reader of ISO-8601 for brid
/// (BridCore's `Timestamp` reads publishers' timestamps with it). Written and read without
/// formatters or calendars, which keeps them exact to the millisecond and cheap at
/// brictl's start-up. In BridInfo, which has no dependencies, so brictl can share it.
public enum WireTime {
    /// `2025-11-30T10:27:00Z`, or `2025-11-30T10:27:00.125Z` when there are milliseconds.
    public static func format(_ date: Date) -> String {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let millisecond = Int(((totalMilliseconds % 1000) + 1000) % 1000)
        let seconds = (totalMilliseconds - Int64(millisecond)) / 1000
        let secondOfDay = Int(((seconds % 86_400) + 86_400) % 86_400)
        let day = (seconds - Int64(secondOfDay)) / 86_400
        let (year, month, dayOfMonth) = civil(fromDays: day)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(dayOfMonth, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if millisecond != 0 { text += "." + pad(millisecond, 3) }
        return text + "Z"
    }

    /// `2025-11-30` — the UTC date of a time.
    public static func formatDate(_ date: Date) -> String {
        String(format(date).prefix(10))
    }

    /// Reads an ISO-8601 date-time: `2019-03-01T06:00:00Z`, `2019-03-01T06:00Z`,
    /// `2019-03-01T06:00:00.5+06:00`, `2019-03-01 06:00:00` (UTC when no offset is given).
    /// With `datesAllowed`, a bare date `2019-03-01` is read too, as `dateMeans` says.
    public static func parse(_ text: String, datesAllowed: Bool = false, dateMeans: DateMeaning = .startOfDay) -> Date? {
        let b = Array(text.utf8)
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
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), (1...12).contains(month), expect("-"),
              let day = digits(2), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let dayStart = Double(days(fromCivil: year, month, day)) * 86_400
        if i == b.count {
            guard datesAllowed else { return nil }
            let seconds = dateMeans == .startOfDay ? dayStart : dayStart + 86_400 - 0.001
            return Date(timeIntervalSince1970: seconds)
        }
        guard expect("T") || expect("t") || expect(" ") else { return nil }
        guard let hour = digits(2), hour < 24, expect(":"), let minute = digits(2), minute < 60 else { return nil }
        var seconds = dayStart + Double(hour * 3600 + minute * 60)
        if expect(":") {
            guard let second = digits(2), second < 61 else { return nil }
            seconds += Double(second)
            if expect(".") || expect(",") {
                var fraction = 0
                var scale = 1
                let start = i
                while i < b.count, b[i] &- UInt8(ascii: "0") < 10 {
                    if i - start < 3 {
                        fraction = fraction * 10 + Int(b[i] - UInt8(ascii: "0"))
                        scale *= 10
                    }
                    i += 1
                }
                guard i > start else { return nil }
                seconds += Double(fraction) / Double(scale)
            }
        }
        if i == b.count { return Date(timeIntervalSince1970: seconds) }
        if expect("Z") || expect("z") {
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1.0 : 1.0
            i += 1
            guard let offsetHours = digits(2), offsetHours < 24 else { return nil }
            _ = expect(":")
            let offsetMinutes = digits(2) ?? 0
            guard offsetMinutes < 60 else { return nil }
            seconds -= sign * Double(offsetHours * 3600 + offsetMinutes * 60)
        }
        return i == b.count ? Date(timeIntervalSince1970: seconds) : nil
    }

    /// What a bare date stands for when a time is asked for.
    public enum DateMeaning: Sendable {
        /// 00:00:00.000 UTC of that day.
        case startOfDay
        /// 23:59:59.999 UTC of that day: "as of 2019-03-01" includes what was known that day.
        case endOfDay
    }

    // MARK: - Civil calendar (proleptic Gregorian, UTC), after Howard Hinnant's algorithms

    /// Days since 1970-01-01 of a date; negative before.
    public static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day counted from 1970-01-01; the inverse of `days(fromCivil:)`.
    public static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
