import BridCore
@testable import BridFormats
import Testing

private func t(_ s: String) -> TableCell { .text(s) }
private func n(_ s: String) -> TableCell { .number(s) }

/// The table layout on rows of cells as spreadsheet readers hand them over.
@Suite struct TableLayoutTests {
    typealias Row = (Int, [TableCell])

    func read(_ rows: [Row], sheet: String? = "тыс.тенге", series: String? = nil, _ options: [String: Any] = [:]) throws -> Payload {
        let layout = try TableLayout(settings: settings(series: series, options))
        var builder = PayloadBuilder(origin: "book.xlsx", ordinalKind: .record) { _ in nil }
        var scan = layout.scan(sheetName: sheet)
        for (number, cells) in rows { try scan.row(number, cells, into: &builder) }
        try scan.finish(into: &builder)
        return try builder.finish()
    }

    /// The error, checked to be an `InputError`; nothing is stored as the builder never finishes.
    func error(_ rows: [Row], sheet: String? = "тыс.тенге", series: String? = nil, _ options: [String: Any] = [:]) -> String? {
        #expect(throws: InputError.self) { try read(rows, sheet: sheet, series: series, options) }?.description
    }

    /// A sheet shaped like the Kazakhstan bureau's: title, empty row, text headers with runs
    /// of spaces and footnote marks, padded labels, a region created later, footnotes.
    static let kz: [Row] = [
        (1, [t("Валовой региональный продукт на душу населения1)")]),
        (3, [.empty, t("I квартал         2008 года"), t("I полугодие         2008 года4) "), t("9 месяцев    2008 года3)"), t("2008 год"), t("20091)")]),
        (4, [t("Республика Казахстан"), n("231.5"), n("499.7"), n("761.2"), n("1024.2"), n("1100")]),
        (5, [t("Актюбинская "), n("250"), n("510"), n("780"), n("1050"), n("1200.25")]),
        (6, [t("Туркестанская2)")]),
        (7, [t("г.Алматы"), .empty, .empty, .empty, .empty, n("2000")]),
        (27, [t("1) Данные за 2008 год уточнены")]),
        (30, [t("2) С 2018 года")]),
    ]

