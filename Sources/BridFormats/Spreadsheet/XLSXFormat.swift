import BridCore

/// `format = "xlsx"`: one sheet of an Office Open XML workbook (`XLSXWorkbook`) read as a
/// table laid out by people (`TableLayout`: `sheet`, `series`, `header_row`, …). Places
/// are cells (`'тыс.тенге'!M9`); a duplicate names its row (`row 20`).
public struct XLSXFormat: ArchiveFormat {
    public static let name = "xlsx"
    public static let options: [String: OptionType] = TableLayout.options
    public static let ordinalKind = PayloadBuilder.OrdinalKind.row
    /// The most one part of a workbook (a sheet's XML, the shared strings) may inflate to,
    /// and less when the source's `max_bytes` is lower (`PayloadBuilder.maxInflatedBytes`):
    /// the sheet being read is inflated into the runtime's temporary storage and mapped.
    public static let maxPartBytes = 1 << 30

    let layout: TableLayout

    public init(settings: FormatSettings) throws {
        layout = try TableLayout(settings: settings)
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let limit = min(Self.maxPartBytes, builder.maxInflatedBytes ?? Self.maxPartBytes)
        let workbook = try XLSXWorkbook(bytes: bytes, origin: builder.origin, limit: limit)
        let sheet = try workbook.sheet(layout.sheet)
        var scan = layout.scan(sheetName: sheet.name)
        try workbook.forEachRow(sheet: layout.sheet, scratch: builder.scratch) { (number, cells) throws(InputError) in
            try scan.row(number, cells, into: &builder)
        }
        try scan.finish(into: &builder)
    }
}
