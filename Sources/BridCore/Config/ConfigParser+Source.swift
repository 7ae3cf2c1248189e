extension ConfigParser {
    static let sourceKeys = [
        "id", "name", "url", "drop", "format", "every", "cron", "timeout", "connect_timeout", "max_bytes",
        "series", "mode", "headers", "member",
    ]

    static func readSources(_ tables: [(table: TOMLTable, line: Int)], stateDir: String, formats: FormatCatalog,
                            _ diagnostics: ConfigDiagnostics) -> (configs: [SourceConfig], ids: Set<String>) {
        var configs: [SourceConfig] = []
        var seen: [String: Int] = [:]
        for (index, found) in tables.enumerated() {
            let section = ConfigSection(table: found.table, line: found.line, context: "[[source]] #\(index + 1)",
                                        diagnostics: diagnostics)
            if let source = readSource(section, stateDir: stateDir, formats: formats, seen: &seen) {
                configs.append(source)
            }
        }
        return (configs, Set(seen.keys))
    }

    private static func readSource(_ section: ConfigSection, stateDir: String, formats: FormatCatalog,
                                   seen: inout [String: Int]) -> SourceConfig? {
        var id: String?
        if let given = section.string("id") {
            section.context = "[[source]] \(given.debugDescription)"
            if checkID(given, in: section, kind: "[[source]]", seen: &seen) { id = given }
        } else if !section.has("id") {
            section.error(nil, "missing `id`, e.g. id = \"wb-kaz-exports\"")
        }
        let name = section.text("name")

        // Where from: exactly one of url and drop.
        var location: SourceLocation?
        let url = section.httpURL("url")
        let drop = section.text("drop")
        if section.has("url") && section.has("drop") {
            section.error("drop", "a source has either `url` (fetched) or `drop` (a watched folder), not both")
        } else if !section.has("url") && !section.has("drop") {
            section.error(nil, "missing `url` or `drop`: say where the data comes from")
        } else if let url {
            location = .url(url)
        } else if let drop {
            location = .drop(ConfigPath.resolve(drop, against: stateDir))
        }
        let isDrop = section.has("drop") && !section.has("url")

        let format = readFormat(section, formats: formats)
        let schedule = readSchedule(section, isDrop: isDrop)
        let timeout = section.duration("timeout") ?? SourceConfig.defaultTimeout
        let connectTimeout = section.duration("connect_timeout") ?? SourceConfig.defaultConnectTimeout
        let maxBytes = section.size("max_bytes") ?? (isDrop ? SourceConfig.defaultDropMaxBytes : SourceConfig.defaultMaxBytes)
        let seriesTemplate = section.text("series")
        let member = readMember(section)
        let mode = section.choice("mode", IngestMode.allCases.map { ($0.rawValue, $0) }) ?? .append
        var headers: [HTTPHeaderValue] = []
        if isDrop && section.has("headers") {
            section.skip("headers")
            section.error("headers", "headers apply only to url sources")
        } else {
            headers = readHeaders(section)
        }

        // Everything else belongs to the format.
        var options: [String: FormatOption] = [:]
        if let format, let declared = formats[format] {
            for entry in section.table.entries where !sourceKeys.contains(entry.key) {
                guard let type = declared[entry.key] else { continue }
                if let option = readOption(entry.key, type: type, section) { options[entry.key] = option }
            }
            section.rejectUnread(known: sourceKeys + declared.keys.sorted())
        } else {
            // Without a known format the other keys cannot be checked; the format error says enough.
            for entry in section.table.entries where !sourceKeys.contains(entry.key) { section.skip(entry.key) }
            section.rejectUnread(known: sourceKeys)
        }

        guard let id, let location, let format else { return nil }
        return SourceConfig(id: id, location: location, format: format, schedule: schedule ?? nil, timeout: timeout,
                            connectTimeout: connectTimeout, maxBytes: maxBytes, seriesTemplate: seriesTemplate,
                            mode: mode, headers: headers, name: name, formatOptions: options, member: member, line: section.line)
    }

    /// `member = "API_*.csv"`: which member of a zip payload is read (a glob over member names).
    private static func readMember(_ section: ConfigSection) -> String? {
        guard let member = section.text("member") else { return nil }
        do {
            _ = try Glob(member)
            return member
        } catch {
            section.error("member", error.message)
            return nil
        }
    }

    private static func readFormat(_ section: ConfigSection, formats: FormatCatalog) -> String? {
        let supported = ConfigSection.list(formats.keys.sorted())
        guard let format = section.string("format") else {
            if !section.has("format") { section.error(nil, "missing `format`; supported: \(supported)") }
            return nil
        }
        guard formats[format] != nil else {
            var message = "unknown format \(format.debugDescription); supported: \(supported)"
            if let close = KeySuggestion.closest(to: format, among: formats.keys.sorted()) {
                message = "unknown format \(format.debugDescription); did you mean \(close.debugDescription)? Supported: \(supported)"
            }
            section.error("format", message)
            return nil
        }
        return format
    }

    /// nil when the schedule is in error; `.some(nil)` for drop sources, which are not scheduled.
    private static func readSchedule(_ section: ConfigSection, isDrop: Bool) -> Schedule?? {
        if isDrop {
            for key in ["every", "cron"] where section.has(key) {
                section.skip(key)
                section.error(key, "drop sources are watched, not scheduled; remove `\(key)`")
            }
            return .some(nil)
        }
        if section.has("every") && section.has("cron") {
            section.skip("every")
            section.skip("cron")
            section.error("cron", "give either `every` or `cron`, not both")
            return nil
        }
        if section.has("every") {
            return section.duration("every").map { .some(.every($0)) }
        }
        if let text = section.string("cron") {
            do {
                return .some(.cron(try CronExpression(text)))
            } catch {
                section.error("cron", error.message)
                return nil
            }
        }
        return section.has("cron") ? nil : .some(SourceConfig.defaultSchedule)
    }

    private static func readOption(_ key: String, type: OptionType, _ section: ConfigSection) -> FormatOption? {
        switch type {
        case .string: section.string(key).map(FormatOption.string)
        case .integer: section.integer(key).map(FormatOption.integer)
        case .float: section.number(key).map(FormatOption.float)
        case .bool: section.bool(key).map(FormatOption.bool)
        case .stringArray: section.stringArray(key).map(FormatOption.stringArray)
        case .stringTable: section.stringTable(key).map(FormatOption.stringTable)
        case .stringOrInteger: section.stringOrInteger(key)
        }
    }
}
