import ArgumentParser
import BridProtocol
import Foundation

/// Readers of argument values shared by several commands.
enum Arguments {
    /// An `--as-of` time: an ISO-8601 date-time (UTC unless it carries an offset), or a date,
    /// which means the end of that day in UTC: everything known on that day.
    static func asOf(_ text: String) -> Date? {
        WireTime.parse(text, datesAllowed: true, dateMeans: .endOfDay)
    }

    static func checkAsOf(_ text: String?) throws {
        if let text, asOf(text) == nil {
            throw ValidationError("--as-of \(text) is not an ISO-8601 date or time, such as 2019-03-01 or 2019-03-01T06:00:00Z")
        }
    }
}
