/// Reads the keys of one table of the configuration (`[daemon]`, one `[[source]]`, …),
/// reporting wrong types and remembering which keys were read so the rest can be
/// reported as unknown.
final class ConfigSection {
    let table: TOMLTable
    /// Line of the table's header.
    let line: Int
    /// How errors name the section, e.g. `[[source]] "wb-kaz-exports"`.
    var context: String
    private let diagnostics: ConfigDiagnostics
    private var used: Set<String> = []

    init(table: TOMLTable, line: Int, context: String, diagnostics: ConfigDiagnostics) {
        self.table = table
        self.line = line
        self.context = context
        self.diagnostics = diagnostics
    }

    // MARK: Reporting

    /// Reports a problem with `key` on its line (or on the header line when the key is absent).
    func error(_ key: String?, _ message: String) {
        diagnostics.add(line: key.flatMap { table.entry($0)?.line } ?? line, context: context, key: key, message)
    }

    func error(line: Int, key: String?, _ message: String) {
        diagnostics.add(line: line, context: context, key: key, message)
    }

    func has(_ key: String) -> Bool { table.entry(key) != nil }

    /// Marks `key` as read and returns its value.
    func value(_ key: String) -> TOMLValue? {
        used.insert(key)
        return table[key]
    }

    /// Marks `key` as understood without reading it (when another error makes it moot).
    func skip(_ key: String) { used.insert(key) }

    /// Reports every key that was not read, suggesting the closest known one.
    func rejectUnread(known: some Sequence<String>) {
        let known = Array(known)
        for entry in table.entries where !used.contains(entry.key) {
            var message = "unknown key"
            if let suggestion = KeySuggestion.closest(to: entry.key, among: known) {
                message += "; did you mean `\(suggestion)`?"
            }
            error(line: entry.line, key: entry.key, message)
        }
    }

    // MARK: Typed reads; a wrong type is reported and reads as nil

    private func wrongType(_ key: String, _ value: TOMLValue, expected: String) {
        error(line: value.line, key: key, "expected \(expected), found \(value.kindDescription)")
    }

    func string(_ key: String) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v.kind else { wrongType(key, v, expected: "a string"); return nil }
        return s
    }

    /// A string that must not be empty.
    func text(_ key: String) -> String? {
        guard let s = string(key) else { return nil }
        if s.isEmpty { error(key, "must not be empty"); return nil }
        return s
    }

    func integer(_ key: String) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v.kind else { wrongType(key, v, expected: "an integer"); return nil }
        return Int(i)
    }

    /// A finite number; integers are accepted.
    func number(_ key: String) -> Double? {
        guard let v = value(key) else { return nil }
        switch v.kind {
        case .integer(let i): return Double(i)
        case .float(let d) where d.isFinite: return d
        case .float(let d): error(line: v.line, key: key, "must be a finite number, not \(d.isNaN ? "nan" : d > 0 ? "inf" : "-inf")"); return nil
        default: wrongType(key, v, expected: "a number"); return nil
        }
    }

    /// A string or an integer, as the option value it is.
    func stringOrInteger(_ key: String) -> FormatOption? {
        guard let v = value(key) else { return nil }
        switch v.kind {
        case .string(let s): return .string(s)
        case .integer(let i): return .integer(Int(i))
        default: wrongType(key, v, expected: "a string or an integer"); return nil
        }
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v.kind else { wrongType(key, v, expected: "true or false"); return nil }
        return b
    }

    func stringArray(_ key: String) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v.kind else { wrongType(key, v, expected: "an array of strings"); return nil }
        var strings: [String] = []
        for item in items {
            guard case .string(let s) = item.kind else {
                error(line: item.line, key: key, "expected an array of strings, found \(item.kindDescription) in it")
                return nil
            }
            strings.append(s)
        }
        return strings
    }

    func stringTable(_ key: String) -> [String: String]? {
        guard let v = value(key) else { return nil }
        guard case .table(let t) = v.kind else { wrongType(key, v, expected: "a table of strings"); return nil }
        var result: [String: String] = [:]
        for entry in t.entries {
            guard case .string(let s) = entry.value.kind else {
                error(line: entry.line, key: "\(key).\(entry.key)", "expected a string, found \(entry.value.kindDescription)")
                return nil
            }
            result[entry.key] = s
        }
        return result
    }

    /// A positive duration such as `"6h"`.
    func duration(_ key: String) -> Duration? {
        guard let s = string(key) else { return nil }
        do {
            let duration = try ConfigDuration.parse(s)
            guard duration > .zero else { error(key, "must be longer than zero"); return nil }
            return duration
        } catch {
            self.error(key, error.message)
            return nil
        }
    }

    /// A positive size such as `"20MB"`.
    func size(_ key: String) -> Int? {
        guard let s = string(key) else { return nil }
        do {
            let bytes = try ByteSize.parse(s)
            guard bytes > 0 else { error(key, "must be larger than zero"); return nil }
            return bytes
        } catch {
            self.error(key, error.message)
            return nil
        }
    }

    /// One of a fixed set of spellings.
    func choice<T>(_ key: String, _ choices: [(String, T)]) -> T? {
        guard let s = string(key) else { return nil }
        if let match = choices.first(where: { $0.0 == s }) { return match.1 }
        error(key, "\(s.debugDescription) is not one of \(ConfigSection.list(choices.map { $0.0.debugDescription }, conjunction: "or"))")
        return nil
    }

    /// An http:// or https:// URL with a host.
    func httpURL(_ key: String) -> String? {
        guard let s = string(key) else { return nil }
        guard ConfigSection.isHTTPURL(s) else {
            error(key, "\(s.debugDescription) is not an http:// or https:// URL")
            return nil
        }
        return s
    }

    static func isHTTPURL(_ s: String) -> Bool {
        let lower = s.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = s.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = s.dropFirst(8)
        } else {
            return false
        }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !host.isEmpty && !s.contains(where: { $0.isWhitespace })
    }

    /// `a`, `a or b`, `a, b or c`.
    static func list(_ items: [String], conjunction: String = "and") -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }
}
