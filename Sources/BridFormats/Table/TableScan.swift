import BridCore

/// One table being read row by row with a `TableLayout`: finds the header (or the run of
/// period rows), skips title, footnote and empty rows, and adds each value to a builder.
public struct TableScan {
    let layout: TableLayout
    let sheetName: String?
    let pattern: PeriodPattern?
    /// `start_after` has been seen (or is not given).
    var started: Bool
    var header: Header?
    var dataRows = 0
    var run = Run.before

    /// A found header row (periods as columns).
    struct Header {
        let row: Int
        /// The period columns kept (`frequency`), left to right.
        let periods: [(column: Int, period: TablePeriod)]
        /// The key template with header names resolved to columns.
        let key: [Part]
        /// The columns the key reads labels from.
        let labelColumns: [Int]
        /// The header's text in the first period column (a row repeating it is another table).
        let firstPeriodText: String?
    }

    enum Part { case literal(String), column(Int), frequency }

    /// Where a table with periods as rows is.
    enum Run { case before, inside, ended(row: Int, text: String) }

    init(layout: TableLayout, sheetName: String?) {
        self.layout = layout
        self.sheetName = sheetName
        // Compiled and checked when the layout was made.
        pattern = layout.periodPattern.flatMap { try? PeriodPattern($0) }
        started = layout.startAfter == nil
    }

    /// One row, 1-based `number` (the spreadsheet row or the text line), cells by 0-based column
    /// (may be shorter than the widest row; trailing empties may be absent). Rows may be skipped
    /// by the caller only if wholly empty.
    public mutating func row(_ number: Int, _ cells: [TableCell], into builder: inout PayloadBuilder) throws(InputError) {
        if let rows = layout.rows, !rows.contains(number) { return }
        guard cells.contains(where: { !Self.isEmpty($0) }) else { return }
        if !started {
            if let first = cells.first(where: { !Self.isEmpty($0) })?.label, TableText.collapsed(first) == layout.startAfter {
                started = true
            }
            return
        }
        switch layout.mode {
        case let .periodColumns(series, headerRow, frequency):
            if let header {
                try dataRow(number, cells, header: header, into: &builder)
            } else {
                try readHeader(number, cells, template: series, given: headerRow, frequency: frequency, builder: builder)
            }
        case let .periodRows(periodColumn, series):
            try periodRow(number, cells, periodColumn: periodColumn, series: series, into: &builder)
        }
    }

    /// After the last row: errors a table leaves at its end (no header found, no data row...).
    public mutating func finish(into builder: inout PayloadBuilder) throws(InputError) {
        let first = layout.rows?.lowerBound ?? 1
        if !started, let text = layout.startAfter {
            throw error(builder, 0, first, "no row starts with \(Excerpt(quoted: text)) (`start_after`)\(rangeNote)")
        }
        switch layout.mode {
        case let .periodColumns(_, headerRow, _):
            guard let header else {
                if let headerRow {
                    throw error(builder, 0, headerRow, "header_row \(headerRow) is empty\(rangeNote)")
                }
                throw error(builder, 0, first, "no header row found: no row\(rangeNote) has two cells that read as periods (such as 2019, 2019年, 2008 год, I квартал 2008 года, 2018Q1, 2018-01); give `header_row`, or a `period_pattern` for headers written otherwise")
            }
            if dataRows == 0 {
                throw error(builder, header.labelColumns.first ?? 0, header.row, "the table has no data row after its header (row \(header.row)): no row below it has labels and a value")
            }
        case let .periodRows(periodColumn, _):
            if case .before = run {
                throw error(builder, periodColumn, first, "no row\(rangeNote) has a period in column \(ColumnName.letters(periodColumn)) (`period_column`); give a `period_pattern` for periods written otherwise")
            }
            if dataRows == 0 {
                throw error(builder, periodColumn, first, "no row with a period in column \(ColumnName.letters(periodColumn)) has a value in the `columns`")
            }
        }
    }

    // MARK: - Periods as columns

