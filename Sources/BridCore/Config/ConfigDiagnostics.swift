/// Collects every error found while reading one configuration file.
final class ConfigDiagnostics {
    let file: String
    private(set) var errors: [ConfigError] = []

    init(file: String) {
        self.file = file
    }

    func add(line: Int?, context: String?, key: String?, _ message: String) {
        errors.append(ConfigError(file: file, line: line, context: context, key: key, message: message))
    }

    /// Errors in line order; errors on one line keep the order they were found in.
    var sorted: [ConfigError] {
        errors.enumerated().sorted { a, b in
            (a.element.line ?? 0, a.offset) < (b.element.line ?? 0, b.offset)
        }.map(\.element)
    }
}
