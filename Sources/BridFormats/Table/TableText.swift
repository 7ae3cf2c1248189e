import BridCore

/// How the table layout reads the text of cells: labels as people write them (padded,
/// with runs of spaces and footnote marks) and the numbers and missing markers of values.
enum TableText {
    /// Trimmed, with every run of white space (U+3000 and no-break spaces included) made
    /// one space.
    static func collapsed(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for c in text {
            if c.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(c)
        }
        return out
    }

    /// A label: collapsed, without a footnote mark glued on its end (`Туркестанская2)` →
    /// `Туркестанская`).
    static func label(_ text: String) -> String {
        let s = collapsed(text)
        guard let cut = footnoteCut(s, digits: 1...2) else { return s }
        return String(s[..<cut])
    }

    /// Where a trailing footnote mark (`N)` glued to the text before it) starts, for marks
    /// of `digits` digits; nil when there is none.
    static func footnoteCut(_ s: String, digits: ClosedRange<Int>) -> String.Index? {
        guard s.last == ")" else { return nil }
        var i = s.index(before: s.endIndex)
        var count = 0
        while i > s.startIndex, count < digits.upperBound {
            let before = s.index(before: i)
            guard s[before].isASCII, s[before].isNumber else { break }
            i = before
            count += 1
        }
        guard count >= digits.lowerBound, i > s.startIndex else { return nil }
        let previous = s[s.index(before: i)]
        guard !previous.isWhitespace, previous != "(" else { return nil }
        return i
    }

    /// The text of a label put into a series key: spaces become `_`.
    static func keyText(_ label: String) -> String {
        label.contains(" " as Character) ? String(label.map { $0 == " " ? "_" : $0 }) : label
    }
}

/// A period read from a header or a period cell, in canonical text.
struct TablePeriod: Equatable, Sendable {
    let text: String
    let frequency: Frequency

    static func annual(_ y: Int) -> TablePeriod { TablePeriod(text: String(y), frequency: .annual) }
    static func quarter(_ y: Int, _ q: Int) -> TablePeriod { TablePeriod(text: "\(y)-Q\(q)", frequency: .quarterly) }
    static func month(_ y: Int, _ m: Int) -> TablePeriod { TablePeriod(text: "\(y)-\(m < 10 ? "0" : "")\(m)", frequency: .monthly) }

    /// A day, checked against the calendar.
    static func day(_ text: String) -> TablePeriod? {
        guard case let .success(p) = Period.normalize(text, frequency: nil), p.frequency == .daily else { return nil }
        return TablePeriod(text: p.text, frequency: .daily)
    }
}

/// The built-in recogniser of periods as statistical agencies write them in table headers
/// and period columns (see Docs/formats/tables.md for the list).
enum TablePeriodReader {
    /// Years outside this range are not read as years (a count of 1000 is not a period).
    static let years = 1800...2199

    /// The period a cell reads as: a date cell is its day; text and numbers are collapsed,
    /// a glued footnote mark dropped, then read with `pattern` (if any) and the built-in forms.
    static func read(_ cell: TableCell, pattern: PeriodPattern?) -> TablePeriod? {
        switch cell {
        case .empty, .error: return nil
        case let .date(day): return TablePeriod.day(day)
        case let .text(raw), let .number(raw):
            let s = TableText.collapsed(raw)
            if s.isEmpty { return nil }
            if let found = read(text: s, pattern: pattern) { return found }
            // `20221)`, `2022 года4)`: a footnote mark of one or two digits glued on.
            for digits in 1...2 {
                if let cut = TableText.footnoteCut(s, digits: digits...digits),
                   let found = read(text: String(s[..<cut]), pattern: pattern) {
                    return found
                }
            }
            return nil
        }
    }

    static func read(text s: String, pattern: PeriodPattern?) -> TablePeriod? {
        if let pattern, let found = pattern.read(s) { return found }
        return builtIn(s)
    }

