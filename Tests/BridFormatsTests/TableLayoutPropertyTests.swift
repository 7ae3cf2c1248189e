import BridCore
@testable import BridFormats
import Testing

/// The table layout on random grids of cells under random option sets (a fixed seed):
/// options are refused with a `FormatSettingsError`, or the grid reads as a payload or
/// is refused with an `InputError` that names a cell — never a trap.
@Suite struct TableLayoutPropertyTests {
    static let texts = [
        // Headers that read (or almost read) as periods.
        "2019", "2019年", "2008 год", "I квартал 2008 года", "I полугодие 2008 года", "9 месяцев 2008 года3)", "20221)", "1960",
        "2018Q1", "2018-Q4", "2018-01", "2018M13", "01.01.2000", "2019/20", "0", "99999", "-2019", "2019 ", "２０１９", "Ⅳ квартал 2020 года",
        "2019年第一季度", "1e3",
        // Labels.
        "г.Алматы", "北京市", "Kazakhstan", "KAZ", "Country Code", "Indicator Code", "NY.GDP.MKTP.CD", "a{b}", "a b", "Республика  Казахстан1)",
        "\u{3000}\u{3000}2.2018年", String(repeating: "длинная ", count: 40), "key with / slash", "'quoted'", "\"", "\u{0}", "\t", " ",
        // Values as text, markers of no value.
        "1 234,5", "1,234.5", "12,4", "1.234.567,8", "1\u{00A0}234", "-", "x", "…", "..", ":", "n/a", "NaN", "inf", "--1", "0x10", "1e5", "1E-400",
        "١٢٣", "+5", ".5", "5.", "00012", "(3)", "12%", "",
    ]
    static let numbers = ["0", "1024.2", "-0.05", "35371.28", "1", "2019", "1e5", "12,5", "", "-", "99999999999999999999999999"]
    static let templates = ["x.{A}", "x.{A}", "x.{A}", "k.{A}.{frequency}", "x.{A}.{B}", "x.{A}.{B}", "wb.{Country Code}.{Indicator Code}", "k.{A}.{frequency}", "{B}", "x.{C}", "s.{Kazakhstan}", "t.{XFD}"]
    static let patterns = [#"01\.01\.(?<year>\d{4})"#, #"(?<year>\d{4})/(?<month>\d\d)"#, #"(?<year>\d{4})-(?<quarter>[1-4])"#, #"(?<day>\d\d)\.(?<month>\d\d)\.(?<year>\d{4})"#]

    struct Random {
        var mix: SplitMix
        mutating func below(_ n: Int) -> Int { Int(mix.next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static func cell(_ r: inout Random) -> TableCell {
        switch r.below(10) {
        case 0, 1: .empty
        case 2, 3, 4, 5: .text(r.pick(texts))
        case 6, 7: .number(r.pick(numbers))
        case 8: .date(r.pick(["2024-01-12", "1900-02-28", "x"]))
        default: .error(r.pick(["#N/A", "#DIV/0!", ""]))
        }
    }

    static func options(_ r: inout Random) -> FormatSettings {
        var options: [String: FormatOption] = [:]
        var series: String?
        if r.chance(70) {
            series = r.pick(templates)
            if r.chance(15) { options["header_row"] = .integer(r.below(8)) }
            if r.chance(20) { options["frequency"] = .string(r.pick(["A", "Q", "M", "D", "Y"])) }
        } else {
            options["period_column"] = .string(r.pick(["A", "B", "XFD", "1"]))
            options["columns"] = .stringTable(r.chance(80) ? ["B": "s.b", "C": "s.c", "E": "s.e"] : ["A": "s.a", "B": "s.a"])
        }
        if r.chance(20) { options["period_pattern"] = .string(r.pick(patterns)) }
        if r.chance(10) { options["rows"] = .string(r.pick(["1-6", "3-8", "2-2", "5-3", "0-4", "1-1000000000"])) }
        if r.chance(10) { options["start_after"] = .string(r.pick(["Kazakhstan", "2019", "", "北京市"])) }
        if r.chance(20) { options["missing"] = .stringArray(r.pick([[], ["-", ".."], ["x", "X", " "], ["0"]])) }
        if r.chance(20) { options["decimal"] = .string(r.pick([",", ".", " ", ",,"])) }
        if r.chance(20) { options["thousands"] = .string(r.pick([" ", ".", ",", "'", "none"])) }
        if r.chance(20) { options["keys"] = .stringTable(r.pick([["г.Алматы": "almaty"], ["KAZ": "kz", "北京市": "beijing"], ["Kazakhstan": "a b"]])) }
        return FormatSettings(seriesTemplate: series, options: options)
    }

    /// Random rows: any cells, often a row of period-like headers.
    static func chaos(_ r: inout Random) -> [(Int, [TableCell])] {
        let width = 1 + r.below(7)
        var number = 0
        return (0..<r.below(12)).map { _ in
            number += r.chance(80) ? 1 : 1 + r.below(r.chance(5) ? 1 << 40 : 20)
            let periods = r.chance(25)
            var cells = (0..<r.below(width + 1)).map { column in
                periods && column > 0 ? TableCell.text(r.pick(["2019", "2020", "2018Q1", "2008 год", "2019年", "01.01.2000"])) : cell(&r)
            }
            if r.chance(10) { cells += Array(repeating: .empty, count: r.below(4)) }
            return (number, cells)
        }
    }

    /// A table as the layout expects it (a title, a header of periods and labelled rows of
    /// values, or periods down column A), a few of its cells then replaced by random ones.
    static func tableShaped(_ layout: TableLayout, _ r: inout Random) -> [(Int, [TableCell])] {
        var rows: [(Int, [TableCell])] = [(1, [.text("Title")])]
        let headers = r.pick([["2019", "2020", "2021"], ["2018Q1", "2018Q2"], ["2008 год", "2009 год", "2010 год"], ["2019年", "2018年"],
                              ["01.01.2000", "01.01.2001"], ["2019", "2018Q1"], ["2019", "2019"]])
        let labels = ["Kazakhstan", "г.Алматы", "北京市", "KAZ", "Country Code", ""]
        let number = { (r: inout Random) -> TableCell in r.chance(70) ? .number(r.pick(numbers)) : .text(r.pick(["1 234,5", "12,4", "-", "..", "5401"])) }
        switch layout.mode {
        case .periodColumns:
            let first = 2 + r.below(4)
            rows.append((first, [.text(r.pick(["Region", "Country Code", ""])), .text("Indicator Code")] + headers.map(TableCell.text)))
            for row in 0..<(1 + r.below(6)) {
                var cells = [TableCell.text(r.pick(labels)), .text("NY.GDP")]
                for _ in headers { cells.append(number(&r)) }
                rows.append((first + 1 + row, cells))
            }
        case .periodRows:
            for (i, period) in headers.enumerated() {
                rows.append((3 + i, [.text(period), number(&r), number(&r), .empty, number(&r)]))
            }
        }
        for _ in 0..<r.below(3) {
            let row = r.below(rows.count)
            if rows[row].1.isEmpty { continue }
            rows[row].1[r.below(rows[row].1.count)] = cell(&r)
        }
        return rows
    }

    @Test func randomGridsUnderRandomOptionsThrowOrRead() {
        var r = Random(mix: SplitMix(seed: 2008))
        var outcomes = (refusedOptions: 0, errors: 0, payloads: 0)
        for _ in 0..<4_000 {
            let layout: TableLayout
            do { layout = try TableLayout(settings: Self.options(&r)) } catch {
                outcomes.refusedOptions += 1
                continue
            }
            let sheet: String? = r.chance(50) ? "тыс.тенге" : nil
            var builder = PayloadBuilder(origin: "grid", ordinalKind: .record) { _ in nil }
            var scan = layout.scan(sheetName: sheet)
            let grid = r.chance(50) ? Self.tableShaped(layout, &r) : Self.chaos(&r)
            do {
                for (number, cells) in grid { try scan.row(number, cells, into: &builder) }
                try scan.finish(into: &builder)
                _ = try builder.finish()
                outcomes.payloads += 1
            } catch let error as InputError {
                outcomes.errors += 1
                #expect(error.origin == "grid")
                // Only the empty payload has no place to name.
                #expect(error.place != nil || error.reason == "no observations found", "\(error)")
            } catch {
                Issue.record("not an InputError: \(error)")
            }
        }
        #expect(outcomes.refusedOptions > 100)
        #expect(outcomes.errors > 500)
        #expect(outcomes.payloads > 50)
    }
}
