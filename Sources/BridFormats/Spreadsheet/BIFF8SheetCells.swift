import BridCore

/// The cells of one worksheet substream (BOF … EOF), gathered by row. Substreams nested in
/// it (an embedded chart's BOF … EOF) are skipped.
struct SheetCells {
    let workbook: BIFF8Workbook
    let sheet: BIFF8Workbook.Sheet
    /// 0-based row → 0-based column → cell.
    private(set) var rows: [Int: [Int: TableCell]] = [:]
    /// A FORMULA whose cached string is in the STRING record that follows.
    private var pendingString: (row: Int, column: Int)?

    /// BIFF8 has 256 columns (IV); a larger index is damage, not a wide sheet.
    static let columnLimit = 256

    init(workbook: BIFF8Workbook, sheet: BIFF8Workbook.Sheet) {
        self.workbook = workbook
        self.sheet = sheet
    }

    mutating func read() throws(InputError) {
        var records = BIFFRecords(workbook.stream, at: sheet.offset)
        guard sheet.offset >= 0, case let .success(bof)? = records.next(), bof.type == BIFFRecord.bof else {
            throw workbook.damage(sheet.offset, "sheet \"\(sheet.name)\" has no BOF record where the workbook says it starts")
        }
        var depth = 1
        while true {
            guard let next = records.next() else {
                throw workbook.damage(records.position, "sheet \"\(sheet.name)\" ends without an EOF record")
            }
            let record: BIFFRecord
            switch next {
            case let .success(r): record = r
            case let .failure(d): throw workbook.damage(d.offset, "a record of sheet \"\(sheet.name)\" runs past the end of the stream")
            }
            switch record.type {
            case BIFFRecord.bof: depth += 1
            case BIFFRecord.eof:
                depth -= 1
                if depth == 0 { return }
            default:
                if depth == 1 { try cell(record) }
            }
        }
    }

    private mutating func cell(_ record: BIFFRecord) throws(InputError) {
        do {
            try cellBody(record)
        } catch let error as InputError {
            throw error
        } catch {
            throw workbook.damage(record.offset, "record 0x\(String(record.type, radix: 16, uppercase: true)) of sheet \"\(sheet.name)\" is too short")
        }
    }

    /// Throws `BIFFShort` for a record too short for its fields, `InputError` for the rest.
    private mutating func cellBody(_ record: BIFFRecord) throws {
        var reader = record.reader
        switch record.type {
        case BIFFRecord.labelSST:
            let (row, column, _) = try position(&reader, record)
            let index = Int(try reader.u32())
            guard index < workbook.sharedStrings.count else {
                throw place(row, column, "shared string \(index) is not in the workbook's table of \(workbook.sharedStrings.count)")
            }
            set(row, column, .text(workbook.sharedStrings[index]))
        case BIFFRecord.label, BIFFRecord.rString:
            let (row, column, _) = try position(&reader, record)
            set(row, column, .text(try reader.string(lengthSize: 2)))
        case BIFFRecord.number:
            let (row, column, xf) = try position(&reader, record)
            set(row, column, number(try reader.double(), xf: xf))
        case BIFFRecord.rk:
            let (row, column, xf) = try position(&reader, record)
            set(row, column, number(Self.rk(try reader.u32()), xf: xf))
        case BIFFRecord.mulRK:
            let row = Int(try reader.u16())
            let first = Int(try reader.u16())
            let count = (record.body.count - 6) / 6
            guard count >= 1, first + count <= Self.columnLimit else {
                throw workbook.damage(record.offset, "MULRK of row \(row + 1) holds \(count) cells from column \(first + 1)")
            }
            for column in first..<(first + count) {
                let xf = Int(try reader.u16())
                set(row, column, number(Self.rk(try reader.u32()), xf: xf))
            }
        case BIFFRecord.formula:
            let (row, column, xf) = try position(&reader, record)
            let value = try reader.double()
            set(row, column, try formulaResult(value, record, row: row, column: column, xf: xf))
        case BIFFRecord.string:
            guard let (row, column) = pendingString else { return }
            pendingString = nil
            set(row, column, .text(try reader.string(lengthSize: 2)))
        case BIFFRecord.boolErr:
            let (row, column, _) = try position(&reader, record)
            let value = try reader.u8()
            let isError = try reader.u8() == 1
            set(row, column, isError ? .error(Self.errorText(value)) : .text(value == 0 ? "FALSE" : "TRUE"))
        default:
            // BLANK and MULBLANK carry only formatting; MERGEDCELLS leaves the value in
            // the top-left cell, where the file has it; the rest is layout.
            break
        }
    }

    /// A FORMULA's cached result: a number, or (bytes 6–7 of the value 0xFFFF) a string
    /// that follows in a STRING record, a boolean, an error or an empty string.
    private mutating func formulaResult(_ value: Double, _ record: BIFFRecord, row: Int, column: Int, xf: Int) throws(BIFFShort) -> TableCell {
        let body = record.body
        guard body.count >= 14 else { throw BIFFShort() }
        let start = body.startIndex + 6
        guard body[start + 6] == 0xFF, body[start + 7] == 0xFF else { return number(value, xf: xf) }
        switch body[start] {
        case 0:
            pendingString = (row, column)
            return .empty
        case 1: return .text(body[start + 2] == 0 ? "FALSE" : "TRUE")
        case 2: return .error(Self.errorText(body[start + 2]))
        default: return .empty
        }
    }

    private func number(_ value: Double, xf: Int) -> TableCell {
        if xf < workbook.dateFormats.count, workbook.dateFormats[xf],
           let day = SpreadsheetSerialDate.day(serial: value, uses1904: workbook.uses1904) {
            return .date(day)
        }
        return TableCell.number(fromDouble: value) ?? .error("#NUM!")
    }

    private mutating func set(_ row: Int, _ column: Int, _ cell: TableCell) {
        rows[row, default: [:]][column] = cell
    }

    /// A cell record's row, column and XF index; a column past BIFF8's last is damage.
    private func position(_ reader: inout BIFFReader, _ record: BIFFRecord) throws -> (Int, Int, Int) {
        let row = Int(try reader.u16()), column = Int(try reader.u16()), xf = Int(try reader.u16())
        guard column < Self.columnLimit else {
            throw workbook.damage(record.offset, "a cell of sheet \"\(sheet.name)\" row \(row + 1) is in column \(column + 1), past BIFF8's \(Self.columnLimit)")
        }
        return (row, column, xf)
    }

    private func place(_ row: Int, _ column: Int, _ reason: String) -> InputError {
        InputError(origin: workbook.origin, place: .cell(sheet: sheet.name, column: column, row: row + 1), reason: reason)
    }

    /// An RK number (MS-XLS 2.5.217): bit 0 divides by 100, bit 1 makes the upper 30 bits a
    /// signed integer instead of the upper 30 bits of a double.
    static func rk(_ raw: UInt32) -> Double {
        let value = raw & 0x02 != 0
            ? Double(Int32(bitPattern: raw) >> 2)
            : Double(bitPattern: UInt64(raw & 0xFFFF_FFFC) << 32)
        return raw & 0x01 != 0 ? value / 100 : value
    }

    static func errorText(_ code: UInt8) -> String {
        switch code {
        case 0x00: "#NULL!"
        case 0x07: "#DIV/0!"
        case 0x0F: "#VALUE!"
        case 0x17: "#REF!"
        case 0x1D: "#NAME?"
        case 0x24: "#NUM!"
        case 0x2A: "#N/A"
        case 0x2B: "#GETTING_DATA"
        default: "#ERROR!"
        }
    }
}
