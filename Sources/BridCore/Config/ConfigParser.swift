/// Reads and validates brid.toml: TOML syntax first (the first syntax error stops), then
/// every rule of the configuration, collecting all errors before giving up.
public enum ConfigParser {
    /// Parses the text of a configuration file.
    ///
    /// - Parameters:
    ///   - path: the file as named to the user; errors start with it. When relative it is
    ///     resolved against `workingDirectory` for `BridConfig.path` and for relative paths.
    ///   - formats: the formats that exist and the extra `[[source]]` keys each reads.
    public static func parse(text: String, path: String, formats: FormatCatalog,
                             workingDirectory: String = "/") -> Result<BridConfig, ConfigErrors> {
        let document: TOMLTable
        do {
            document = try TOML.parse(text)
        } catch {
            return .failure(ConfigErrors([
                ConfigError(file: path, line: error.line, column: error.column, key: nil, message: error.message),
            ]))
        }
        let diagnostics = ConfigDiagnostics(file: path)
        let absolutePath = ConfigPath.resolve(path, against: workingDirectory)
        let sections = topLevelSections(document, diagnostics)

        let daemon = readDaemon(sections.daemon, folder: ConfigPath.folder(of: absolutePath), diagnostics)
        let store = readStore(sections.store, diagnostics)
        let sources = readSources(sections.tables["source"] ?? [], stateDir: daemon.stateDir, formats: formats, diagnostics)
        let series = readSeriesCatalogue(sections.tables["series"] ?? [], diagnostics)
        let alerts = readAlerts(sections.tables["alert"] ?? [], sourceIDs: sources.ids, diagnostics)
        let notifiers = readNotifiers(sections.tables["notify"] ?? [], diagnostics)
        let http = readHTTP(sections.http, diagnostics)

        guard diagnostics.errors.isEmpty else { return .failure(ConfigErrors(diagnostics.sorted)) }
        return .success(BridConfig(path: absolutePath, daemon: daemon, store: store, sources: sources.configs, series: series,
                                   alerts: alerts, notifiers: notifiers, http: http))
    }

    // MARK: Top level

    private static let arrayTables = ["source", "series", "alert", "notify"]

    /// Plausible names for the top-level tables that are too far from them for spelling suggestions.
    private static let tableAliases = [
        "notifier": "notify", "notifiers": "notify", "notification": "notify", "notifications": "notify",
        "rule": "alert", "rules": "alert", "alerts": "alert", "sources": "source",
        "catalog": "series", "catalogue": "series", "server": "daemon", "brid": "daemon",
        "database": "store", "db": "store", "web": "http", "api": "http", "listener": "http", "metrics": "http", "postgresql": "store", "postgres": "store", "sqlite": "store",
    ]

    private static func shown(_ table: String) -> String {
        singleTables.contains(table) ? "[\(table)]" : "[[\(table)]]"
    }

    private static let singleTables = ["daemon", "store", "http"]

    private struct TopLevel {
        var daemon: (table: TOMLTable, line: Int)?
        var store: (table: TOMLTable, line: Int)?
        var http: (table: TOMLTable, line: Int)?
        var tables: [String: [(table: TOMLTable, line: Int)]] = [:]
    }

    private static func topLevelSections(_ document: TOMLTable, _ diagnostics: ConfigDiagnostics) -> TopLevel {
        var result = TopLevel()
        for entry in document.entries {
            let value = entry.value
            let tables = value.array.flatMap { items in items.allSatisfy { $0.table != nil } ? items : nil }
            switch entry.key {
            case let name where singleTables.contains(name):
                if let t = value.table {
                    switch name {
                    case "daemon": result.daemon = (t, value.line)
                    case "store": result.store = (t, value.line)
                    default: result.http = (t, value.line)
                    }
                } else if tables != nil {
                    diagnostics.add(line: entry.line, context: nil, key: name, "there is one \(name): write [\(name)], not [[\(name)]]")
                } else {
                    diagnostics.add(line: entry.line, context: nil, key: name, "expected the table [\(name)], found \(value.kindDescription)")
                }
            case let name where arrayTables.contains(name):
                if let tables {
                    result.tables[name] = tables.map { ($0.table!, $0.line) }
                } else if value.table != nil {
                    diagnostics.add(line: entry.line, context: nil, key: name, "write [[\(name)]] (one per \(name)), not [\(name)]")
                } else {
                    diagnostics.add(line: entry.line, context: nil, key: name, "expected [[\(name)]] tables, found \(value.kindDescription)")
                }
            default:
                diagnostics.add(line: entry.line, context: nil, key: entry.key, unknownTopLevel(entry))
            }
        }
        return result
    }

