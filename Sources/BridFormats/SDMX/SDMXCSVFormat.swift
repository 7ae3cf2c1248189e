import BridCore

/// `format = "sdmx-csv"`: SDMX-CSV 1.0 (first column `DATAFLOW`) and 2.0 (first column
/// `STRUCTURE`), told apart by the header. See `SDMXCSVLayout` for which column is what and
/// `SDMXKeyRule` for how a row's dimension values become a series key; Docs/formats/sdmx-csv.md
/// for the whole story.
public struct SDMXCSVFormat: PayloadFormat {
    public static let name = "sdmx-csv"
    public static let options: [String: OptionType] = SDMXKeyRule.options.merging(
        ["time_column": .string, "value_column": .string], uniquingKeysWith: { a, _ in a }).merging(LocalText.options, uniquingKeysWith: { a, _ in a })
    public static let ordinalKind = PayloadBuilder.OrdinalKind.line

    let keyRule: SDMXKeyRule
    /// `time_column`; nil for `TIME_PERIOD`.
    let timeColumn: String?
    /// `value_column`; nil for `OBS_VALUE`.
    let valueColumn: String?
    /// `decimal` and `thousands`; nil for the default: plain numbers, or with `;` columns
    /// either a decimal point or a decimal comma, as SDMX-CSV 2.0 allows.
    let numberFormat: NumberFormat?

    public init(settings: FormatSettings) throws {
        keyRule = try SDMXKeyRule(settings: settings)
        _ = try TextEncoding(settings: settings)
        numberFormat = try LocalText.numberFormat(settings)
        for key in ["time_column", "value_column"] where settings.string(key)?.isEmpty == true {
            throw FormatSettingsError(key: key, message: "must name a column")
        }
        timeColumn = settings.string("time_column")
        valueColumn = settings.string("value_column")
        if let timeColumn, timeColumn == (valueColumn ?? "OBS_VALUE") {
            throw FormatSettingsError(key: "time_column", message: "the time and value columns must differ")
        }
        for key in ["time_column", "value_column"] {
            guard let column = settings.string(key) else { continue }
            if keyRule.dimensions?.contains(column) == true {
                throw FormatSettingsError(key: "dimensions", message: "\(column) is the \(key == "time_column" ? "time" : "value") column and cannot be a dimension")
            }
            if keyRule.attributes?.contains(column) == true {
                throw FormatSettingsError(key: "attributes", message: "\(column) is the \(key == "time_column" ? "time" : "value") column and cannot be an attribute")
            }
        }
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        try SDMXCSVReader(format: self).read(bytes, into: &builder)
    }
}
