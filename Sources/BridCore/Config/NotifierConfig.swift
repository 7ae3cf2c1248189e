/// One `[[notify]]`: where alert state changes are delivered.
public struct NotifierConfig: Sendable, Equatable {
    public static let defaultTimeout = Duration.seconds(10)
    public static let defaultGiveUpAfter = Duration.seconds(86_400)
    public static let defaultResend = Duration.seconds(60)

    /// Given as `id`, or the kind (`log`, `webhook`, …) for the one notifier of a kind without one.
    public let id: String
    public let kind: NotifierKind
    public let timeout: Duration
    /// Request headers; webhook and alertmanager only.
    public let headers: [HTTPHeaderValue]
    /// Only these severities; nil for all.
    public let severities: Set<Severity>?
    /// Glob over rule ids; nil for all rules.
    public let rules: String?
    /// Stop retrying a delivery after this long.
    public let giveUpAfter: Duration
    /// How often firing alerts are re-posted (alertmanager only).
    public let resend: Duration
    /// Whether acknowledging an alert is delivered too.
    public let notifyAcked: Bool
    /// Line of the `[[notify]]` header.
    public let line: Int

    public init(id: String, kind: NotifierKind, timeout: Duration = defaultTimeout, headers: [HTTPHeaderValue] = [],
                severities: Set<Severity>? = nil, rules: String? = nil, giveUpAfter: Duration = defaultGiveUpAfter,
                resend: Duration = defaultResend, notifyAcked: Bool = true, line: Int = 0) {
        self.id = id
        self.kind = kind
        self.timeout = timeout
        self.headers = headers
        self.severities = severities
        self.rules = rules
        self.giveUpAfter = giveUpAfter
        self.resend = resend
        self.notifyAcked = notifyAcked
        self.line = line
    }
}
