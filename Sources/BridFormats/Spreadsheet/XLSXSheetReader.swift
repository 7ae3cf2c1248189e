import BridCore

extension XLSXWorkbook {
    /// Reads one sheet row by row, in the order of its `<row>` elements: the row's 1-based
    /// number and its cells from column A to the last one given (gaps `.empty`). Rows the
    /// sheet does not store (empty ones) are not passed; a `<row>` without `r` follows the
    /// one before, a `<c>` without `r` the cell before.
    ///
    /// - Cells: `t="s"` a shared string, `inlineStr` `<is><t>` (rich runs joined), `str` a
    ///   formula's cached text, `b` TRUE/FALSE as text, `e` an error, `d` an ISO date;
    ///   numbers (`n` or no `t`) are a formula's cached result or the value, kept as their
    ///   exact decimal text — except values written with more than 15 significant digits
    ///   (`35371.279999999999`, Excel's 17-digit form of a binary double), which are read
    ///   as a double and written as its shortest text (`35371.28`), as openpyxl reads them.
    ///   A number whose style's format is a date is `.date("YYYY-MM-DD")`.
    /// - Merged cells: only the top-left cell holds the value; the others are empty.
    ///
    /// The sheet part is inflated into `scratch` (the runtime's unnamed temporary files)
    /// and scanned through a mapping whose pages are dropped every few thousand rows, so a
    /// sheet of any size costs the same memory; without scratch storage (tests, uploads
    /// held in memory) it is inflated into memory. The cells of one row at a time are built.
    public func forEachRow(sheet choice: SheetChoice, scratch: (any SpillArea)? = nil, _ body: (Int, [TableCell]) throws(InputError) -> Void) throws(InputError) {
        let sheet = try self.sheet(choice)
        if let scratch, let mapping = try mappedPart(sheet, in: scratch) {
            var rows = 0
            var reader = SheetReader(workbook: self, sheet: sheet, part: XLSXPart(bytes: mapping.bytes, origin: origin, path: sheet.path))
            try reader.read { (number, cells) throws(InputError) in
                try body(number, cells)
                rows += 1
                if rows % Self.rowsBetweenPageDrops == 0 { mapping.releasePages() }
            }
            return
        }
        guard let bytes = try Self.part(archive, sheet.path, origin: origin, limit: limit) else {
            throw missing(sheet)
        }
        try bytes.withUnsafeBufferPointer { (buffer) throws(InputError) in
            var reader = SheetReader(workbook: self, sheet: sheet, part: XLSXPart(bytes: buffer, origin: origin, path: sheet.path))
            try reader.read(body)
        }
    }

    /// How many rows are read between two drops of the sheet mapping's resident pages.
    static let rowsBetweenPageDrops = 4_096

    private func missing(_ sheet: Sheet) -> InputError {
        InputError(origin: origin, place: nil, reason: "the workbook's sheet \"\(sheet.name)\" has no part \(sheet.path) in the archive")
    }

    /// The sheet part inflated into a temporary file of `scratch` and mapped; nil when the
    /// storage cannot be mapped (the part is then inflated into memory).
    private func mappedPart(_ sheet: Sheet, in scratch: any SpillArea) throws(InputError) -> (any MappedBytes)? {
        guard let member = Self.member(archive, sheet.path) else { throw missing(sheet) }
        do {
            let run = try scratch.makeRun()
            try archive.inflate(member, limit: limit) { try run.append($0) }
            return try run.mapped()
        } catch let failure as ZipArchive.Failure {
            throw Self.partFailure(failure, origin: origin)
        } catch {
            // The temporary storage failed (a full disk): not the workbook's fault.
            throw InputError(origin: origin, place: nil, reason: "cannot inflate sheet \"\(sheet.name)\" into temporary storage: \(error)")
        }
    }
}

/// The state of one pass over a sheet part.
private struct SheetReader {
    let workbook: XLSXWorkbook
    let sheet: XLSXWorkbook.Sheet
    var part: XLSXPart

    private var rowNumber = 0
    private var cells: [TableCell] = []
    private var column = -1
    private var type = "n"
    private var style = 0
    private var value: String?
    private var inlineText: String?
    /// Inside `<v>`, or inside `<is>`'s `<t>` (not a phonetic run).
    private var inValue = false
    private var inInline = false
    private var inInlineText = false
    private var phonetic = 0

    init(workbook: XLSXWorkbook, sheet: XLSXWorkbook.Sheet, part: XLSXPart) {
        self.workbook = workbook
        self.sheet = sheet
        self.part = part
    }

    private func place(_ column: Int) -> InputPlace { .cell(sheet: sheet.name, column: column, row: rowNumber) }

    private func fail(_ reason: String, column: Int? = nil) -> InputError {
        InputError(origin: part.origin, place: column.map(place) ?? .cell(sheet: sheet.name, column: 0, row: rowNumber), reason: reason)
    }

