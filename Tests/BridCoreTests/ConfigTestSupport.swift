import Testing
@testable import BridCore

/// Formats as the format module would declare them.
let testFormats: FormatCatalog = [
    "csv": ["separator": .string, "header_rows": .integer, "decimal_comma": .bool, "sheet": .stringOrInteger],
    "worldbank-json": [:],
    "json": ["fields": .stringTable, "scale": .float, "keys": .stringArray],
]

let configPath = "/etc/brid/brid.toml"

func parseConfig(_ text: String, path: String = configPath, formats: FormatCatalog = testFormats) -> Result<BridConfig, ConfigErrors> {
    ConfigParser.parse(text: text, path: path, formats: formats)
}

/// The config, or a recorded issue listing the errors.
func config(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> BridConfig {
    switch parseConfig(text) {
    case .success(let config): return config
    case .failure(let errors):
        Issue.record("unexpected config errors:\n\(errors)", sourceLocation: sourceLocation)
        throw errors
    }
}

/// The errors, or none when the config unexpectedly parses.
func configErrors(_ text: String, path: String = configPath) -> [ConfigError] {
    switch parseConfig(text, path: path) {
    case .success: return []
    case .failure(let errors): return errors.errors
    }
}

/// The rendered errors, one string each.
func errorLines(_ text: String, path: String = configPath) -> [String] {
    configErrors(text, path: path).map(\.description)
}

/// A minimal valid url source to hang other tables on.
let oneSource = """
    [[source]]
    id = "wb"
    url = "https://example.org/data"
    format = "worldbank-json"

    """