    @Test func periodsAsColumnsWithFootnoteMarksRunsOfSpacesAndAnEmptyRegion() throws {
        let payload = try read(Self.kz, series: "kz.grp.{A}.{frequency}")
        #expect(payload.lines == [
            "kz.grp.Республика_Казахстан.Q 2008-Q1 231.5", "kz.grp.Республика_Казахстан.Q 2008-Q2 499.7",
            "kz.grp.Республика_Казахстан.Q 2008-Q3 761.2",
            "kz.grp.Республика_Казахстан.A 2008 1024.2", "kz.grp.Республика_Казахстан.A 2009 1100",
            "kz.grp.Актюбинская.Q 2008-Q1 250", "kz.grp.Актюбинская.Q 2008-Q2 510", "kz.grp.Актюбинская.Q 2008-Q3 780",
            "kz.grp.Актюбинская.A 2008 1050", "kz.grp.Актюбинская.A 2009 1200.25",
            "kz.grp.г.Алматы.Q 2008-Q1 -", "kz.grp.г.Алматы.Q 2008-Q2 -", "kz.grp.г.Алматы.Q 2008-Q3 -",
            "kz.grp.г.Алматы.A 2008 -", "kz.grp.г.Алматы.A 2009 2000",
        ])
        #expect(payload.series.first { $0.key == "kz.grp.Актюбинская.A" }?.ordinals == [5, 5])
    }

    @Test func twoFrequenciesForOneKeyAreAnErrorNamingBothHeaderCells() throws {
        #expect(error(Self.kz, series: "kz.grp.{A}") == "book.xlsx 'тыс.тенге'!E3: the header holds two frequencies for one series key: B3 reads as 2008-Q1 (quarterly) and E3 as 2008 (annual); keep one with `frequency = \"Q\"`, or put {frequency} in the series template")
        let annual = try read(Self.kz, series: "kz.grp.{A}", ["frequency": "A", "keys": ["Республика Казахстан": "kz", "г.Алматы": "almaty"]])
        #expect(annual.lines == ["kz.grp.kz 2008 1024.2", "kz.grp.kz 2009 1100", "kz.grp.Актюбинская 2008 1050",
                                 "kz.grp.Актюбинская 2009 1200.25", "kz.grp.almaty 2008 -", "kz.grp.almaty 2009 2000"])
        #expect(error(Self.kz, series: "kz.grp.{A}", ["frequency": "M"]) == "book.xlsx 'тыс.тенге'!B3: no header cell of row 3 reads as a period of frequency M (`frequency`); found A, Q")
    }

    @Test func chineseYearHeadersDescendingAndNotesWithIdeographicSpaces() throws {
        let rows: [Row] = [
            (1, [t("数据库：分省年度数据")]), (2, [t("指标：地区生产总值(亿元)")]), (3, [t("时间：最近5年")]),
            (4, [t("地区"), t("2019年"), t("2018年"), t("2017年")]),
            (5, [t("北京市"), n("35371.28"), n("33106"), n("29883")]),
            (6, [t("西藏自治区"), n("1697.82"), n("1548.39"), n("1310.92")]),
            (36, [t("注：1.数据来源")]),
            (37, [t("\u{3000}\u{3000}\u{3000}2.地区生产总值")]),
            (38, [t("数据来源：国家统计局")]),
        ]
        let payload = try read(rows, sheet: "分省年度数据", series: "cn.gdp.{A}")
        #expect(payload.lines == ["cn.gdp.北京市 2017 29883", "cn.gdp.北京市 2018 33106", "cn.gdp.北京市 2019 35371.28",
                                  "cn.gdp.西藏自治区 2017 1310.92", "cn.gdp.西藏自治区 2018 1548.39", "cn.gdp.西藏自治区 2019 1697.82"])
    }

    @Test func theRecogniserReadsEveryBuiltInForm() {
        func period(_ cell: TableCell) -> String? { TablePeriodReader.read(cell, pattern: nil)?.text }
        let cases: [(String, String)] = [
            ("1960", "1960"), ("2019年", "2019"), ("2008 год", "2008"), ("2008 года", "2008"), ("2008 г.", "2008"),
            ("I квартал 2008 года", "2008-Q1"), ("IV квартал 2008 года", "2008-Q4"), ("III квартал 2008", "2008-Q3"),
            ("I полугодие 2008 года", "2008-Q2"), ("9 месяцев 2008 года", "2008-Q3"),
            ("2018Q1", "2018-Q1"), ("2018-Q2", "2018-Q2"), ("2018 Q3", "2018-Q3"), ("2018-01", "2018-01"), ("2018M01", "2018-01"),
            ("2019年第一季度", "2019-Q1"), ("2019年1季度", "2019-Q1"), ("2019年第四季度", "2019-Q4"), ("2019年1月", "2019-01"), ("2019年12月", "2019-12"),
            ("20221)", "2022"), ("2022 года4)", "2022"), ("  9 месяцев\u{A0}\u{A0}2023 года ", "2023-Q3"), ("2018-03-15", "2018-03-15"),
        ]
        for (text, expected) in cases { #expect(period(.text(text)) == expected, "\(text)") }
        #expect(period(.number("1960")) == "1960")
        #expect(period(.date("2020-02-29")) == "2020-02-29")
        for text in ["Регион", "1024.2", "5401", "1000", "V квартал 2008", "2019年13月", "2018Q5", "2018-13", "II полугодие 2008", "Итого (2)", ""] {
            #expect(period(.text(text)) == nil, "\(text)")
        }
        #expect(period(.error("#N/A")) == nil)
    }

    @Test func labelsAreTrimmedCollapsedAndLoseTheirFootnoteMark() {
        #expect(TableText.label("  Туркестанская2)") == "Туркестанская")
        #expect(TableText.label("г.Шымкент2) ") == "г.Шымкент")
        #expect(TableText.label("Северо-Казахстанская   \u{A0}область") == "Северо-Казахстанская область")
        #expect(TableText.label("Итого (2)") == "Итого (2)")
        #expect(TableText.label("Прочие 2)") == "Прочие 2)")
    }

    @Test func stackedTablesArePickedByRowsOrStartAfter() throws {
        let rows: [Row] = [
            (1, [t("в тысячах тенге")]),
            (2, [.empty, t("2019 год"), t("2020 год")]),
            (3, [t("Абай"), n("1"), n("2")]),
            (5, [t("в долларах США")]),
            (6, [.empty, t("2019 год"), t("2020 год")]),
            (7, [t("Абай"), n("3"), n("4")]),
        ]
        #expect(error(rows, series: "kz.{A}") == "book.xlsx 'тыс.тенге'!B6: row 6 repeats the header of row 2: another table starts here; pick one with `rows` or `start_after`")
        #expect(try read(rows, series: "kz.{A}", ["rows": "1-4"]).lines == ["kz.Абай 2019 1", "kz.Абай 2020 2"])
        #expect(try read(rows, series: "kz.{A}", ["start_after": " в долларах  США "]).lines == ["kz.Абай 2019 3", "kz.Абай 2020 4"])
        #expect(try read(rows, series: "kz.{A}", ["rows": "5-7", "header_row": 6]).lines == ["kz.Абай 2019 3", "kz.Абай 2020 4"])
        #expect(error(rows, series: "kz.{A}", ["start_after": "в евро"]) == "book.xlsx 'тыс.тенге'!A1: no row starts with \"в евро\" (`start_after`)")
    }

    @Test func numbersStoredAsTextWithSpaceThousandsAndDecimalCommas() throws {
        let rows: [Row] = [(1, [.empty, t("2020"), t("2021"), t("2022")]),
                           (2, [t("a"), t("1\u{A0}234,5"), t("12\u{202F}345,25"), t(" 1 000 000 ")])]
        #expect(try read(rows, series: "x.{A}", ["decimal": ","]).lines == ["x.a 2020 1234.5", "x.a 2021 12345.25", "x.a 2022 1000000"])
        #expect(try read([(1, [.empty, t("2020"), t("2021")]), (2, [t("a"), t("1 234.5"), n("1234.5")])], series: "x.{A}").lines
                == ["x.a 2020 1234.5", "x.a 2021 1234.5"])
        // A `.number` cell is exact already: a decimal comma setting does not touch it.
        #expect(try read([(1, [.empty, t("2020"), t("2021")]), (2, [t("a"), n("1024.2"), t("1,5")])], series: "x.{A}", ["decimal": ","]).lines
                == ["x.a 2020 1024.2", "x.a 2021 1.5"])
        #expect(error([(1, [.empty, t("2020"), t("2021")]), (2, [t("a"), t("1"), t("1 23,4")])], series: "x.{A}", ["decimal": ","])
                == "book.xlsx 'тыс.тенге'!C2: value \"1 23,4\" is ambiguous: its thousands separator (\" \") does not split it in groups of three digits")
    }

    @Test func missingMarkersAndEmptyCellsAreNoObservation() throws {
        let markers = ["-", "x", "X", "…", "...", "..", ":", "n/a", "N/A"]
        let header: [TableCell] = [.empty] + (0..<markers.count + 2).map { t(String(2000 + $0)) }
        let rows: [Row] = [(1, header), (2, [t("a")] + markers.map(t) + [.empty, n("7")])]
        let payload = try read(rows, series: "x.{A}")
        #expect(payload.series[0].values == Array(repeating: nil, count: markers.count + 1) + ["7"])
        #expect(error(rows, series: "x.{A}", ["missing": ["-"]]) == "book.xlsx 'тыс.тенге'!C2: value \"x\" is not a number (a marker of no value? list it in `missing`)")
        #expect(try read([(1, [.empty, t("2000"), t("2001")]), (2, [t("a"), t("*"), n("1")])], series: "x.{A}", ["missing": ["*"]]).lines
                == ["x.a 2000 -", "x.a 2001 1"])
    }

    @Test func anErrorOrDateCellInAValuePositionIsAnError() {
        let header: Row = (4, [t("Регион"), t("2010 год"), t("2011 год")])
        #expect(error([header, (9, [t("Атырауская"), n("5401"), .error("#N/A")])], series: "kz.{A}")
                == "book.xlsx 'тыс.тенге'!C9: the cell holds the error #N/A, not a value")
        #expect(error([header, (9, [t("Атырауская"), .date("2020-01-01")])], series: "kz.{A}")
                == "book.xlsx 'тыс.тенге'!B9: the cell holds a date (2020-01-01), not a value")
        #expect(error([header, (9, [t("Атырауская"), t("n.a.")])], series: "kz.{A}")
                == "book.xlsx 'тыс.тенге'!B9: value \"n.a.\" is not a number (a marker of no value? list it in `missing`)")
    }

    @Test func unicodeKeysAndTheirFaults() throws {
        let header: Row = (1, [t("Регион"), t("Код"), t("2020"), t("2021")])
        let rows: [Row] = [header, (2, [t("г.Алматы"), t("75"), n("1")]), (3, [t("Северо-Казахстанская область"), t("59"), n("2")])]
        #expect(try read(rows, series: "kz.{Регион}.{B}").lines == ["kz.г.Алматы.75 2020 1", "kz.г.Алматы.75 2021 -",
                                                                      "kz.Северо-Казахстанская_область.59 2020 2", "kz.Северо-Казахстанская_область.59 2021 -"])
        #expect(error([header, (2, [t("Область (Абай), бывш."), t("1"), n("1")])], series: "kz.{A}")
                == "book.xlsx 'тыс.тенге'!A2: series key \"kz.Область_(Абай),_бывш.\" contains '('; use letters, digits and . _ - : / @ + (map the label to a key with `keys`)")
        #expect(try read([header, (2, [t("Область (Абай), бывш."), t("1"), n("1")])], series: "kz.{A}", ["keys": ["Область (Абай), бывш.": "abai"]]).lines
                == ["kz.abai 2020 1", "kz.abai 2021 -"])
        #expect(error([header, (2, [.empty, t("1"), n("1")])], series: "kz.{B}.{A}")
                == "book.xlsx 'тыс.тенге'!A2: the label in column A is empty, and the series key needs it")
        #expect(error(rows, series: "kz.{Region}") == "book.xlsx 'тыс.тенге'!A1: the series template names {Region}, which is no header of row 1 (headers: Регион, Код, 2020, 2021…)")
        #expect(error(rows, series: "kz.{C}") == "book.xlsx 'тыс.тенге'!C1: the series template names {C}, but its header reads as a period: a label column is needed")
    }

    @Test func textTablesNameLinesAndColumns() {
        #expect(error([(5, [t("Country"), t("1960"), t("1961")]), (9, [t("Aruba"), t("1"), t("#")])], sheet: nil, series: "wb.{A}")
                == "book.xlsx line 9, column C: value \"#\" is not a number (a marker of no value? list it in `missing`)")
    }

    @Test func periodsAsRowsWithTitlesAndAFootnoteAndABrokenTable() throws {
        let rows: [Row] = [
            (1, [t("GENESIS-Tabelle: 63111-0001")]),
            (7, [.empty, t("Erfasste Haushalte"), t("Pkw")]),
            (10, [.empty, t("Anzahl"), t("Prozent")]),
            (11, [t("2000"), t("5827"), t("74,4")]),
            (12, [t("2001"), t("-"), t("75,1")]),
            (13, [t("2002"), t("."), t("-")]),
            (14, [t("__________")]),
            (15, [t("Private Haushalte:\nOhne Haushalte von Selbstständigen")]),
        ]
        let options: [String: Any] = ["period_column": "A", "columns": ["B": "de.households", "C": "de.cars"], "decimal": ",", "missing": ["-", "."]]
        #expect(try read(rows, sheet: nil, options).lines == ["de.households 2000 5827", "de.households 2001 -", "de.cars 2000 74.4", "de.cars 2001 75.1"])
        let typo = rows + [(16, [t("2003"), t("1"), t("2")])]
        #expect(error(typo, sheet: nil, options) == "book.xlsx line 16, column A: reads as period 2003, but the table's run of period rows ended at line 14, column A (\"__________\"): a broken table; fix it, or pick rows with `rows`")
        #expect(try read(typo, sheet: nil, options.merging(["rows": "1-15"]) { $1 }).lines.count == 4)
        #expect(error([(1, [t("Titel")])], options) == "book.xlsx 'тыс.тенге'!A1: no row has a period in column A (`period_column`); give a `period_pattern` for periods written otherwise")
    }

    @Test func aPeriodPatternForHeadersTheRecogniserDoesNotKnow() throws {
        let rows: [Row] = [(1, [.empty, t("01.01.2000"), t("01.04.2000")]), (2, [t("a"), n("1"), n("2")])]
        #expect(error(rows, series: "x.{A}") == "book.xlsx 'тыс.тенге'!A1: no header row found: no row has two cells that read as periods (such as 2019, 2019年, 2008 год, I квартал 2008 года, 2018Q1, 2018-01); give `header_row`, or a `period_pattern` for headers written otherwise")
        #expect(try read(rows, series: "x.{A}", ["period_pattern": #"(?<day>\d\d)\.(?<month>\d\d)\.(?<year>\d{4})"#]).lines
                == ["x.a 2000-01-01 1", "x.a 2000-04-01 2"])
        #expect(try read([(1, [.empty, t("Q1/2000"), t("Q2/2000")]), (2, [t("a"), n("1"), n("2")])], series: "x.{A}",
                         ["period_pattern": #"Q(?<quarter>[1-4])/(?<year>\d{4})"#]).lines == ["x.a 2000-Q1 1", "x.a 2000-Q2 2"])
        #expect(error([(1, [.empty, t("x"), t("2020")]), (2, [t("a"), n("1"), n("2")])], series: "x.{A}", ["header_row": 2])
                == "book.xlsx 'тыс.тенге'!A2: header_row 2 has no cell that reads as a period (such as 2019, 2019年, 2008 год, 2018Q1); give a `period_pattern` for headers written otherwise")
    }

    @Test func tablesWithoutDataOrWithDuplicatePeriods() {
        #expect(error([(1, [.empty, t("2019"), t("2020")]), (2, [t("a")])], series: "x.{A}")
                == "book.xlsx 'тыс.тенге'!A1: the table has no data row after its header (row 1): no row below it has labels and a value")
        #expect(error([(1, [.empty, t("2019"), t("2019 год")]), (2, [t("a"), n("1"), n("2")])], series: "x.{A}")
                == "book.xlsx 'тыс.тенге'!C1: B1 and C1 both read as period 2019")
    }

    @Test func settingsThatDoNotMakeSense() {
        func problem(series: String? = nil, _ options: [String: Any]) -> FormatSettingsError? {
            #expect(throws: FormatSettingsError.self) { try TableLayout(settings: settings(series: series, options)) }
        }
        #expect(problem([:])?.key == "series")
        #expect(problem(series: "x.{A}", ["rows": "26-4"])?.key == "rows")
        #expect(problem(series: "x.{A}", ["frequency": "Y"])?.key == "frequency")
        #expect(problem(series: "x.{A}", ["period_pattern": "(\\d{4})"])?.message.contains("`year`") == true)
        #expect(problem(series: "x.{A}", ["period_pattern": "(?<year>"])?.key == "period_pattern")
        #expect(problem(series: "x y.{A}", [:])?.key == "series")
        #expect(problem(series: "x.{A", [:])?.key == "series")
        #expect(problem(series: "x.", [:])?.key == "series")
        #expect(problem(["period_column": "A"])?.key == "period_column")
        #expect(problem(["period_column": "A", "columns": ["A": "x"]])?.key == "columns")
        #expect(problem(["period_column": "A", "columns": ["B": "x y"]])?.key == "columns")
        #expect(problem(["period_column": "A1", "columns": ["B": "x"]])?.key == "period_column")
        #expect(problem(["period_column": "A", "columns": ["B": "x"], "header_row": 2])?.key == "header_row")
        #expect(problem(series: "x.{A}", ["sheet": 0])?.key == "sheet")
        #expect(problem(series: "x.{A}", ["keys": ["a": "b,c"]])?.key == "keys")
        #expect(problem(series: "x.{A}", ["decimal": ",", "thousands": ","])?.key == "thousands")
    }

    @Test func theSheetOption() throws {
        #expect(try TableLayout(settings: settings(series: "x.{A}")).sheet == .first)
        #expect(try TableLayout(settings: settings(series: "x.{A}", ["sheet": "тыс.тенге"])).sheet == .name("тыс.тенге"))
        #expect(try TableLayout(settings: settings(series: "x.{A}", ["sheet": 2])).sheet == .number(2))
    }
}
