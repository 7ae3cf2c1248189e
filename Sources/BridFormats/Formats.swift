import BridCore

/// The formats brid reads.
public enum Formats {
    /// Every format of this build. Add a new reader here.
    public static let all: [any PayloadFormat.Type] = [
        CSVFormat.self,
        SDMXCSVFormat.self,
        SDMXMLFormat.self,
        JSONRecords.self,
        WorldBankJSON.self,
        FREDJSON.self,
        SDMXJSON.self,
        EurostatTSVFormat.self,
        XLSXFormat.self,
        XLSFormat.self,
    ]

    // Note: `all.map(\.name)` (a key path to a static member through an existential
    // metatype) crashes Swift 6.3's SILGen; closures are used instead.

    /// Format names and their extra keys, for the config parser.
    public static var catalog: FormatCatalog {
        Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.options) })
    }

    /// The reader for a format name configured with `settings`.
    public static func reader(format: String, settings: FormatSettings) -> Result<any PayloadFormat, FormatSettingsError> {
        guard let type = all.first(where: { $0.name == format }) else {
            return .failure(FormatSettingsError(key: "format", message: "unknown format \"\(format)\" (supported: \(all.map { $0.name }.sorted().joined(separator: ", ")))"))
        }
        let made: any PayloadFormat
        do {
            made = try type.init(settings: settings)
        } catch {
            return .failure(error as? FormatSettingsError ?? FormatSettingsError(key: nil, message: "\(error)"))
        }
        return .success(made)
    }

    /// The reader for a configured source.
    public static func reader(for source: SourceConfig) -> Result<any PayloadFormat, FormatSettingsError> {
        reader(format: source.format, settings: FormatSettings(seriesTemplate: source.seriesTemplate, options: source.formatOptions))
    }

    /// The checks only a format can make (its options' values), as config errors naming
    /// the source and key — the second phase of validating a config.
    public static func validate(_ config: BridConfig, file: String) -> [ConfigError] {
        config.sources.compactMap { source -> ConfigError? in
            let context = "[[source]] \"\(source.id)\""
            switch reader(for: source) {
            case let .failure(error):
                return ConfigError(file: file, line: source.line, context: context, key: error.key, message: error.message)
            case let .success(reader):
                guard source.member != nil, reader is any ArchiveFormat else { return nil }
                return ConfigError(file: file, line: source.line, context: context, key: "member",
                                   message: "does not apply to \(source.format): the workbook itself is the zip archive, read whole")
            }
        }
    }
}

/// `format = "csv"`: see `CSVReader`. With a `series` template or `columns` the text is read
/// as a table laid out by people (`CSVTableReader`, `TableLayout`).
public struct CSVFormat: PayloadFormat {
    public static let name = "csv"
    public static let options: [String: OptionType] = LocalText.options.merging(TableLayout.options) { text, _ in text }
    public static let ordinalKind = PayloadBuilder.OrdinalKind.line

    /// `decimal` and `thousands`; nil for plain numbers.
    let numberFormat: NumberFormat?
    /// Table mode: the layout of the table.
    let table: TableLayout?

    public init(settings: FormatSettings) throws {
        _ = try TextEncoding(settings: settings)
        if settings.seriesTemplate != nil || settings.options["columns"] != nil || settings.options["period_column"] != nil {
            if settings.options["sheet"] != nil {
                throw FormatSettingsError(key: "sheet", message: "csv text has no sheets")
            }
            table = try TableLayout(settings: settings)
            numberFormat = nil
            return
        }
        let tableOnly = TableLayout.options.keys.filter { LocalText.options[$0] == nil && settings.options[$0] != nil }.sorted()
        if let key = tableOnly.first {
            throw FormatSettingsError(key: key, message: "applies to csv read as a table: give a `series` template (periods as columns) or `period_column` with `columns` (periods as rows)")
        }
        table = nil
        numberFormat = try LocalText.numberFormat(settings)
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        if let table {
            try CSVTableReader.read(bytes, layout: table, into: &builder)
            return
        }
        if let numberFormat { builder.numberFormat = numberFormat }
        try CSVReader.read(bytes, into: &builder)
    }
}
