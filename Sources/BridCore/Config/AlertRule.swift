/// One `[[alert]]` rule.
public struct AlertRule: Sendable, Equatable {
    public let id: String
    public let target: AlertTarget
    public let condition: AlertCondition
    public let severity: Severity
    /// Free text put into notifications.
    public let summary: String?
    /// Line of the `[[alert]]` header.
    public let line: Int

    public init(id: String, target: AlertTarget, condition: AlertCondition, severity: Severity = .warning,
                summary: String? = nil, line: Int = 0) {
        self.id = id
        self.target = target
        self.condition = condition
        self.severity = severity
        self.summary = summary
        self.line = line
    }
}
