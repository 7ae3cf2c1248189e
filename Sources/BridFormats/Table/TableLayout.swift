import BridCore

/// How a table is laid out, as people lay tables out: title rows, a header row, label
/// columns and periods as columns (`series` template), or periods down a column
/// (`period_column` with `columns`). The one layout engine that spreadsheet readers and
/// CSV text in table mode feed with rows of `TableCell` (Docs/formats/tables.md).
public struct TableLayout: Sendable {
    /// The table options every table format accepts (merge into a format's `options`).
    public static let options: [String: OptionType] = [
        "sheet": .stringOrInteger,
        "header_row": .integer,
        "frequency": .string,
        "period_pattern": .string,
        "period_column": .string,
        "columns": .stringTable,
        "rows": .string,
        "start_after": .string,
        "missing": .stringArray,
        "decimal": .string,
        "thousands": .string,
        "keys": .stringTable,
    ]

    /// The default `missing` markers (compared trimmed and case-insensitively).
    public static let defaultMissing = ["-", "x", "…", "...", "..", ":", "n/a"]

    enum Mode: Sendable {
        /// Periods as columns: the key from label columns, one value per period column.
        case periodColumns(series: TableKeyTemplate, headerRow: Int?, frequency: Frequency?)
        /// Periods as rows: the period in one column, listed columns each a series.
        case periodRows(periodColumn: Int, series: [(column: Int, key: String)])
    }

    /// The sheet the source chose (`sheet` option), `.first` when absent.
    public let sheet: SheetChoice
    let mode: Mode
    /// `rows = "4-26"`: only these rows are read.
    let rows: ClosedRange<Int>?
    let startAfter: String?
    /// Lower-cased, trimmed markers of "no observation".
    let missing: Set<String>
    let numberFormat: NumberFormat
    /// Label (collapsed, footnote mark dropped) → the text put into the key.
    let keys: [String: String]
    let periodPattern: String?

    public init(settings: FormatSettings) throws(FormatSettingsError) {
        func fail(_ key: String, _ message: String) -> FormatSettingsError { FormatSettingsError(key: key, message: message) }

        switch settings.stringOrInteger("sheet") {
        case let .string(name)?:
            guard !name.isEmpty else { throw fail("sheet", "must name a sheet or give its number (from 1)") }
            sheet = .name(name)
        case let .integer(n)?:
            guard n >= 1 else { throw fail("sheet", "sheet numbers start at 1") }
            sheet = .number(n)
        default:
            sheet = .first
        }

        if let text = settings.string("period_pattern") {
            _ = try PeriodPattern(text)
            periodPattern = text
        } else {
            periodPattern = nil
        }

        let columns = settings.stringTable("columns")
        let periodColumn = settings.string("period_column")
        if columns != nil || periodColumn != nil {
            if settings.seriesTemplate != nil {
                throw fail("series", "a table with periods as rows names its series in `columns`; `series` does not apply")
            }
            for key in ["header_row", "frequency"] where settings.options[key] != nil {
                throw fail(key, "applies to periods as columns (a `series` template), not to `period_column`")
            }
            guard let periodColumn else { throw fail("columns", "needs `period_column`, the column letter of the periods (e.g. \"A\")") }
            guard let columns, !columns.isEmpty else { throw fail("period_column", "needs `columns`, e.g. { B = \"de.households\" }") }
            guard let period = Self.columnIndex(periodColumn) else { throw fail("period_column", "must be a column letter (A to XFD), not \"\(periodColumn)\"") }
            var series: [(column: Int, key: String)] = []
            for (letters, key) in columns {
                guard let column = Self.columnIndex(letters) else { throw fail("columns", "\"\(letters)\" is not a column letter (A to XFD)") }
                if column == period { throw fail("columns", "\(letters) is the period column") }
                if let problem = SeriesKey.problem(with: key) { throw fail("columns", "\(letters): \(problem)") }
                series.append((column, key))
            }
            series.sort { $0.column < $1.column }
            for (a, b) in zip(series, series.dropFirst()) where a.key == b.key {
                throw fail("columns", "\(ColumnName.letters(a.column)) and \(ColumnName.letters(b.column)) name the same series \"\(a.key)\"")
            }
            mode = .periodRows(periodColumn: period, series: series)
        } else {
            guard let template = settings.seriesTemplate else {
                throw fail("series", "a table needs a `series` template over its label columns (periods as columns, e.g. \"kz.grp.{A}\") or `period_column` with `columns` (periods as rows)")
            }
            let headerRow = settings.integer("header_row")
            if let headerRow, headerRow < 1 { throw fail("header_row", "rows are numbered from 1") }
            var frequency: Frequency?
            if let code = settings.string("frequency") {
                guard let f = Frequency(code: code) else { throw fail("frequency", "must be one of A, Q, M, W, D") }
                frequency = f
            }
            mode = .periodColumns(series: try TableKeyTemplate(template), headerRow: headerRow, frequency: frequency)
        }

        if let text = settings.string("rows") {
            let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int(String($0).trimmingSpaces()) }
            guard bounds.count == 2, let lo = bounds[0], let hi = bounds[1], lo >= 1, lo <= hi else {
                throw fail("rows", "must be a row range such as \"4-26\" (first-last, from 1)")
            }
            rows = lo...hi
            if case let .periodColumns(_, headerRow?, _) = mode, !(lo...hi).contains(headerRow) {
                throw fail("header_row", "row \(headerRow) is outside `rows` (\(text))")
            }
        } else {
            rows = nil
        }
        if let text = settings.string("start_after") {
            let collapsed = TableText.collapsed(text)
            guard !collapsed.isEmpty else { throw fail("start_after", "must not be empty") }
            startAfter = collapsed
        } else {
            startAfter = nil
        }

        let markers = settings.stringArray("missing") ?? Self.defaultMissing
        missing = Set(markers.map { TableText.collapsed($0).lowercased() }.filter { !$0.isEmpty })

        do {
            numberFormat = try NumberFormat(decimal: settings.string("decimal"), thousands: settings.string("thousands") ?? " ")
        } catch {
            throw fail(error.key, error.message)
        }

        var keys: [String: String] = [:]
        for (label, text) in settings.stringTable("keys") ?? [:] {
            let cleaned = TableText.label(label)
            if let problem = SeriesKey.problem(with: TableText.keyText(text)) { throw fail("keys", "\"\(label)\": \(problem)") }
            keys[cleaned] = text
        }
        self.keys = keys
    }

    /// Column letters, upper or lower case.
    static func columnIndex(_ letters: String) -> Int? {
        ColumnName.index(letters.trimmingSpaces())
    }

    /// Starts one table: `sheetName` nil for a text table (places are then `line N, column X`).
    public func scan(sheetName: String?) -> TableScan {
        TableScan(layout: self, sheetName: sheetName)
    }
}
