/// Where a secret (a header's token, the store's password) is read from: never the config
/// file itself. Read at the moment it is needed, so a rotated secret takes effect without
/// a reload; only the reference is ever shown, never the value.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    /// `{ env = "BRID_PG_PASSWORD" }`
    case environment(String)
    /// `{ file = "/etc/brid/pg-password" }` (trailing newlines trimmed).
    case file(String)

    /// "environment variable X" / "file /path".
    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }

    /// The secret's value, or why there is none.
    ///
    /// - `readFile` returns a file's text (the runtime's file reader); its trailing newlines are trimmed.
    public func resolve(environment: [String: String], readFile: (String) throws -> String) throws(SecretResolutionError) -> String {
        switch self {
        case .environment(let variable):
            guard let text = environment[variable] else { throw .environmentVariableUnset(variable) }
            guard !text.isEmpty else { throw .environmentVariableEmpty(variable) }
            return text
        case .file(let path):
            let text: String
            do {
                text = try readFile(path)
            } catch {
                throw .fileUnreadable(path: path, error: "\(error)")
            }
            let value = Self.trimmingTrailingNewlines(text)
            guard !value.isEmpty else { throw .fileEmpty(path) }
            return value
        }
    }

    /// Reads `{ env = "VARIABLE" }` or `{ file = "/absolute/path" }`; nil for anything else.
    static func parse(_ table: TOMLTable) -> SecretReference? {
        guard table.entries.count == 1, let entry = table.entries.first, let s = entry.value.string else { return nil }
        switch entry.key {
        case "env":
            let valid = !s.isEmpty && s.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            return valid ? .environment(s) : nil
        case "file":
            return s.hasPrefix("/") ? .file(ConfigPath.normalize(s)) : nil
        default:
            return nil
        }
    }

    private static func trimmingTrailingNewlines(_ text: String) -> String {
        var end = text.endIndex
        // "\r\n" is a single Character in Swift, so this covers both line-ending styles.
        while end > text.startIndex, text[text.index(before: end)].isNewline {
            end = text.index(before: end)
        }
        return String(text[..<end])
    }
}

/// Why a secret could not be read: names where it was to come from, never a value.
public enum SecretResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    case environmentVariableUnset(String)
    case environmentVariableEmpty(String)
    /// The file could not be read (path, the reader's error text).
    case fileUnreadable(path: String, error: String)
    /// The file is empty (after trimming the trailing newline).
    case fileEmpty(String)

    public var description: String {
        switch self {
        case .environmentVariableUnset(let name): "environment variable \(name) is not set"
        case .environmentVariableEmpty(let name): "environment variable \(name) is empty"
        case .fileUnreadable(let path, let error): "cannot read \(path): \(error)"
        case .fileEmpty(let path): "file \(path) is empty"
        }
    }
}
