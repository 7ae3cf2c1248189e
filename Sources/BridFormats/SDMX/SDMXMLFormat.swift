import BridCore

/// `format = "sdmx-ml"`: SDMX-ML 2.1 data messages, `GenericData` and
/// `StructureSpecificData` (and their `…TimeSeriesData` variants), read as a stream. See
/// `SDMXMLReader`, `SDMXKeyRule` and Docs/formats/sdmx-ml.md.
public struct SDMXMLFormat: PayloadFormat {
    public static let name = "sdmx-ml"
    public static let options: [String: OptionType] = SDMXKeyRule.options
    public static let ordinalKind = PayloadBuilder.OrdinalKind.record

    /// Components that are attributes in most data structures, left out of a
    /// StructureSpecific series' key unless the source's `attributes` replaces the list.
    /// (`UNIT_MEASURE` is not here: it is a dimension in IMF datasets such as PCPS.)
    public static let defaultAttributes: Set<String> = [
        "UNIT_MULT", "TIME_FORMAT", "DECIMALS", "TITLE", "TITLE_COMPL", "COLLECTION", "BASE_PER", "BASE_YEAR",
        "COMPILATION", "COMMENT", "SOURCE_AGENCY", "SOURCE_PUB", "BREAKS", "NAT_TITLE", "UNIT_INDEX_BASE",
        "UNIT_PRICE_BASE", "EMBARGO_DATE", "CONF_STATUS", "DOM_SER_IDS", "PUBL_ECB", "PUBL_MU", "PUBL_PUBLIC",
        "OBS_STATUS", "OBS_CONF", "OBS_FLAG", "OBS_COM", "OBS_PRE_BREAK",
    ]

    let keyRule: SDMXKeyRule

    public init(settings: FormatSettings) throws {
        keyRule = try SDMXKeyRule(settings: settings)
    }

    /// Components never part of a key: the source's `attributes`, or the default list.
    var attributes: Set<String> { keyRule.attributes ?? Self.defaultAttributes }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        var reader = SDMXMLReader(format: self, scanner: XMLScanner(bytes: bytes), origin: builder.origin)
        try reader.read(into: &builder)
    }
}