    private mutating func readHeader(_ number: Int, _ cells: [TableCell], template: TableKeyTemplate, given: Int?,
                                    frequency: Frequency?, builder: PayloadBuilder) throws(InputError) {
        if let given {
            if number < given { return }
            if number > given { throw error(builder, 0, given, "header_row \(given) is empty") }
        }
        var all: [(column: Int, period: TablePeriod)] = []
        for (column, cell) in cells.enumerated() {
            if let period = TablePeriodReader.read(cell, pattern: pattern) { all.append((column, period)) }
        }
        if given == nil, all.count < 2 { return }
        guard !all.isEmpty else {
            throw error(builder, 0, number, "header_row \(number) has no cell that reads as a period (such as 2019, 2019年, 2008 год, 2018Q1); give a `period_pattern` for headers written otherwise")
        }
        let kept = frequency.map { f in all.filter { $0.period.frequency == f } } ?? all
        guard let firstKept = kept.first else {
            let found = Set(all.map(\.period.frequency.code)).sorted().joined(separator: ", ")
            throw error(builder, all[0].column, number, "no header cell of row \(number) reads as a period of frequency \(frequency!.code) (`frequency`); found \(found)")
        }
        if !template.usesFrequency, frequency == nil,
           let other = kept.first(where: { $0.period.frequency != firstKept.period.frequency }) {
            throw error(builder, other.column, number, "the header holds two frequencies for one series key: \(cellName(firstKept.column, number)) reads as \(firstKept.period.text) (\(Self.frequencyName(firstKept.period.frequency))) and \(cellName(other.column, number)) as \(other.period.text) (\(Self.frequencyName(other.period.frequency))); keep one with `frequency = \"\(firstKept.period.frequency.code)\"`, or put {frequency} in the series template")
        }
        var seen: [String: Int] = [:]
        for (column, period) in kept {
            if let earlier = seen[period.text] {
                throw error(builder, column, number, "\(cellName(earlier, number)) and \(cellName(column, number)) both read as period \(period.text)")
            }
            seen[period.text] = column
        }
        let periodColumns = Set(all.map(\.column))
        var parts: [Part] = []
        var labelColumns: [Int] = []
        for part in template.parts {
            switch part {
            case let .literal(text): parts.append(.literal(text))
            case .frequency: parts.append(.frequency)
            case let .column(column):
                if periodColumns.contains(column) {
                    throw error(builder, column, number, "the series template names {\(ColumnName.letters(column))}, but its header reads as a period: a label column is needed")
                }
                parts.append(.column(column))
                labelColumns.append(column)
            case let .header(name):
                let wanted = TableText.collapsed(name)
                let matches = cells.indices.filter { cells[$0].label.map(TableText.collapsed) == wanted }
                guard let column = matches.first else {
                    let names = cells.compactMap { $0.label.map(TableText.collapsed) }.filter { !$0.isEmpty }.prefix(8)
                    throw error(builder, 0, number, "the series template names {\(name)}, which is no header of row \(number) (headers: \(names.joined(separator: ", "))…)")
                }
                if matches.count > 1 {
                    throw error(builder, matches[1], number, "the series template names {\(name)}, which heads both \(cellName(matches[0], number)) and \(cellName(matches[1], number)); use the column letter instead")
                }
                if periodColumns.contains(column) {
                    throw error(builder, column, number, "the series template names {\(name)}, which reads as a period: a label column is needed")
                }
                parts.append(.column(column))
                labelColumns.append(column)
            }
        }
        // Each series' values together within a row (a streamed payload stays grouped).
        let order = kept.map(\.period.frequency).reduce(into: [Frequency]()) { if !$0.contains($1) { $0.append($1) } }
        let grouped = order.flatMap { f in kept.filter { $0.period.frequency == f } }
        header = Header(row: number, periods: grouped, key: parts, labelColumns: labelColumns,
                        firstPeriodText: Self.cell(cells, firstKept.column).label)
    }

    private mutating func dataRow(_ number: Int, _ cells: [TableCell], header: Header, into builder: inout PayloadBuilder) throws(InputError) {
        try checkNotAnotherHeader(number, cells, header: header, builder: builder)
        // Labels all empty: a units line, a separator, a footnote outside the label columns.
        guard header.labelColumns.contains(where: { !Self.isEmpty(Self.cell(cells, $0)) }) else { return }
        var values: [String?] = []
        values.reserveCapacity(header.periods.count)
        var any = false
        for (column, _) in header.periods {
            let value = try value(Self.cell(cells, column), column, number, builder)
            any = any || value != nil
            values.append(value)
        }
        // No value at all: a region created later, a footnote row.
        guard any else { return }
        dataRows += 1
        var keys: [Frequency: String] = [:]
        for (i, (column, period)) in header.periods.enumerated() {
            let key: String
            if let known = keys[period.frequency] {
                key = known
            } else {
                key = try seriesKey(header, cells, number, frequency: period.frequency, builder)
                keys[period.frequency] = key
            }
            try builder.add(series: key, period: period.text, value: values[i], ordinal: Int32(clamping: number),
                            place: .cell(sheet: sheetName, column: column, row: number))
        }
    }

    /// A row repeating the header's periods starts another table stacked below: an error,
    /// never data read under the wrong header.
    private func checkNotAnotherHeader(_ number: Int, _ cells: [TableCell], header: Header, builder: PayloadBuilder) throws(InputError) {
        guard let first = header.periods.first, let text = header.firstPeriodText,
              Self.cell(cells, first.column).label == text, header.periods.count >= 2 else { return }
        let repeated = header.periods.prefix(2).allSatisfy { TablePeriodReader.read(Self.cell(cells, $0.column), pattern: pattern) == $0.period }
        guard repeated else { return }
        throw error(builder, first.column, number, "row \(number) repeats the header of row \(header.row): another table starts here; pick one with `rows` or `start_after`")
    }

