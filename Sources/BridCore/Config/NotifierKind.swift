/// How a notifier delivers alerts.
public enum NotifierKind: Sendable, Equatable {
    /// Writes to brid's log.
    case log
    /// Runs a program (no shell) with the alert as JSON on stdin; `command[0]` is absolute.
    case exec(command: [String])
    /// POSTs the alert JSON.
    case webhook(url: String)
    /// Posts to Alertmanager's `/api/v2/alerts` under this base URL.
    case alertmanager(url: String)

    /// The `kind` spelling.
    public var name: String {
        switch self {
        case .log: "log"
        case .exec: "exec"
        case .webhook: "webhook"
        case .alertmanager: "alertmanager"
        }
    }
}