    private static func unknownTopLevel(_ entry: TOMLEntry) -> String {
        let isTable = entry.value.table != nil || (entry.value.array?.contains { $0.table != nil } ?? false)
        if !isTable {
            if daemonKeys.contains(entry.key) { return "unknown top-level key; it belongs in [daemon]" }
            let written = entry.value.table != nil ? "[\(entry.key)]" : entry.key
            return "unknown top-level key \(written); brid.toml has the tables [daemon], [store], [http], [[source]], [[series]], [[alert]] and [[notify]]"
        }
        let known = singleTables + arrayTables
        let suggestion = tableAliases[entry.key.lowercased()] ?? KeySuggestion.closest(to: entry.key, among: known)
        let written = entry.value.table != nil ? "[\(entry.key)]" : "[[\(entry.key)]]"
        if let suggestion { return "unknown table \(written); did you mean \(shown(suggestion))?" }
        return "unknown table \(written); brid.toml has [daemon], [store], [http], [[source]], [[series]], [[alert]] and [[notify]]"
    }

    // MARK: [daemon]

    private static let daemonKeys = ["state_dir", "socket", "max_concurrent_fetches", "spill_after", "notification_retention", "max_staged_bytes", "instance"]

    private static func readDaemon(_ found: (table: TOMLTable, line: Int)?, folder: String,
                                   _ diagnostics: ConfigDiagnostics) -> DaemonConfig {
        guard let found else {
            return DaemonConfig()
        }
        let section = ConfigSection(table: found.table, line: found.line, context: "[daemon]", diagnostics: diagnostics)
        let stateDir = section.text("state_dir").map { ConfigPath.resolve($0, against: folder) } ?? DaemonConfig.defaultStateDir
        let socket = section.text("socket").map { ConfigPath.resolve($0, against: folder) } ?? DaemonConfig.defaultSocket
        var fetches = DaemonConfig.defaultMaxConcurrentFetches
        if let n = section.integer("max_concurrent_fetches") {
            if DaemonConfig.maxConcurrentFetchesRange.contains(n) {
                fetches = n
            } else {
                section.error("max_concurrent_fetches", "must be between 1 and 64, not \(n)")
            }
        }
        var spillAfter = DaemonConfig.defaultSpillAfter
        if let n = section.integer("spill_after") {
            if DaemonConfig.spillAfterRange.contains(n) {
                spillAfter = n
            } else {
                section.error("spill_after", "must be between \(DaemonConfig.spillAfterRange.lowerBound) and \(DaemonConfig.spillAfterRange.upperBound) observations, not \(n)")
            }
        }
        var retention = DaemonConfig.defaultNotificationRetention
        if let duration = section.duration("notification_retention") {
            if duration < .seconds(3_600) {
                section.error("notification_retention", "must be at least 1h, not \(ConfigDuration.format(duration)): `status` shows the last given-up delivery until it is pruned")
            } else {
                retention = duration
            }
        }
        var staged = DaemonConfig.defaultMaxStagedBytes
        if let bytes = section.size("max_staged_bytes") {
            if DaemonConfig.maxStagedBytesRange.contains(bytes) {
                staged = bytes
            } else {
                section.error("max_staged_bytes", "must be between 1MB and 16GB, not \(bytes) bytes")
            }
        }
        var instance: String?
        if let name = section.string("instance") {
            if Identifier.isValid(name) && name.utf8.count <= DaemonConfig.maxInstanceLength {
                instance = name
            } else {
                section.error("instance", "\(name.debugDescription) is not a short identifier: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most \(DaemonConfig.maxInstanceLength) characters")
            }
        }
        section.rejectUnread(known: daemonKeys)
        return DaemonConfig(stateDir: stateDir, socket: socket, maxConcurrentFetches: fetches, spillAfter: spillAfter,
                            notificationRetention: retention, maxStagedBytes: staged, instance: instance)
    }

