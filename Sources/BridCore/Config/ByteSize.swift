/// Sizes as written in brid.toml: a whole number and a unit, `512KB`, `20MB`.
///
/// Units are binary: 1 KB = 1024 B, 1 MB = 1024 KB, 1 GB = 1024 MB. Unit letters may be
/// in any case (`20mb`).
public enum ByteSize {
    /// Reads a size such as `"20MB"` into a number of bytes.
    public static func parse(_ text: String) throws(ConfigValueError) -> Int {
        let hint = "invalid size \(text.debugDescription) — use a whole number and a unit, e.g. 512KB, 20MB (B, KB, MB, GB)"
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count).uppercased()
        guard !digits.isEmpty, let amount = Int(digits) else { throw ConfigValueError(hint) }
        let multiplier: Int
        switch unit {
        case "B": multiplier = 1
        case "KB": multiplier = 1 << 10
        case "MB": multiplier = 1 << 20
        case "GB": multiplier = 1 << 30
        default: throw ConfigValueError(hint)
        }
        let (bytes, overflow) = amount.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw ConfigValueError("size \(text.debugDescription) is too large") }
        return bytes
    }
}
