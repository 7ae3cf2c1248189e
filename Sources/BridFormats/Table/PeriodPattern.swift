import BridCore

/// `period_pattern`: a regular expression (Swift `Regex` syntax) that must match a whole
/// header or period cell (collapsed, as the built-in forms see it), with the named
/// captures `year` and optionally `quarter`, `month` and `day`.
struct PeriodPattern {
    let regex: Regex<AnyRegexOutput>
    let hasQuarter: Bool, hasMonth: Bool, hasDay: Bool

    /// Compiles and checks `text`; the error names the `period_pattern` key.
    init(_ text: String) throws(FormatSettingsError) {
        func fail(_ message: String) -> FormatSettingsError { FormatSettingsError(key: "period_pattern", message: message) }
        do {
            regex = try Regex(text)
        } catch {
            throw fail("is not a valid regular expression: \(error)")
        }
        guard regex.contains(captureNamed: "year") else {
            throw fail("must have a named capture `year`, e.g. \"(?<day>\\\\d\\\\d)\\\\.(?<month>\\\\d\\\\d)\\\\.(?<year>\\\\d{4})\"")
        }
        hasQuarter = regex.contains(captureNamed: "quarter")
        hasMonth = regex.contains(captureNamed: "month")
        hasDay = regex.contains(captureNamed: "day")
        if hasDay, !hasMonth { throw fail("a `day` capture needs a `month` capture") }
        if hasQuarter, hasMonth { throw fail("has both `quarter` and `month`; a period is one or the other") }
    }

    /// The period `text` reads as, or nil when the pattern does not match it all or its
    /// captures do not make a period.
    func read(_ text: String) -> TablePeriod? {
        guard let match = try? regex.wholeMatch(in: text) else { return nil }
        func captured(_ name: String) -> Substring? { match.output[name]?.substring }
        guard let yearText = captured("year"), let year = TablePeriodReader.number(yearText, digits: 4...4) else { return nil }
        if hasDay, let m = captured("month").flatMap({ TablePeriodReader.number($0, digits: 1...2) }),
           let d = captured("day").flatMap({ TablePeriodReader.number($0, digits: 1...2) }) {
            return TablePeriod.day("\(year)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)")
        }
        if hasMonth, let m = captured("month") {
            guard let month = TablePeriodReader.number(m, digits: 1...2), (1...12).contains(month) else { return nil }
            return .month(year, month)
        }
        if hasQuarter, let q = captured("quarter") {
            guard let quarter = TablePeriodReader.roman(q) ?? TablePeriodReader.chineseOrDigit(q), (1...4).contains(quarter) else { return nil }
            return .quarter(year, quarter)
        }
        return .annual(year)
    }
}
