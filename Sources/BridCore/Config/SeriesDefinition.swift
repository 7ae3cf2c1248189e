/// One `[[series]]` catalogue entry: what people call a series and how it is measured.
public struct SeriesDefinition: Sendable, Equatable {
    public let key: String
    public let name: String?
    public let unit: String?
    public let frequency: Frequency?
    public let description: String?
    /// Line of the `[[series]]` header.
    public let line: Int

    public init(key: String, name: String? = nil, unit: String? = nil, frequency: Frequency? = nil,
                description: String? = nil, line: Int = 0) {
        self.key = key
        self.name = name
        self.unit = unit
        self.frequency = frequency
        self.description = description
        self.line = line
    }
}