    private func seriesKey(_ header: Header, _ cells: [TableCell], _ number: Int, frequency: Frequency, _ builder: PayloadBuilder) throws(InputError) -> String {
        var key = ""
        for part in header.key {
            switch part {
            case let .literal(text): key += text
            case .frequency: key += frequency.code
            case let .column(column):
                let label = TableText.label(Self.cell(cells, column).label ?? "")
                if label.isEmpty {
                    throw error(builder, column, number, "the label in column \(ColumnName.letters(column)) is empty, and the series key needs it")
                }
                key += TableText.keyText(layout.keys[label] ?? label)
            }
        }
        if let problem = SeriesKey.problem(with: key) {
            throw error(builder, header.labelColumns.first ?? 0, number, "\(problem) (map the label to a key with `keys`)")
        }
        return key
    }

    // MARK: - Periods as rows

    private mutating func periodRow(_ number: Int, _ cells: [TableCell], periodColumn: Int,
                                    series: [(column: Int, key: String)], into builder: inout PayloadBuilder) throws(InputError) {
        let periodCell = Self.cell(cells, periodColumn)
        let period = TablePeriodReader.read(periodCell, pattern: pattern)
        switch run {
        case .before:
            guard period != nil else { return }  // titles and header rows above the table
            run = .inside
        case .inside:
            guard period != nil else {
                run = .ended(row: number, text: periodCell.label.map(TableText.collapsed) ?? "")
                return
            }
        case let .ended(row, text):
            guard let period else { return }  // footnotes below the table
            throw error(builder, periodColumn, number, "reads as period \(period.text), but the table's run of period rows ended at \(cellName(periodColumn, row)) (\(Excerpt(quoted: text))): a broken table; fix it, or pick rows with `rows`")
        }
        guard let period else { return }
        var values: [String?] = []
        var any = false
        for (column, _) in series {
            let value = try value(Self.cell(cells, column), column, number, builder)
            any = any || value != nil
            values.append(value)
        }
        guard any else { return }
        dataRows += 1
        for (i, (column, key)) in series.enumerated() {
            try builder.add(series: key, period: period.text, value: values[i], ordinal: Int32(clamping: number),
                            place: .cell(sheet: sheetName, column: column, row: number))
        }
    }

    // MARK: - Cells

    /// The value text of a cell in a value position, nil for no observation.
    private func value(_ cell: TableCell, _ column: Int, _ row: Int, _ builder: PayloadBuilder) throws(InputError) -> String? {
        switch cell {
        case .empty:
            return nil
        case let .number(text):
            return text
        case let .date(day):
            throw error(builder, column, row, "the cell holds a date (\(day)), not a value")
        case let .error(code):
            throw error(builder, column, row, "the cell holds the error \(Excerpt(code)), not a value")
        case let .text(raw):
            let text = TableText.collapsed(raw)
            if text.isEmpty || layout.missing.contains(text.lowercased()) { return nil }
            let plain: String
            switch layout.numberFormat.plainText(text) {
            case let .success(converted): plain = converted
            case let .failure(problem): throw error(builder, column, row, "\(problem)\(missingNote(problem))")
            }
            switch ObservationValue.parse(plain) {
            case let .success(value): return value
            case let .failure(problem): throw error(builder, column, row, "value \(Excerpt(quoted: text)) \(problem.reason)\(missingNote(problem))")
            }
        }
    }

    private func missingNote(_ problem: ValueError) -> String {
        problem.reason == "is not a number" ? " (a marker of no value? list it in `missing`)" : ""
    }

    static func cell(_ cells: [TableCell], _ column: Int) -> TableCell {
        column < cells.count ? cells[column] : .empty
    }

    static func isEmpty(_ cell: TableCell) -> Bool {
        switch cell {
        case .empty: true
        case let .text(s): s.allSatisfy(\.isWhitespace)
        default: false
        }
    }

    static func frequencyName(_ f: Frequency) -> String {
        switch f {
        case .annual: "annual"
        case .quarterly: "quarterly"
        case .monthly: "monthly"
        case .weekly: "weekly"
        case .daily: "daily"
        }
    }

    /// A cell as named inside a message: `E3` on a sheet, `column E` in a text table.
    private func cellName(_ column: Int, _ row: Int) -> String {
        sheetName == nil ? "line \(row), column \(ColumnName.letters(column))" : ColumnName.reference(column: column, row: row)
    }

    private var rangeNote: String {
        layout.rows.map { " in rows \($0.lowerBound)-\($0.upperBound)" } ?? ""
    }

    private func error(_ builder: PayloadBuilder, _ column: Int, _ row: Int, _ reason: String) -> InputError {
        InputError(origin: builder.origin, place: .cell(sheet: sheetName, column: column, row: row), reason: reason)
    }
}
