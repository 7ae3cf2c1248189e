import BridCore

/// `format = "xls"`: a binary Excel workbook (BIFF8, Excel 97–2003; `BIFF8Workbook`) whose
/// chosen sheet is read as a table laid out by people (`TableLayout`, Docs/formats/xls.md).
public struct XLSFormat: PayloadFormat {
    public static let name = "xls"
    public static let options: [String: OptionType] = TableLayout.options
    /// Ordinals are sheet rows.
    public static let ordinalKind = PayloadBuilder.OrdinalKind.row

    let layout: TableLayout

    public init(settings: FormatSettings) throws {
        layout = try TableLayout(settings: settings)
    }

    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let workbook = try BIFF8Workbook(bytes, origin: builder.origin)
        var scan = layout.scan(sheetName: try workbook.sheet(layout.sheet).name)
        try workbook.forEachRow(sheet: layout.sheet) { (number: Int, cells: [TableCell]) throws(InputError) in
            try scan.row(number, cells, into: &builder)
        }
        try scan.finish(into: &builder)
    }
}
