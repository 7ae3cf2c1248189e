extension ConfigParser {
    private static let notifierKinds = ["log", "exec", "webhook", "alertmanager"]

    /// Keys that only some kinds take, and which.
    private static let kindKeys: [(key: String, kinds: [String])] = [
        ("command", ["exec"]),
        ("url", ["webhook", "alertmanager"]),
        ("headers", ["webhook", "alertmanager"]),
        ("resend", ["alertmanager"]),
    ]

    static let notifyKeys = ["id", "kind", "timeout", "severity", "rules", "give_up_after", "notify_acked"] + kindKeys.map(\.key)

    static func readNotifiers(_ tables: [(table: TOMLTable, line: Int)], _ diagnostics: ConfigDiagnostics) -> [NotifierConfig] {
        var notifiers: [NotifierConfig] = []
        var seen: [String: Int] = [:]
        for (index, found) in tables.enumerated() {
            let section = ConfigSection(table: found.table, line: found.line, context: "[[notify]] #\(index + 1)",
                                        diagnostics: diagnostics)
            if let notifier = readNotifier(section, seen: &seen) { notifiers.append(notifier) }
        }
        return notifiers
    }

    private static func readNotifier(_ section: ConfigSection, seen: inout [String: Int]) -> NotifierConfig? {
        let kindName = section.string("kind")
        let validKind = kindName.flatMap { notifierKinds.contains($0) ? $0 : nil }

        var id: String?
        if let given = section.string("id") {
            section.context = "[[notify]] \(given.debugDescription)"
            if checkID(given, in: section, kind: "[[notify]]", seen: &seen) { id = given }
        } else if !section.has("id"), let validKind {
            // The default id is the kind, for the one notifier of a kind without an id. Ids
            // name undelivered notifications across reloads, so they never come from the
            // order of the file (inserting a notifier must not rename the others).
            let generated = validKind
            section.context = "[[notify]] \(generated.debugDescription)"
            if let first = seen[generated] {
                section.error(nil, "the [[notify]] on line \(first) is already \(generated.debugDescription); give this one an `id` (e.g. id = \"\(validKind)-oncall\")")
            } else {
                seen[generated] = section.line
                id = generated
            }
        }

        guard let validKind else {
            if let kindName {
                section.error("kind", "\(kindName.debugDescription) is not a notifier kind; use \(ConfigSection.list(notifierKinds, conjunction: "or"))")
            } else if !section.has("kind") {
                section.error(nil, "missing `kind`: one of \(ConfigSection.list(notifierKinds, conjunction: "or"))")
            }
            for entry in section.table.entries where notifyKeys.contains(entry.key) { section.skip(entry.key) }
            section.rejectUnread(known: notifyKeys)
            return nil
        }

        for (key, kinds) in kindKeys where section.has(key) && !kinds.contains(validKind) {
            section.skip(key)
            section.error(key, "`\(key)` applies only to \(ConfigSection.list(kinds)) notifiers, not to \(validKind)")
        }

        var kind: NotifierKind?
        switch validKind {
        case "log":
            kind = .log
        case "exec":
            kind = readCommand(section).map { .exec(command: $0) }
        default:
            if !section.has("url") {
                section.error(nil, "\(validKind) notifiers need `url`, e.g. url = \"http://127.0.0.1:9093\"")
            } else if let url = section.httpURL("url") {
                kind = validKind == "webhook" ? .webhook(url: url) : .alertmanager(url: url)
            }
        }
        let takesHTTP = validKind == "webhook" || validKind == "alertmanager"
        let headers = takesHTTP ? readHeaders(section) : []
        let resend = (validKind == "alertmanager" ? section.duration("resend") : nil) ?? NotifierConfig.defaultResend
        let timeout = section.duration("timeout") ?? NotifierConfig.defaultTimeout
        let giveUpAfter = section.duration("give_up_after") ?? NotifierConfig.defaultGiveUpAfter
        let notifyAcked = section.bool("notify_acked") ?? true
        let severities = readSeverities(section)
        var rules: String?
        if let pattern = section.text("rules") {
            do {
                _ = try Glob(pattern)
                rules = pattern
            } catch {
                section.error("rules", error.message)
            }
        }
        section.rejectUnread(known: notifyKeys)

        guard let id, let kind else { return nil }
        return NotifierConfig(id: id, kind: kind, timeout: timeout, headers: headers, severities: severities,
                              rules: rules, giveUpAfter: giveUpAfter, resend: resend, notifyAcked: notifyAcked,
                              line: section.line)
    }

    private static func readCommand(_ section: ConfigSection) -> [String]? {
        guard section.has("command") else {
            section.error(nil, "exec notifiers need `command`, e.g. command = [\"/usr/local/bin/page-oncall\", \"--team\", \"data\"]")
            return nil
        }
        guard let command = section.stringArray("command") else { return nil }
        guard let program = command.first else {
            section.error("command", "must name a program: an array whose first element is an absolute path")
            return nil
        }
        guard program.hasPrefix("/") else {
            section.error("command", "the program \(program.debugDescription) must be an absolute path (commands run without a shell or PATH)")
            return nil
        }
        return command
    }

    private static func readSeverities(_ section: ConfigSection) -> Set<Severity>? {
        guard let value = section.value("severity") else { return nil }
        let names: [String]
        switch value.kind {
        case .string(let s): names = [s]
        case .array: names = section.stringArray("severity") ?? []
        default:
            section.error("severity", "expected a severity or an array of them, found \(value.kindDescription)")
            return nil
        }
        if case .array(let items) = value.kind, items.isEmpty {
            section.error("severity", "must list at least one severity (or leave it out for all)")
            return nil
        }
        var set: Set<Severity> = []
        for name in names {
            guard let severity = Severity(rawValue: name) else {
                section.error("severity", "\(name.debugDescription) is not a severity; use info, warning or critical")
                return nil
            }
            set.insert(severity)
        }
        return names.isEmpty ? nil : set
    }
}
