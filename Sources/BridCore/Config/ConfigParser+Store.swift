/// `[store]`: SQLite (the default) or a PostgreSQL database.
extension ConfigParser {
    static let storeKeys = ["kind", "url", "password", "lease"]

    static func readStore(_ found: (table: TOMLTable, line: Int)?, _ diagnostics: ConfigDiagnostics) -> StoreConfig {
        guard let found else { return .sqlite }
        let section = ConfigSection(table: found.table, line: found.line, context: "[store]", diagnostics: diagnostics)
        let kind = section.has("kind") ? section.choice("kind", [("sqlite", "sqlite"), ("postgresql", "postgresql")]) : "sqlite"
        guard let kind else {
            storeKeys.forEach(section.skip)
            section.rejectUnread(known: storeKeys)
            return .sqlite
        }
        if kind == "sqlite" {
            for key in ["url", "password", "lease"] where section.has(key) {
                section.skip(key)
                section.error(key, "applies only to kind = \"postgresql\"; the SQLite store is the file brid.sqlite under state_dir")
            }
            section.rejectUnread(known: storeKeys)
            return .sqlite
        }
        var url: String?
        if let text = section.text("url") {
            // The value itself is never repeated in a message: it may hold a password.
            if let problem = ConnectionString.problem(with: text) {
                section.error("url", problem)
            } else {
                url = text
            }
        } else if !section.has("url") {
            section.error(nil, "kind = \"postgresql\" needs url, a libpq URI or key=value string, e.g. url = \"postgresql://brid@db.example/brid?sslmode=verify-full\"")
        }
        let password = readPassword(section)
        var lease = StoreConfig.defaultLease
        if let duration = section.duration("lease") {
            if duration < StoreConfig.minimumLease {
                section.error("lease", "must be at least \(ConfigDuration.format(StoreConfig.minimumLease)), not \(ConfigDuration.format(duration)): a shorter claim would pass a source to another instance while the first is still checking it")
            } else {
                lease = duration
            }
        }
        section.rejectUnread(known: storeKeys)
        guard let url else { return .sqlite }
        return .postgresql(PostgreSQLStore(url: url, password: password, lease: lease))
    }

    /// `password = { env = "VARIABLE" }` or `{ file = "/absolute/path" }`; a plain string is
    /// refused (and never repeated).
    private static func readPassword(_ section: ConfigSection) -> SecretReference? {
        guard let value = section.value("password") else { return nil }
        let hint = "expected { env = \"VARIABLE\" } or { file = \"/absolute/path\" }"
        switch value.kind {
        case .string:
            section.error(line: value.line, key: "password", "is written in the config; \(hint), so the password is never in a file that is shown or logged")
        case .table(let table):
            if let reference = SecretReference.parse(table) { return reference }
            section.error(line: value.line, key: "password", hint)
        default:
            section.error(line: value.line, key: "password", "\(hint), found \(value.kindDescription)")
        }
        return nil
    }
}

/// `[http]`: the read-only HTTP listener.
extension ConfigParser {
    static let httpKeys = ["listen", "tokens"]

    static func readHTTP(_ found: (table: TOMLTable, line: Int)?, _ diagnostics: ConfigDiagnostics) -> HTTPConfig? {
        guard let found else { return nil }
        let section = ConfigSection(table: found.table, line: found.line, context: "[http]", diagnostics: diagnostics)
        var listen: ListenAddress?
        if let text = section.text("listen") {
            switch ListenAddress.parse(text) {
            case .success(let address): listen = address
            case .failure(let error): section.error("listen", "\(error)")
            }
        } else if !section.has("listen") {
            section.error(nil, "needs listen, the address to serve on, e.g. listen = \"127.0.0.1:8089\" (leave [http] out to serve nothing)")
        }
        let tokens = readTokens(section)
        section.rejectUnread(known: httpKeys)
        guard let listen, let tokens else { return nil }
        if tokens.isEmpty && !listen.isLoopback {
            section.error("listen", "\(listen) can be reached from other machines, so [http] needs tokens = [{ env = \"BRID_HTTP_TOKEN\" }] (or { file = \"/path\" }); only a loopback address may serve without one")
            return nil
        }
        return HTTPConfig(listen: listen, tokens: tokens)
    }

    /// `tokens = [{ env = "VARIABLE" }, { file = "/absolute/path" }]`; nil after an error.
    private static func readTokens(_ section: ConfigSection) -> [SecretReference]? {
        guard let value = section.value("tokens") else { return [] }
        let hint = "expected a list of { env = \"VARIABLE\" } or { file = \"/absolute/path\" }"
        guard let items = value.array else {
            section.error(line: value.line, key: "tokens", "\(hint), found \(value.kindDescription)")
            return nil
        }
        var tokens: [SecretReference] = []
        var failed = false
        for item in items {
            switch item.kind {
            case .string:
                section.error(line: item.line, key: "tokens", "a token is written in the config; \(hint), so it is never in a file that is shown or logged")
                failed = true
            case .table(let table):
                if let reference = SecretReference.parse(table) { tokens.append(reference) } else {
                    section.error(line: item.line, key: "tokens", hint)
                    failed = true
                }
            default:
                section.error(line: item.line, key: "tokens", "\(hint), found \(item.kindDescription)")
                failed = true
            }
        }
        return failed ? nil : tokens
    }
}
