import BridInfo
import Foundation

/// A 5-field cron schedule in UTC: minute, hour, day of month, month, day of week.
///
/// Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/5` and `a-b/2`, month
/// names `jan`–`dec` and weekday names `sun`–`sat`; day of week runs 0–7 with 0 and 7 both
/// Sunday. As in classic cron, when both day of month and day of week are restricted
/// (neither starts with `*`) a day matches if either one does.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written.
    public let expression: String
    private let minutes: UInt64
    private let hours: UInt64
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    private struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        /// Value of `names[0]`.
        let firstNamed: Int
    }

    private static let fields = [
        Field(name: "minute", range: 0...59, names: [], firstNamed: 0),
        Field(name: "hour", range: 0...23, names: [], firstNamed: 0),
        Field(name: "day-of-month", range: 1...31, names: [], firstNamed: 1),
        Field(name: "month", range: 1...12,
              names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], firstNamed: 1),
        Field(name: "day-of-week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], firstNamed: 0),
    ]

    /// Parses a 5-field expression such as `0 6 * * 1-5`.
    public init(_ expression: String) throws(ConfigValueError) {
        self.expression = expression
        let parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ConfigValueError("invalid cron expression \(expression.debugDescription): needs 5 fields (minute hour day-of-month month day-of-week), found \(parts.count)")
        }
        var sets: [UInt64] = []
        for (text, field) in zip(parts, Self.fields) {
            do {
                sets.append(try Self.parseField(text, field))
            } catch {
                throw ConfigValueError("invalid cron expression \(expression.debugDescription): \(field.name) field \(text.debugDescription): \(error.message)")
            }
        }
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        // Sunday is both 0 and 7; keep it as 0.
        daysOfWeek = (sets[4] & ~(1 << 7)) | (sets[4] & (1 << 7) != 0 ? 1 : 0)
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")

        if dayOfMonthRestricted && !dayOfWeekRestricted {
            let chosenMonths = (1...12).filter { months & (1 << $0) != 0 }
            let longestMonth: Int = chosenMonths.map { Self.maximumDays(inMonth: $0) }.max() ?? 0
            let chosenDays = (1...31).filter { daysOfMonth & (1 << $0) != 0 }
            let earliestDay: Int = chosenDays.first ?? 32
            if earliestDay > longestMonth {
                throw ConfigValueError("invalid cron expression \(expression.debugDescription): it never matches, the months chosen have no day \(earliestDay)")
            }
        }
    }

    private static func maximumDays(inMonth month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func parseField(_ text: String, _ field: Field) throws(ConfigValueError) -> UInt64 {
        var set: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw ConfigValueError("empty list item") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ConfigValueError("more than one '/' in \(String(item).debugDescription)") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s >= 1 else { throw ConfigValueError("step \(String(pieces[1]).debugDescription) must be a whole number of at least 1") }
                step = s
            }
            let base = pieces[0]
            let low: Int, high: Int
            if base == "*" {
                (low, high) = (field.range.lowerBound, field.range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash], field)
                high = try value(base[base.index(after: dash)...], field)
                guard low <= high else { throw ConfigValueError("range \(base) is backwards") }
            } else {
                low = try value(base, field)
                // `5/15` means from 5 to the end in steps of 15, as in Vixie cron.
                high = pieces.count == 2 ? field.range.upperBound : low
            }
            for v in stride(from: low, through: high, by: step) { set |= 1 << v }
        }
        return set
    }

    private static func value(_ text: Substring, _ field: Field) throws(ConfigValueError) -> Int {
        if let index = field.names.firstIndex(of: text.lowercased()) {
            return index + field.firstNamed
        }
        guard let v = Int(text) else {
            let named = field.names.isEmpty ? "" : " or a name (\(field.names.first!)–\(field.names.last!))"
            throw ConfigValueError("\(String(text).debugDescription) is not a number\(named)")
        }
        guard field.range.contains(v) else {
            throw ConfigValueError("\(v) is out of range \(field.range.lowerBound)–\(field.range.upperBound)")
        }
        return v
    }

    /// The first minute strictly after `date` (UTC, whole minutes) that the expression matches.
    public func next(after date: Date) -> Date {
        let afterMinute = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        let start = afterMinute + 1
        var day = Self.floorDivide(start, 1440)
        var minuteOfDay = Int(start - day * 1440)
        // 29 February can be up to eight years away (2096 → 2104); look a little further.
        for _ in 0..<(366 * 12) {
            if matches(day: day), let m = firstMinute(from: minuteOfDay) {
                return Date(timeIntervalSince1970: TimeInterval((day * 1440 + Int64(m)) * 60))
            }
            day += 1
            minuteOfDay = 0
        }
        return .distantFuture
    }

    private func matches(day: Int64) -> Bool {
        let (_, month, dayOfMonth) = WireTime.civil(fromDays: day)
        guard months & (1 << month) != 0 else { return false }
        let weekday = Int(((day % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        let domMatch = daysOfMonth & (1 << dayOfMonth) != 0
        let dowMatch = daysOfWeek & (1 << weekday) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }

    private func firstMinute(from minuteOfDay: Int) -> Int? {
        for hour in (minuteOfDay / 60)..<24 where hours & (1 << hour) != 0 {
            let first = hour == minuteOfDay / 60 ? minuteOfDay % 60 : 0
            for minute in first..<60 where minutes & (1 << minute) != 0 {
                return hour * 60 + minute
            }
        }
        return nil
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    public var description: String { expression }
}
