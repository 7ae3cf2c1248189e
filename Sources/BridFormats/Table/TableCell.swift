import BridCore

/// One cell of a table as a reader found it, before any layout rule applies: what a
/// spreadsheet stores (xlsx, xls) or a field of a delimited text (csv in table mode).
public enum TableCell: Sendable, Equatable {
    case empty
    /// A string cell (a shared or inline string, a label) or any field of a text table.
    case text(String)
    /// A numeric cell, as exact plain decimal text without exponent (`1024.2`, `-0.05`):
    /// the digits an xlsx stores, or the shortest text that round-trips an xls double.
    case number(String)
    /// A numeric cell whose number format is a date: the day it stands for, `YYYY-MM-DD`.
    case date(String)
    /// An error cell (`#N/A`, `#DIV/0!`): never a value.
    case error(String)

    /// The cell's text as a label (strings, numbers and dates alike), nil when empty or an error.
    public var label: String? {
        switch self {
        case .empty, .error: nil
        case let .text(s), let .number(s), let .date(s): s
        }
    }

    /// A numeric cell from a binary double (xls NUMBER/RK, an xlsx value written with 17
    /// significant digits): the shortest decimal text that reads back as the same double,
    /// written out without an exponent (`1e-05` → `0.00001`). Not finite: nil.
    public static func number(fromDouble value: Double) -> TableCell? {
        guard value.isFinite else { return nil }
        return .number(plainDecimal(value.description))
    }

    /// Decimal text in plain notation: an exponent (`1.5E+3`, `2e-4`) is moved into the
    /// digits; text without one is returned unchanged. Trailing `.0` is dropped (`5401.0` →
    /// `5401`), as spreadsheets show an integral number.
    public static func plainDecimal(_ text: String) -> String {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(String(s[s.index(after: e)...].filter { $0 != "+" })) ?? 0
            s = s[..<e]
        }
        var integer = Substring(s), fraction = Substring("")
        if let dot = s.firstIndex(of: ".") {
            integer = s[..<dot]
            fraction = s[s.index(after: dot)...]
        }
        var digits = Array(integer + fraction)
        var point = integer.count + exponent
        if point < 0 {
            digits.insert(contentsOf: repeatElement("0", count: -point), at: 0)
            point = 0
        }
        if point > digits.count { digits.append(contentsOf: repeatElement("0", count: point - digits.count)) }
        var whole = String(digits[..<point]).drop { $0 == "0" }
        var decimals = String(digits[point...])
        while decimals.last == "0" { decimals.removeLast() }
        if whole.isEmpty { whole = "0" }
        let body = decimals.isEmpty ? String(whole) : "\(whole).\(decimals)"
        return negative && body != "0" ? "-" + body : body
    }
}

/// Which sheet of a workbook a source reads (`sheet = "name"` or `sheet = 2`).
public enum SheetChoice: Sendable, Equatable, CustomStringConvertible {
    /// The first sheet (no `sheet` option).
    case first
    case name(String)
    /// 1-based, in the workbook's order.
    case number(Int)

    public var description: String {
        switch self {
        case .first: "the first sheet"
        case let .name(name): "sheet \"\(name)\""
        case let .number(n): "sheet \(n)"
        }
    }
}
