import BridCore

/// `format = "eurostat-tsv"`: Eurostat's bulk TSV (see `EurostatTSVReader` and
/// Docs/formats/eurostat-tsv.md). Series keys are the row's dimension codes joined by `.`
/// after an optional `series_prefix`, or a `series` template over the dimension names
/// (`"estat.{unit}.{geo}"`).
public struct EurostatTSVFormat: PayloadFormat {
    public static let name = "eurostat-tsv"
    public static let options: [String: OptionType] = ["encoding": .string, "series_prefix": .string]
    public static let ordinalKind = PayloadBuilder.OrdinalKind.line

    let template: SDMXSeriesTemplate?
    let prefix: String

    public init(settings: FormatSettings) throws {
        _ = try TextEncoding(settings: settings)
        template = try settings.seriesTemplate.map { text throws(FormatSettingsError) in try SDMXSeriesTemplate(text) }
        prefix = settings.string("series_prefix") ?? ""
        if template != nil, !prefix.isEmpty {
            throw FormatSettingsError(key: "series_prefix", message: "give either a `series` template or a `series_prefix`, not both")
        }
        if !prefix.isEmpty, let problem = SeriesKey.problem(with: prefix) {
            throw FormatSettingsError(key: "series_prefix", message: problem)
        }
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        try EurostatTSVReader(template: template, prefix: prefix).read(bytes, into: &builder)
    }
}