    // MARK: [[series]]

    private static let seriesKeys = ["key", "name", "unit", "frequency", "description"]

    private static func readSeriesCatalogue(_ tables: [(table: TOMLTable, line: Int)],
                                            _ diagnostics: ConfigDiagnostics) -> [SeriesDefinition] {
        var definitions: [SeriesDefinition] = []
        var seen: [String: Int] = [:]
        for (index, found) in tables.enumerated() {
            let section = ConfigSection(table: found.table, line: found.line, context: "[[series]] #\(index + 1)",
                                        diagnostics: diagnostics)
            var key: String?
            if let k = section.string("key") {
                section.context = "[[series]] \(k.debugDescription)"
                if let problem = SeriesKey.problem(with: k) {
                    section.error("key", problem)
                } else if let first = seen[k] {
                    section.error("key", "series \(k.debugDescription) is already in the catalogue on line \(first)")
                } else {
                    seen[k] = found.line
                    key = k
                }
            } else if !section.has("key") {
                section.error(nil, "missing `key`, the series key this entry describes")
            }
            let name = section.text("name")
            let unit = section.text("unit")
            let description = section.text("description")
            var frequency: Frequency?
            if let code = section.string("frequency") {
                frequency = Frequency(code: code)
                if frequency == nil {
                    section.error("frequency", "\(code.debugDescription) is not a frequency; use A, Q, M, W or D")
                }
            }
            section.rejectUnread(known: seriesKeys)
            if let key {
                definitions.append(SeriesDefinition(key: key, name: name, unit: unit, frequency: frequency,
                                                    description: description, line: found.line))
            }
        }
        return definitions
    }

    // MARK: Shared

    /// Checks an id against `Identifier` and against the ids seen so far in its kind.
    static func checkID(_ id: String, in section: ConfigSection, kind: String, seen: inout [String: Int]) -> Bool {
        guard Identifier.isValid(id) else {
            section.error("id", "\(id.debugDescription) is not a valid id; use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64)")
            return false
        }
        if let first = seen[id] {
            section.error("id", "\(id.debugDescription) is already the id of the \(kind) on line \(first)")
            return false
        }
        seen[id] = section.line
        return true
    }

    /// Reads `headers = { Name = "value" | { env = "VAR" } | { file = "/path" } }`.
    static func readHeaders(_ section: ConfigSection) -> [HTTPHeaderValue] {
        guard let value = section.value("headers") else { return [] }
        guard let table = value.table else {
            section.error(line: value.line, key: "headers", "expected a table of headers, found \(value.kindDescription)")
            return []
        }
        var headers: [HTTPHeaderValue] = []
        var seen: Set<String> = []
        for entry in table.entries {
            let key = "headers.\(entry.key)"
            if !isHeaderName(entry.key) {
                section.error(line: entry.line, key: key, "\(entry.key.debugDescription) is not a valid HTTP header name")
                continue
            }
            if !seen.insert(entry.key.lowercased()).inserted {
                section.error(line: entry.line, key: key, "header \(entry.key.debugDescription) is given twice (names ignore case)")
                continue
            }
            switch entry.value.kind {
            case .string(let s):
                if s.contains(where: { $0 == "\r" || $0 == "\n" }) {
                    section.error(line: entry.line, key: key, "a header value cannot contain line breaks")
                } else {
                    headers.append(HTTPHeaderValue(name: entry.key, value: .literal(s)))
                }
            case .table(let t):
                if let source = headerSource(t) {
                    headers.append(HTTPHeaderValue(name: entry.key, value: source))
                } else {
                    section.error(line: entry.line, key: key, "expected a string, { env = \"VARIABLE\" } or { file = \"/absolute/path\" }")
                }
            default:
                section.error(line: entry.line, key: key, "expected a string or a table, found \(entry.value.kindDescription)")
            }
        }
        return headers
    }

    private static func headerSource(_ t: TOMLTable) -> HTTPHeaderValue.Source? {
        switch SecretReference.parse(t) {
        case .environment(let name): .environment(name)
        case .file(let path): .file(path)
        case nil: nil
        }
    }

    /// RFC 9110 token characters.
    private static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { c in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(c))
        }
    }
}