    static func builtIn(_ s: String) -> TablePeriod? {
        let words = s.split(separator: " ")
        switch words.count {
        case 1:
            return compact(words[0])
        case 2:
            guard let y = year(words[0]) else { return nil }
            if isYearWord(words[1]) { return .annual(y) }
            if let q = quarterTag(words[1]) { return .quarter(y, q) }  // `2018 Q1`
            return nil
        case 3, 4:
            // `I квартал 2008 года`, `I полугодие 2008 года`, `9 месяцев 2008 года`
            guard let y = year(words[2]), words.count == 3 || isYearWord(words[3]) else { return nil }
            switch words[1].lowercased() {
            case "квартал": return roman(words[0]).map { .quarter(y, $0) }
            case "полугодие": return roman(words[0]) == 1 ? .quarter(y, 2) : nil
            case "месяцев", "месяца": return words[0] == "9" ? .quarter(y, 3) : words[0] == "3" ? .quarter(y, 1) : nil
            default: return nil
            }
        default:
            return nil
        }
    }

    /// One word: `1960`, `2019年`, `2008г.`, `2018Q1`, `2018-Q1`, `2018-01`, `2018M01`,
    /// `2018-01-15`, `2019年第一季度`, `2019年1季度`, `2019年1月`.
    private static func compact(_ w: Substring) -> TablePeriod? {
        guard w.count >= 4, let y = year(w.prefix(4)) else { return nil }
        var rest = w.dropFirst(4)
        if rest.isEmpty { return .annual(y) }
        if isYearWord(rest) { return .annual(y) }
        switch rest.first {
        case "年":
            rest = rest.dropFirst()
            if rest.isEmpty { return .annual(y) }
            if rest.hasSuffix("季度") {
                var n = rest.dropLast(2)
                if n.first == "第" { n = n.dropFirst() }
                return chineseOrDigit(n).flatMap { (1...4).contains($0) ? .quarter(y, $0) : nil }
            }
            if rest.hasSuffix("月") {
                return number(rest.dropLast(), digits: 1...2).flatMap { (1...12).contains($0) ? .month(y, $0) : nil }
            }
            return nil
        case "-":
            rest = rest.dropFirst()
            if let q = quarterTag(rest) { return .quarter(y, q) }
            if rest.count == 2, let m = number(rest, digits: 2...2), (1...12).contains(m) { return .month(y, m) }
            if rest.count == 5 { return TablePeriod.day("\(y)-\(rest)") }
            return nil
        case "Q", "q":
            return quarterTag(rest).map { .quarter(y, $0) }
        case "M", "m":
            return number(rest.dropFirst(), digits: 1...2).flatMap { (1...12).contains($0) ? .month(y, $0) : nil }
        default:
            return nil
        }
    }

    /// `Q1`…`Q4` (any case).
    private static func quarterTag(_ w: Substring) -> Int? {
        guard w.count == 2, w.first == "Q" || w.first == "q", let q = number(w.dropFirst(), digits: 1...1), (1...4).contains(q) else { return nil }
        return q
    }

    /// `год`, `года`, `г.`, `г` (any case).
    private static func isYearWord(_ w: Substring) -> Bool {
        switch w.lowercased() {
        case "год", "года", "г.", "г": true
        default: false
        }
    }

    /// Four ASCII digits in `years`.
    static func year(_ w: Substring) -> Int? {
        guard w.count == 4, let y = number(w, digits: 4...4), years.contains(y) else { return nil }
        return y
    }

    /// ASCII digits only, as many as `digits` allows.
    static func number(_ w: Substring, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(w.count), w.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(w)
    }

    /// A quarter or half-year numeral: `I` … `IV` or `1` … `4`.
    static func roman(_ w: Substring) -> Int? {
        switch w.uppercased() {
        case "I", "1": 1
        case "II", "2": 2
        case "III", "3": 3
        case "IV", "4": 4
        default: nil
        }
    }

    /// `一` … `四` or ASCII digits.
    static func chineseOrDigit(_ w: Substring) -> Int? {
        switch w {
        case "一": 1
        case "二": 2
        case "三": 3
        case "四": 4
        default: number(w, digits: 1...2)
        }
    }
}
