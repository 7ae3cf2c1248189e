import BridCore

/// A binary Excel workbook (`.xls`, BIFF8: Excel 97–2003) read from its OLE2 compound
/// file: the workbook globals (sheets, shared strings, date system, number formats) at
/// once, a sheet's cells on demand (`forEachRow`).
///
/// Refused with a clear message: BIFF5 and older workbooks (a `Book` stream, or an older
/// BOF), encrypted workbooks (FILEPASS; also password-protected .xlsx, which come as a
/// compound file too), and damage — each error names the byte offset, or the sheet and
/// cell (`'分省年度数据'!B5`) for a bad cell.
public struct BIFF8Workbook: Sendable {
    /// A sheet as BOUNDSHEET8 lists it.
    public struct Sheet: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case worksheet, macroSheet, chart, visualBasicModule
            case other(UInt8)
        }

        public var name: String
        public var kind: Kind
        /// Hidden, or "very hidden" (only code can show it).
        public var hidden: Bool
        /// Where the sheet's BOF is in the workbook stream.
        var offset: Int
    }

    /// Every sheet, in the workbook's order (hidden ones and chart sheets too).
    public let sheets: [Sheet]
    /// DATEMODE: serial day 0 is 1904-01-01 (old Mac workbooks) instead of 1899-12-31.
    public let uses1904: Bool
    let origin: String
    let stream: [UInt8]
    let sharedStrings: [String]
    /// Per XF (cell format) index: whether its number format shows a date.
    let dateFormats: [Bool]

    /// Reads the compound file and the workbook globals.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, origin: String) throws(InputError) {
        self.origin = origin
        let file = try CompoundFile(bytes, origin: origin)
        guard let stream = try file.stream(named: "Workbook") else {
            if try file.stream(named: "EncryptedPackage") != nil {
                throw InputError(origin: origin, place: nil, reason: "an encrypted (password-protected) Office workbook: refused; save it without a password")
            }
            if try file.stream(named: "Book") != nil {
                throw InputError(origin: origin, place: nil, reason: "a BIFF5 workbook (Excel 5.0/95, a `Book` stream): only BIFF8 (Excel 97–2003) is read; save it as .xls (Excel 97–2003) or .xlsx")
            }
            let names = file.streamNames.map { "\"\($0)\"" }.joined(separator: ", ")
            throw InputError(origin: origin, place: nil, reason: "not an xls workbook: the compound file has no Workbook stream (streams: \(names.isEmpty ? "none" : names))")
        }
        self.stream = stream
        var globals = WorkbookGlobals()
        try globals.read(stream, origin: origin)
        sheets = globals.sheets
        uses1904 = globals.uses1904
        sharedStrings = globals.sharedStrings
        dateFormats = globals.formatOfXF.map { id in
            if let code = globals.formats[id] { return SpreadsheetSerialDate.isDateFormat(code) }
            return SpreadsheetSerialDate.isBuiltInDate(id)
        }
    }

    /// The sheet `choice` names: `.first` is the first visible worksheet; `.number(n)`
    /// counts every sheet in the workbook's order, hidden ones too.
    public func sheet(_ choice: SheetChoice) throws(InputError) -> Sheet {
        let found: Sheet?
        switch choice {
        case .first:
            found = sheets.first { $0.kind == .worksheet && !$0.hidden } ?? sheets.first { $0.kind == .worksheet }
        case let .name(name):
            found = sheets.first { $0.name == name }
        case let .number(n):
            found = n >= 1 && n <= sheets.count ? sheets[n - 1] : nil
        }
        guard let found else {
            let names = sheets.map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw InputError(origin: origin, place: nil, reason: "no \(choice) in the workbook (its sheets: \(names.isEmpty ? "none" : names))")
        }
        guard found.kind == .worksheet else {
            throw InputError(origin: origin, place: nil, reason: "sheet \"\(found.name)\" is a \(found.kind.description), not a worksheet")
        }
        return found
    }

    /// Hands the sheet's rows to `body` in order: the 1-based row number and its cells from
    /// column A (`.empty` in gaps, trailing empties dropped). Rows with no value are left
    /// out. A merged area's value is in its top-left cell only; the others read as empty.
    public func forEachRow(sheet choice: SheetChoice, _ body: (Int, [TableCell]) throws(InputError) -> Void) throws(InputError) {
        let sheet = try self.sheet(choice)
        var cells = SheetCells(workbook: self, sheet: sheet)
        try cells.read()
        for row in cells.rows.keys.sorted() {
            guard let columns = cells.rows[row], let last = columns.keys.max() else { continue }
            var values = [TableCell](repeating: .empty, count: last + 1)
            for (column, cell) in columns { values[column] = cell }
            while values.last == .empty { values.removeLast() }
            if values.isEmpty { continue }
            try body(row + 1, values)
        }
    }

    func damage(_ offset: Int, _ reason: String) -> InputError {
        InputError(origin: origin, place: nil, reason: "damaged xls workbook: \(reason) (byte \(offset) of the Workbook stream)")
    }
}

