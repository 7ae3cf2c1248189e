import BridInfo
/// A period in canonical text for its frequency: `2018`, `2018-Q1`, `2018-03`, `2018-W05`,
/// `2018-03-15`. Canonical texts of one frequency sort chronologically as plain strings,
/// which is what the store relies on.
public enum Period {
    /// Normalises `text` for a series of `frequency`, or infers the frequency from the
    /// spelling when the series has none yet. Returns the canonical text and frequency.
    ///
    /// Accepted spellings: `2018`, `2018-A1`, `2018A`; `2018-Q1`, `2018Q1`; `2018-03`,
    /// `2018M03`, `2018-M03`, `2018M3`; `2018-W05`, `2018W05`, `2018-W5`; `2018-03-15`.
    /// A full date also stands for the annual, quarterly or monthly period it starts
    /// (`2018-01-01` is `2018` for an annual series) and for the ISO week that contains it.
    public static func normalize(_ text: String, frequency: Frequency?) -> Result<(text: String, frequency: Frequency), PeriodError> {
        guard let shape = PeriodShape(text) else {
            return .failure(PeriodError(text: text, reason: "is not a period (expected e.g. 2018, 2018-Q1, 2018-03, 2018-W05 or 2018-03-15)"))
        }
        let target = frequency ?? shape.naturalFrequency
        switch (shape, target) {
        case let (.year(y), .annual):
            return .success((canonicalYear(y, original: text), .annual))
        case let (.quarter(y, q), .quarterly):
            return .success((format(y, "-Q", q, width: 1), .quarterly))
        case let (.month(y, m), .monthly):
            return .success((text.utf8.count == 7 && text.utf8.dropFirst(4).first == UInt8(ascii: "-") ? text : format(y, "-", m, width: 2), .monthly))
        case let (.week(y, w), .weekly):
            guard w <= ISOWeek.weeks(in: y) else {
                return .failure(PeriodError(text: text, reason: "names week \(w) but \(y) has \(ISOWeek.weeks(in: y)) ISO weeks"))
            }
            return .success((format(y, "-W", w, width: 2), .weekly))
        case let (.date(y, m, d), .daily):
            return .success((text.utf8.count == 10 ? text : format(y, "-", m, width: 2) + "-" + pad(d, 2), .daily))
        case let (.date(y, m, d), .annual) where m == 1 && d == 1:
            return .success((pad(y, 4), .annual))
        case let (.date(y, m, d), .quarterly) where d == 1 && (m - 1) % 3 == 0:
            return .success((format(y, "-Q", (m - 1) / 3 + 1, width: 1), .quarterly))
        case let (.date(y, m, d), .monthly) where d == 1:
            return .success((format(y, "-", m, width: 2), .monthly))
        case let (.date(y, m, d), .weekly):
            let week = ISOWeek.containing(year: y, month: m, day: d)
            return .success((format(week.year, "-W", week.week, width: 2), .weekly))
        default:
            return .failure(PeriodError(text: text, reason: "does not fit a series of frequency \(target.rawValue) (\(target.example) expected)"))
        }
    }

    private static func canonicalYear(_ y: Int, original: String) -> String {
        original.utf8.count == 4 ? original : pad(y, 4)
    }

    private static func format(_ year: Int, _ infix: String, _ n: Int, width: Int) -> String {
        pad(year, 4) + infix + pad(n, width)
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.utf8.count >= width ? digits : String(repeating: "0", count: width - digits.utf8.count) + digits
    }
}

/// Why a period text was refused.
public struct PeriodError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "period \(Excerpt(quoted: text)) \(reason)" }
}

extension Frequency {
    /// A canonical period of this frequency, for messages.
    public var example: String {
        switch self {
        case .annual: "2018"
        case .quarterly: "2018-Q1"
        case .monthly: "2018-03"
        case .weekly: "2018-W05"
        case .daily: "2018-03-15"
        }
    }
}

/// The spelling of a period, read without knowing the series' frequency.
enum PeriodShape: Equatable {
    case year(Int)
    case quarter(Int, Int)
    case month(Int, Int)
    case week(Int, Int)
    case date(Int, Int, Int)