    mutating func read(_ body: (Int, [TableCell]) throws(InputError) -> Void) throws(InputError) {
        var inSheetData = false
        var inRow = false
        var inCell = false
        while let event = try next() {
            switch event {
            case let .start(name):
                let s = part.scanner
                if !inSheetData {
                    if s.isLocal(name, "sheetData") { inSheetData = true }
                } else if s.isLocal(name, "row") {
                    // A row inside a row would pass its row twice; a row or a cell inside a
                    // cell would restart the cell being read.
                    if inRow { throw fail("a <row> inside row \(rowNumber)", column: max(column, 0)) }
                    inRow = true
                    if let r = try part.attribute("r") {
                        // Named by the row it stands for (the one after the last good row), not the last good one.
                        guard let n = Int(r), n >= 1, n <= 1_048_576 else {
                            throw InputError(origin: part.origin, place: .cell(sheet: sheet.name, column: 0, row: rowNumber + 1),
                                             reason: "row number r=\"\(Excerpt(r))\" is not a row number")
                        }
                        guard n > rowNumber else {
                            throw InputError(origin: part.origin, place: .cell(sheet: sheet.name, column: 0, row: n),
                                             reason: "row \(n) comes after row \(rowNumber): rows are out of order")
                        }
                        rowNumber = n
                    } else {
                        rowNumber += 1
                    }
                    cells.removeAll(keepingCapacity: true)
                    column = -1
                } else if inRow, s.isLocal(name, "c") {
                    if inCell { throw fail("a <c> inside a cell", column: max(column, 0)) }
                    inCell = true
                    try startCell()
                } else if inCell, s.isLocal(name, "v") {
                    // A value or inline string outside a cell belongs to none.
                    inValue = true
                    value = ""
                } else if inCell, s.isLocal(name, "is") {
                    inInline = true
                    inlineText = ""
                } else if inInline, s.isLocal(name, "rPh") {
                    phonetic += 1
                } else if inInline, s.isLocal(name, "t") {
                    inInlineText = phonetic == 0
                }
            case let .end(name):
                let s = part.scanner
                guard inSheetData else { continue }
                if s.isLocal(name, "sheetData") {
                    inSheetData = false
                } else if s.isLocal(name, "row") {
                    inRow = false
                    while cells.last == .empty { cells.removeLast() }
                    if !cells.isEmpty { try body(rowNumber, cells) }
                } else if inRow, s.isLocal(name, "c") {
                    inCell = false
                    try endCell()
                } else if s.isLocal(name, "v") {
                    inValue = false
                } else if s.isLocal(name, "is") {
                    inInline = false
                } else if inInline, s.isLocal(name, "rPh") {
                    phonetic -= 1
                } else if inInline, s.isLocal(name, "t") {
                    inInlineText = false
                }
            case let .text(range, cdata):
                if inValue { try value?.append(part.text(range, cdata: cdata)) }
                else if inInlineText { try inlineText?.append(part.text(range, cdata: cdata)) }
            }
        }
    }

    private mutating func next() throws(InputError) -> XMLScanner.Event? {
        do { return try part.scanner.next() } catch {
            throw InputError(origin: part.origin, place: nil,
                             reason: "sheet \"\(Excerpt(sheet.name))\" (\(sheet.path)) is not well-formed XML (line \(error.line)): \(error.reason)")
        }
    }

    private mutating func startCell() throws(InputError) {
        if let r = try part.attribute("r") {
            let letters = r.prefix { $0.isLetter }
            guard let index = ColumnName.index(letters), Int(r.dropFirst(letters.count)) != nil else {
                throw fail("cell reference r=\"\(Excerpt(r))\" is not a cell reference")
            }
            column = index
        } else {
            column += 1
        }
        type = try part.attribute("t") ?? "n"
        style = try part.attribute("s").flatMap { Int($0) } ?? 0
        value = nil
        inlineText = nil
    }

    private mutating func endCell() throws(InputError) {
        let cell = try cellValue()
        if cell != .empty {
            if cells.count <= column { cells.append(contentsOf: repeatElement(.empty, count: column + 1 - cells.count)) }
            cells[column] = cell
        }
        value = nil
        inlineText = nil
    }

    private func cellValue() throws(InputError) -> TableCell {
        switch type {
        case "s":
            guard let value else { return .empty }
            guard let index = Int(value.trimmingSpaces()), index >= 0, index < workbook.sharedStrings.count else {
                throw fail("shared string index \"\(Excerpt(value))\" is not one of the workbook's \(workbook.sharedStrings.count) strings", column: column)
            }
            return .text(workbook.sharedStrings[index])
        case "inlineStr":
            return inlineText.map(TableCell.text) ?? value.map(TableCell.text) ?? .empty
        case "str":
            return value.map(TableCell.text) ?? .empty
        case "b":
            guard let value else { return .empty }
            return .text(value.trimmingSpaces() == "1" || value == "true" ? "TRUE" : "FALSE")
        case "e":
            return .error(value ?? "#N/A")
        case "d":
            guard let value, !value.isEmpty else { return .empty }
            return .date(String(value.prefix(10)))
        case "n":
            guard let value else { return .empty }
            let text = value.trimmingSpaces()
            if text.isEmpty { return .empty }
            guard let double = Double(text), double.isFinite, text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else {
                throw fail("\"\(Excerpt(text))\" is not a number", column: column)
            }
            if style >= 0, style < workbook.dateStyles.count, workbook.dateStyles[style],
               let day = SpreadsheetSerialDate.day(serial: double, uses1904: workbook.date1904) {
                return .date(day)
            }
            return Self.number(text, double)
        default:
            throw fail("unknown cell type t=\"\(Excerpt(type))\"", column: column)
        }
    }

    /// Exact text up to 15 significant digits (which every double keeps, so it is also the
    /// double's shortest text); longer text is Excel's 17-digit form of a double, read back
    /// as the double's shortest text.
    static func number(_ text: String, _ double: Double) -> TableCell {
        // Zero, and values too small for a double (`1e-999999999`, read as 0 as openpyxl
        // reads it): never written out digit by digit from their exponent.
        if double == 0 { return .number("0") }
        var significant = 0
        var leading = true
        for c in text {
            if c == "e" || c == "E" { break }
            guard c.isNumber else { continue }
            if leading && c == "0" { continue }
            leading = false
            significant += 1
        }
        if significant > 15 { return TableCell.number(fromDouble: double) ?? .number(TableCell.plainDecimal(text)) }
        return .number(TableCell.plainDecimal(text))
    }
}
