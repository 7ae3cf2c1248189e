import BridCore

/// CSV text read as a table laid out by people (`format = "csv"` with a `series` template
/// or `columns`): every record a row of `.text` cells (empty fields `.empty`), numbered by
/// the line it starts on, fed to a `TableScan`.
///
/// UTF-8 with or without BOM, LF or CRLF, RFC 4180 quoting (multi-line quoted footnotes).
/// The separator (`,` `;` or tab) is the one of the header row: the most frequent in the
/// record that has the most of one separator among the first records, so that a preamble
/// line (`"Data Source","World Development Indicators",`) does not decide it.
enum CSVTableReader {
    /// Records looked at to choose the separator.
    static let sampleRecords = 200

    static func read(_ buffer: UnsafeBufferPointer<UInt8>, layout: TableLayout, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        var start = 0
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
        let headerLine: Int?
        if case let .periodColumns(_, given, _) = layout.mode { headerLine = given } else { headerLine = nil }
        let delimiter = separator(buffer, from: start, headerLine: headerLine)
        var tokenizer = CSVTokenizer(bytes: buffer, delimiter: delimiter, start: start)
        var fields: [CSVTokenizer.Field] = []
        var cells: [TableCell] = []
        var scan = layout.scan(sheetName: nil)
        while true {
            let line: Int
            do {
                guard let next = try tokenizer.next(into: &fields) else { break }
                line = next
            } catch {
                throw InputError(origin: origin, place: .line(error.line), reason: error.reason)
            }
            if let rows = layout.rows, line > rows.upperBound { break }
            cells.removeAll(keepingCapacity: true)
            var blank = true
            for (column, field) in fields.enumerated() {
                if field.end == field.start {
                    cells.append(.empty)
                    continue
                }
                guard let text = tokenizer.string(field) else {
                    throw InputError(origin: origin, place: .cell(sheet: nil, column: column, row: line), reason: "the field is not valid UTF-8")
                }
                blank = blank && tokenizer.isBlank(field)
                cells.append(.text(text))
            }
            if blank { continue }
            try scan.row(line, cells, into: &builder)
        }
        try scan.finish(into: &builder)
    }

    /// The separator of the header row: of `headerLine` when given, else of the record
    /// (among the first `sampleRecords`) with the most of one separator; `,` when none.
    static func separator(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, headerLine: Int?) -> UInt8 {
        let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09]
        var best: (count: Int, byte: UInt8) = (0, UInt8(ascii: ","))
        var counts = [0, 0, 0]
        var inQuotes = false
        var line = 1, recordLine = 1, records = 0
        var i = start
        func close() {
            if headerLine == nil || headerLine == recordLine {
                for (k, byte) in candidates.enumerated() where counts[k] > best.count { best = (counts[k], byte) }
            }
            counts = [0, 0, 0]
            records += 1
        }
        // With `header_row` given, that line decides however far down it is.
        while i < bytes.count, records < sampleRecords || (headerLine.map { recordLine <= $0 } ?? false) {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if c == 0x0A {
                line += 1
                if !inQuotes {
                    close()
                    recordLine = line
                    if let headerLine, recordLine > headerLine { return best.byte }
                }
            } else if !inQuotes, let k = candidates.firstIndex(of: c) {
                counts[k] += 1
            }
            i += 1
        }
        if i >= bytes.count { close() }
        return best.byte
    }
}