    var naturalFrequency: Frequency {
        switch self {
        case .year: .annual
        case .quarter: .quarterly
        case .month: .monthly
        case .week: .weekly
        case .date: .daily
        }
    }

    init?(_ text: String) {
        let parsed: PeriodShape?? = text.utf8.withContiguousStorageIfAvailable { PeriodShape.parse($0) }
        if let parsed { guard let shape = parsed else { return nil }; self = shape; return }
        guard let shape = Array(text.utf8).withUnsafeBufferPointer({ PeriodShape.parse($0) }) else { return nil }
        self = shape
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> PeriodShape? {
        // Trim ASCII spaces that a hand-written file may carry around a cell.
        var lo = 0, hi = b.count
        while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 { hi -= 1 }
        guard hi - lo >= 4, let year = number(b, lo, lo + 4), year >= 1 else { return nil }
        var i = lo + 4
        if i == hi { return .year(year) }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < hi else { return nil }
        let tag = b[i] | 0x20  // lower-case an ASCII letter
        switch tag {
        case UInt8(ascii: "a"):
            // 2018A, 2018-A1
            if i + 1 == hi || (i + 2 == hi && b[i + 1] == UInt8(ascii: "1")) { return .year(year) }
            return nil
        case UInt8(ascii: "q"):
            guard i + 2 == hi, let q = number(b, i + 1, hi), (1...4).contains(q) else { return nil }
            return .quarter(year, q)
        case UInt8(ascii: "m"):
            guard hi - i >= 2, hi - i <= 3, let m = number(b, i + 1, hi), (1...12).contains(m) else { return nil }
            return .month(year, m)
        case UInt8(ascii: "w"):
            guard hi - i >= 2, hi - i <= 3, let w = number(b, i + 1, hi), (1...53).contains(w) else { return nil }
            return .week(year, w)
        default:
            // 2018-03 or 2018-03-15: the dash is required here.
            guard b[i - 1] == UInt8(ascii: "-"), i + 2 <= hi, let m = number(b, i, i + 2), (1...12).contains(m) else { return nil }
            if i + 2 == hi { return .month(year, m) }
            guard i + 5 == hi, b[i + 2] == UInt8(ascii: "-"), let d = number(b, i + 3, hi) else { return nil }
            guard d >= 1, d <= Calendar.daysIn(month: m, year: year) else { return nil }
            return .date(year, m, d)
        }
    }

    private static func number(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        guard from < to else { return nil }
        var n = 0
        for i in from..<to {
            let d = b[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }
}

/// Day numbers and weekdays for periods: the civil calendar itself is `WireTime`'s (one
/// proleptic Gregorian implementation for the whole project), in `Int`.
enum Calendar {
    static func daysIn(month m: Int, year y: Int) -> Int { WireTime.daysIn(month: m, year: y) }

    /// Days since 1970-01-01.
    static func dayNumber(year: Int, month: Int, day: Int) -> Int { Int(WireTime.days(fromCivil: year, month, day)) }

    static func date(dayNumber: Int) -> (year: Int, month: Int, day: Int) { WireTime.civil(fromDays: Int64(dayNumber)) }

    /// ISO weekday, Monday = 1 … Sunday = 7.
    static func weekday(dayNumber: Int) -> Int {
        let w = (dayNumber + 3) % 7  // 1970-01-01 was a Thursday
        return (w < 0 ? w + 7 : w) + 1
    }
}

enum ISOWeek {
    /// The ISO week (and its year) that contains the date.
    static func containing(year: Int, month: Int, day: Int) -> (year: Int, week: Int) {
        let n = Calendar.dayNumber(year: year, month: month, day: day)
        let thursday = n - Calendar.weekday(dayNumber: n) + 4
        let weekYear = Calendar.date(dayNumber: thursday).year
        let firstDay = Calendar.dayNumber(year: weekYear, month: 1, day: 1)
        return (weekYear, (thursday - firstDay) / 7 + 1)
    }

    /// 52 or 53.
    static func weeks(in year: Int) -> Int {
        containing(year: year, month: 12, day: 28).week
    }
}
