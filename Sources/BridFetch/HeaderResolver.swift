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
                value = try secret(.environment(variable), of: header, environment, readFile)
                origin = SecretReference.environment(variable).description
            case .file(let path):
                value = try secret(.file(path), of: header, environment, readFile)
                origin = SecretReference.file(path).description
            }
            if value.contains(where: { $0 == "\r" || $0 == "\n" }) {
                throw HeaderResolutionError(header: header.name, reason: .lineBreak(origin: origin))
            }
            return (name: header.name, value: value)
        }
    }

    /// Secrets are read one way for every part of brid (`SecretReference`); the errors keep
    /// naming the header.
    private static func secret(_ reference: SecretReference, of header: HTTPHeaderValue, _ environment: [String: String],
                               _ readFile: (String) throws -> String) throws -> String {
        do {
            return try reference.resolve(environment: environment, readFile: readFile)
        } catch {
            let reason: HeaderResolutionError.Reason = switch error {
            case .environmentVariableUnset(let name): .environmentVariableUnset(name)
            case .environmentVariableEmpty(let name): .environmentVariableEmpty(name)
            case .fileUnreadable(let path, let text): .fileUnreadable(path: path, error: text)
            case .fileEmpty(let path): .fileEmpty(path)
            }
            throw HeaderResolutionError(header: header.name, reason: reason)
        }
    }
}
