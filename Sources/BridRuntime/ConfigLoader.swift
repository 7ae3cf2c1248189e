import BridCore
import BridFormats
import BridStore
import Foundation

/// Reads and validates a config file: the one code path of `--check-config`, start-up
/// and reload.
public enum ConfigLoader {
    /// The config at `path`, or every error found in it.
    public static func load(path: String, workingDirectory: String = FileManager.default.currentDirectoryPath) -> Result<BridConfig, ConfigErrors> {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
            return .failure(ConfigErrors([ConfigError(file: path, line: nil, key: nil, message: "the config file \(reason)")]))
        }
        // Decoded by brid, not Foundation (which drops a byte-order mark unasked and names no place).
        switch ConfigText.decode([UInt8](data)) {
        case let .success(text):
            return parse(text: text, path: path, workingDirectory: workingDirectory)
        case let .failure(invalid):
            return .failure(ConfigErrors([ConfigError(file: path, line: invalid.line, column: invalid.column, key: nil,
                                                      message: "the config file is \(invalid)")]))
        }
    }

    /// Parses config text: TOML and the schema first, then what only the formats can check.
    public static func parse(text: String, path: String, workingDirectory: String) -> Result<BridConfig, ConfigErrors> {
        switch ConfigParser.parse(text: text, path: path, formats: Formats.catalog, workingDirectory: workingDirectory) {
        case let .failure(errors):
            return .failure(errors)
        case let .success(config):
            let formatErrors = Formats.validate(config, file: path)
            return formatErrors.isEmpty ? .success(config) : .failure(ConfigErrors(formatErrors))
        }
    }
}

extension BridConfig {
    /// The database file inside the state directory.
    public var databasePath: String { daemon.stateDir + "/brid.sqlite" }

    /// A one-line summary for `--check-config` and the log.
    public var summary: String {
        let urls = sources.filter { if case .url = $0.location { true } else { false } }.count
        return "\(plural(sources.count, "source")) (\(urls) url, \(sources.count - urls) drop), \(plural(series.count, "catalogued series", "catalogued series")), \(plural(alerts.count, "alert rule")), \(plural(notifiers.count, "notifier")); state in \(daemon.stateDir)\(storeSummary)\(httpSummary)"
    }

    private var httpSummary: String {
        guard let http else { return "" }
        return "; http on \(http.listen)\(http.tokens.isEmpty ? "" : " (\(plural(http.tokens.count, "token")))")"
    }

    private var storeSummary: String {
        guard case let .postgresql(store) = store else { return "" }
        return "; store in PostgreSQL (lease \(ConfigDuration.format(store.lease)))"
    }

    /// The catalogue as the store takes it.
    public var catalogue: [SeriesMetadata] {
        series.map { SeriesMetadata(key: $0.key, name: $0.name, unit: $0.unit, frequency: $0.frequency) }
    }
}

/// "1 source", "3 sources".
func plural(_ n: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(n) " + (n == 1 ? singular : pluralForm ?? singular + "s")
}
