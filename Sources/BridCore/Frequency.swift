/// How often a series has an observation; the letter is the one used in configs and SDMX.
public enum Frequency: String, Sendable, CaseIterable, Codable {
    case annual = "A"
    case quarterly = "Q"
    case monthly = "M"
    case weekly = "W"
    case daily = "D"

    /// Reads `A`, `Q`, `M`, `W`, `D` (any case).
    public init?(code: String) {
        self.init(rawValue: code.uppercased())
    }

    public var code: String { rawValue }
}
