import BridCore

/// Turns configured headers into the name/value pairs sent, reading secrets at fetch time
/// so a rotated key or token file takes effect without a reload.
public enum HeaderResolver {
    /// Resolves every header; the first that cannot be resolved throws `HeaderResolutionError`.
    ///
    /// - `readFile` returns a file's text; its trailing newline(s) are trimmed.
    public static func resolve(_ headers: [HTTPHeaderValue], environment: [String: String],
                               readFile: (String) throws -> String) throws -> [(name: String, value: String)] {
        try headers.map { header in
            let value: String
            let origin: String
            switch header.value {
            case .literal(let text):
                value = text
                origin = "the config"
            case .environment(let variable):
                guard let text = environment[variable] else {
                    throw HeaderResolutionError(header: header.name, reason: .environmentVariableUnset(variable))
                }
                guard !text.isEmpty else {
                    throw HeaderResolutionError(header: header.name, reason: .environmentVariableEmpty(variable))
                }
                value = text
                origin = "environment variable \(variable)"
            case .file(let path):
                let text: String
                do {
                    text = try readFile(path)
                } catch {
                    throw HeaderResolutionError(header: header.name,
                                                reason: .fileUnreadable(path: path, error: "\(error)"))
                }
                value = trimmingTrailingNewlines(text)
                guard !value.isEmpty else {
                    throw HeaderResolutionError(header: header.name, reason: .fileEmpty(path))
                }
                origin = "file \(path)"
            }
            if value.contains(where: { $0 == "\r" || $0 == "\n" }) {
                throw HeaderResolutionError(header: header.name, reason: .lineBreak(origin: origin))
            }
            return (name: header.name, value: value)
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
