import Foundation

/// Steps between canonical periods, and where a period ends: what alert rules need to find
/// "the previous period", "the same period a year earlier" and "data this old".
extension Period {
    /// The period `steps` after `text` (before, when negative), or nil when `text` is not a
    /// canonical period of `frequency`.
    public static func offset(_ text: String, by steps: Int, frequency: Frequency) -> String? {
        guard let shape = PeriodShape(text), shape.naturalFrequency == frequency else { return nil }
        switch shape {
        case .year(let y):
            return pad(y + steps, 4)
        case .quarter(let y, let q):
            let index = y * 4 + (q - 1) + steps
            return pad(floorDivide(index, 4), 4) + "-Q" + String(index - floorDivide(index, 4) * 4 + 1)
        case .month(let y, let m):
            let index = y * 12 + (m - 1) + steps
            return pad(floorDivide(index, 12), 4) + "-" + pad(index - floorDivide(index, 12) * 12 + 1, 2)
        case .week(let y, let w):
            let monday = firstMonday(ofISOYear: y) + (w - 1) * 7 + steps * 7
            let (year, month, day) = Calendar.date(dayNumber: monday)
            let week = ISOWeek.containing(year: year, month: month, day: day)
            return pad(week.year, 4) + "-W" + pad(week.week, 2)
        case .date(let y, let m, let d):
            let (year, month, day) = Calendar.date(dayNumber: Calendar.dayNumber(year: y, month: m, day: d) + steps)
            return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        }
    }

    /// The same period one year earlier: `2018-Q3` → `2017-Q3`, `2018-W53` → nil when 2017
    /// has no week 53, `2020-02-29` → nil. For annual periods, the previous year.
    public static func yearAgo(_ text: String, frequency: Frequency) -> String? {
        sameInYear(text, frequency: frequency, years: -1)
    }

    /// The same period one year later; the inverse of `yearAgo`.
    public static func yearLater(_ text: String, frequency: Frequency) -> String? {
        sameInYear(text, frequency: frequency, years: 1)
    }

    private static func sameInYear(_ text: String, frequency: Frequency, years: Int) -> String? {
        guard let shape = PeriodShape(text), shape.naturalFrequency == frequency else { return nil }
        switch shape {
        case .year, .quarter, .month:
            let steps = [Frequency.annual: 1, .quarterly: 4, .monthly: 12][frequency] ?? 1
            return offset(text, by: steps * years, frequency: frequency)
        case .week(let y, let w):
            return w <= ISOWeek.weeks(in: y + years) ? pad(y + years, 4) + "-W" + pad(w, 2) : nil
        case .date(let y, let m, let d):
            return d <= Calendar.daysIn(month: m, year: y + years) ? pad(y + years, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) : nil
        }
    }

    /// The first instant after the period (UTC): the end of 2018 is 2019-01-01T00:00:00Z.
    public static func end(of text: String, frequency: Frequency) -> Date? {
        guard let shape = PeriodShape(text), shape.naturalFrequency == frequency else { return nil }
        let nextDay: Int
        switch shape {
        case .year(let y): nextDay = Calendar.dayNumber(year: y + 1, month: 1, day: 1)
        case .quarter(let y, let q): nextDay = q == 4 ? Calendar.dayNumber(year: y + 1, month: 1, day: 1)
            : Calendar.dayNumber(year: y, month: q * 3 + 1, day: 1)
        case .month(let y, let m): nextDay = m == 12 ? Calendar.dayNumber(year: y + 1, month: 1, day: 1)
            : Calendar.dayNumber(year: y, month: m + 1, day: 1)
        case .week: nextDay = firstDay(of: shape) + 7
        case .date: nextDay = firstDay(of: shape) + 1
        }
        return Date(timeIntervalSince1970: TimeInterval(nextDay) * 86_400)
    }

    /// The period's first day, as days since 1970-01-01 (UTC): `2018-Q2` → 2018-04-01,
    /// `2018-W05` → the Monday of ISO week 5. Nil when `text` is not a canonical period of
    /// `frequency`.
    public static func firstDay(of text: String, frequency: Frequency) -> Int? {
        guard let shape = PeriodShape(text), shape.naturalFrequency == frequency else { return nil }
        return firstDay(of: shape)
    }

    private static func firstDay(of shape: PeriodShape) -> Int {
        switch shape {
        case .year(let y): Calendar.dayNumber(year: y, month: 1, day: 1)
        case .quarter(let y, let q): Calendar.dayNumber(year: y, month: (q - 1) * 3 + 1, day: 1)
        case .month(let y, let m): Calendar.dayNumber(year: y, month: m, day: 1)
        case .week(let y, let w): firstMonday(ofISOYear: y) + (w - 1) * 7
        case .date(let y, let m, let d): Calendar.dayNumber(year: y, month: m, day: d)
        }
    }

    /// Day number of the Monday of ISO week 1: the week holding 4 January.
    private static func firstMonday(ofISOYear y: Int) -> Int {
        let january4 = Calendar.dayNumber(year: y, month: 1, day: 4)
        return january4 - Calendar.weekday(dayNumber: january4) + 1
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