extension BIFF8Workbook.Sheet.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .worksheet: "worksheet"
        case .macroSheet: "macro sheet"
        case .chart: "chart sheet"
        case .visualBasicModule: "Visual Basic module"
        case let .other(n): "sheet of type \(n)"
        }
    }
}

/// The workbook globals substream: from the first BOF to its EOF.
private struct WorkbookGlobals {
    var sheets: [BIFF8Workbook.Sheet] = []
    var uses1904 = false
    var sharedStrings: [String] = []
    var formats: [Int: String] = [:]
    var formatOfXF: [Int] = []

    mutating func read(_ stream: [UInt8], origin: String) throws(InputError) {
        func damage(_ offset: Int, _ reason: String) -> InputError {
            InputError(origin: origin, place: nil, reason: "damaged xls workbook: \(reason) (byte \(offset) of the Workbook stream)")
        }
        var records = BIFFRecords(stream, at: 0)
        guard let first = records.next() else { throw damage(0, "the Workbook stream is empty") }
        guard case let .success(bof) = first else { throw damage(0, "the first record runs past the end") }
        try Self.checkBOF(bof, origin: origin)
        while true {
            guard let next = records.next() else { throw damage(records.position, "the workbook globals end without an EOF record") }
            let record: BIFFRecord
            switch next {
            case let .success(r): record = r
            case let .failure(d): throw damage(d.offset, "a record runs past the end of the stream")
            }
            if record.type == BIFFRecord.eof { return }
            if record.type == BIFFRecord.filePass {
                throw InputError(origin: origin, place: nil, reason: "an encrypted workbook (FILEPASS at byte \(record.offset)): refused; save it without a password")
            }
            var reader = record.reader
            do throws(BIFFShort) {
                switch record.type {
                case BIFFRecord.dateMode:
                    uses1904 = try reader.u16() == 1
                case BIFFRecord.boundSheet:
                    let offset = Int(try reader.u32())
                    let state = try reader.u8()
                    let type = try reader.u8()
                    let name = try reader.string(lengthSize: 1)
                    let kind: BIFF8Workbook.Sheet.Kind = switch type {
                    case 0: .worksheet
                    case 1: .macroSheet
                    case 2: .chart
                    case 6: .visualBasicModule
                    default: .other(type)
                    }
                    sheets.append(.init(name: name, kind: kind, hidden: state & 0x03 != 0, offset: offset))
                case BIFFRecord.sst:
                    _ = try reader.u32()  // references in the workbook
                    let unique = Int(try reader.u32())
                    while sharedStrings.count < unique, !reader.atEnd {
                        sharedStrings.append(try reader.string(lengthSize: 2))
                    }
                case BIFFRecord.format:
                    let id = Int(try reader.u16())
                    formats[id] = try reader.string(lengthSize: 2)
                case BIFFRecord.xf:
                    _ = try reader.u16()  // font
                    formatOfXF.append(Int(try reader.u16()))
                default:
                    break
                }
            } catch {
                let what = record.type == BIFFRecord.sst ? "the shared string table is cut short after \(sharedStrings.count) strings"
                    : "record 0x\(String(record.type, radix: 16, uppercase: true)) is too short"
                throw damage(record.offset, what)
            }
        }
    }

    /// The workbook's first record: a BIFF8 workbook-globals BOF, or a clear refusal.
    static func checkBOF(_ bof: BIFFRecord, origin: String) throws(InputError) {
        if BIFFRecord.olderBOFs.contains(bof.type) {
            throw InputError(origin: origin, place: nil, reason: "a BIFF2–4 workbook (Excel 2.x–4.0): only BIFF8 (Excel 97–2003) is read; save it as .xls (Excel 97–2003) or .xlsx")
        }
        guard bof.type == BIFFRecord.bof, bof.body.count >= 4 else {
            throw InputError(origin: origin, place: nil, reason: "not an xls workbook: the Workbook stream does not start with a BOF record (byte 0)")
        }
        let version = CompoundFile.u16(bof.body, 0)
        let kind = CompoundFile.u16(bof.body, 2)
        if version == 0x0500 {
            throw InputError(origin: origin, place: nil, reason: "a BIFF5 workbook (Excel 5.0/95): only BIFF8 (Excel 97–2003) is read; save it as .xls (Excel 97–2003) or .xlsx")
        }
        guard version == 0x0600, kind == 0x0005 else {
            throw InputError(origin: origin, place: nil, reason: "not a BIFF8 workbook: its first BOF has version 0x\(String(version, radix: 16)) and type 0x\(String(kind, radix: 16)) (byte 0; expected 0x600 and 0x5)")
        }
    }
}
