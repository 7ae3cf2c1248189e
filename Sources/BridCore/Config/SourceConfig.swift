/// One `[[source]]`: where payloads come from, how often, and how they are read.
public struct SourceConfig: Sendable, Equatable {
    public static let defaultSchedule = Schedule.every(.seconds(3600))
    public static let defaultTimeout = Duration.seconds(30)
    public static let defaultConnectTimeout = Duration.seconds(10)
    /// The largest payload a URL source downloads unless `max_bytes` says otherwise: a
    /// safety net against a misbehaving server. Bodies are spooled to disk as they arrive,
    /// not held in memory, so a bulk download only needs a larger `max_bytes`.
    public static let defaultMaxBytes = 20 << 20
    /// The largest file a drop source takes by default: drop files are mapped and read in
    /// bounded memory, so only the disk limits them.
    public static let defaultDropMaxBytes = 8 << 30

    public let id: String
    public let location: SourceLocation
    /// Format name, a key of the format catalogue.
    public let format: String
    /// Only URL sources have one; drop folders are watched.
    public let schedule: Schedule?
    public let timeout: Duration
    public let connectTimeout: Duration
    public let maxBytes: Int
    /// How a record becomes a series key (`series = "wb.{country}.{indicator}"`).
    public let seriesTemplate: String?
    public let mode: IngestMode
    /// Request headers; URL sources only.
    public let headers: [HTTPHeaderValue]
    /// Free text for people.
    public let name: String?
    /// The keys the format declared, as given.
    public let formatOptions: [String: FormatOption]
    /// Which member of a zip payload is read (`member = "API_*.csv"`, a glob over member
    /// names); nil: an archive of one member reads it.
    public let member: String?
    /// Line of the `[[source]]` header.
    public let line: Int

    public init(id: String, location: SourceLocation, format: String, schedule: Schedule?,
                timeout: Duration = defaultTimeout, connectTimeout: Duration = defaultConnectTimeout,
                maxBytes: Int = defaultMaxBytes, seriesTemplate: String? = nil, mode: IngestMode = .append,
                headers: [HTTPHeaderValue] = [], name: String? = nil,
                formatOptions: [String: FormatOption] = [:], member: String? = nil, line: Int = 0) {
        self.id = id
        self.location = location
        self.format = format
        self.schedule = schedule
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBytes = maxBytes
        self.seriesTemplate = seriesTemplate
        self.mode = mode
        self.headers = headers
        self.name = name
        self.formatOptions = formatOptions
        self.member = member
        self.line = line
    }
}
