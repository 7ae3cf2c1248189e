import Foundation

/// ISO-8601 timestamps as publishers and operators write them, read without locale or
/// calendar objects: `2019-03-01`, `2019-03-01T06:00Z`, `2019-03-01T06:00:00.123+06:00`,
/// `2019-03-01 06:00:00` (UTC when no offset is given).
public enum Timestamp {
    /// The time, or nil when the text is not ISO-8601 (a bare date is its midnight, UTC).
    public static func parse(_ text: String) -> Date? {
        WireTime.parse(String(text.drop { $0 == " " }), datesAllowed: true, dateMeans: .startOfDay)
    }

    /// `2019-03-01T06:00:00Z`: UTC, whole seconds (for logs and notes).
    public static func format(_ date: Date) -> String {
        WireTime.format(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
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
