/// Durations as written in brid.toml: a whole number and a unit, `90s`, `15m`, `6h`, `7d`, `500ms`.
public enum ConfigDuration {
    /// Reads a duration such as `"90s"`; zero is accepted here, callers that need more say so.
    public static func parse(_ text: String) throws(ConfigValueError) -> Duration {
        let hint = "invalid duration \(text.debugDescription) — use a whole number and a unit, e.g. 90s, 15m, 6h, 7d"
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, let amount = Int64(digits) else { throw ConfigValueError(hint) }
        let millisecondsPerUnit: Int64
        switch unit {
        case "ms": millisecondsPerUnit = 1
        case "s": millisecondsPerUnit = 1_000
        case "m": millisecondsPerUnit = 60_000
        case "h": millisecondsPerUnit = 3_600_000
        case "d": millisecondsPerUnit = 86_400_000
        default: throw ConfigValueError(hint)
        }
        let (ms, overflow) = amount.multipliedReportingOverflow(by: millisecondsPerUnit)
        guard !overflow else { throw ConfigValueError("duration \(text.debugDescription) is too long") }
        return .milliseconds(ms)
    }

    /// The shortest spelling `parse` reads back to the same duration (`6h`, `90s`, `1500ms`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where ms != 0 && ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }
}
