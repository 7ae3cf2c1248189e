@testable import BridCore
import Testing

@Suite struct PeriodTests {
    func normalized(_ text: String, _ frequency: Frequency?) -> String? {
        try? Period.normalize(text, frequency: frequency).get().text
    }

    @Test(arguments: [
        ("2018", Frequency.annual, "2018"), ("2018-A1", .annual, "2018"), ("2018A", .annual, "2018"),
        ("2018-01-01", .annual, "2018"),
        ("2018-Q1", .quarterly, "2018-Q1"), ("2018Q3", .quarterly, "2018-Q3"), ("2018-q4", .quarterly, "2018-Q4"),
        ("2018-04-01", .quarterly, "2018-Q2"), ("2018-10-01", .quarterly, "2018-Q4"),
        ("2018-03", .monthly, "2018-03"), ("2018M03", .monthly, "2018-03"), ("2018-M03", .monthly, "2018-03"),
        ("2018M3", .monthly, "2018-03"), ("2018-12-01", .monthly, "2018-12"),
        ("2018-W05", .weekly, "2018-W05"), ("2018W5", .weekly, "2018-W05"), ("2018-01-01", .weekly, "2018-W01"),
        ("2021-01-03", .weekly, "2020-W53"), ("2020-W53", .weekly, "2020-W53"),
        ("2018-03-15", .daily, "2018-03-15"), ("2020-02-29", .daily, "2020-02-29"), (" 2018-03 ", .monthly, "2018-03"),
    ])
    func normalizesSpellingsForAKnownFrequency(text: String, frequency: Frequency, expected: String) {
        #expect(normalized(text, frequency) == expected)
    }

    @Test(arguments: [
        ("2018", Frequency.annual), ("2018-Q2", .quarterly), ("2018Q2", .quarterly), ("2018-07", .monthly),
        ("2018M07", .monthly), ("2018-W10", .weekly), ("2018-07-04", .daily),
    ])
    func infersTheFrequencyFromTheSpelling(text: String, frequency: Frequency) throws {
        #expect(try Period.normalize(text, frequency: nil).get().frequency == frequency)
    }

    @Test(arguments: [
        ("2018-03", Frequency.annual), ("2018-03-01", .annual), ("2018-02-01", .quarterly), ("2018-Q1", .monthly),
        ("2018-03-15", .monthly), ("2018", .daily), ("2018-W05", .daily), ("2019-W53", .weekly),
        ("2018-13", .monthly), ("2018-Q5", .quarterly), ("2018-02-30", .daily), ("2019-02-29", .daily),
        ("18", .annual), ("2018-3", .monthly), ("abcd", nil), ("", nil), ("2018-S1", nil), ("2018-03-15T00:00", nil),
    ] as [(String, Frequency?)])
    func refusesPeriodsThatDoNotFit(text: String, frequency: Frequency?) {
        #expect(normalized(text, frequency) == nil)
    }

    @Test func errorsSayWhatWasExpected() {
        guard case let .failure(error) = Period.normalize("2018-03", frequency: .annual) else {
            Issue.record("2018-03 accepted for an annual series")
            return
        }
        #expect(error.description == "period \"2018-03\" does not fit a series of frequency A (2018 expected)")
        guard case let .failure(weekError) = Period.normalize("2019-W53", frequency: .weekly) else { return }
        #expect(weekError.description.contains("2019 has 52 ISO weeks"))
    }

    @Test func canonicalTextsSortChronologically() {
        let months = ["2017-12", "2018-01", "2018-02", "2018-10", "2018-11"]
        #expect(months.sorted() == months)
        let weeks = ["2018-W01", "2018-W09", "2018-W10", "2018-W52"]
        #expect(weeks.sorted() == weeks)
    }

    @Test func isoWeekArithmetic() {
        #expect(ISOWeek.weeks(in: 2015) == 53)
        #expect(ISOWeek.weeks(in: 2018) == 52)
        #expect(ISOWeek.containing(year: 2018, month: 12, day: 31) == (2019, 1))
        #expect(Calendar.weekday(dayNumber: Calendar.dayNumber(year: 2026, month: 11, day: 30)) == 1)  // a Monday
    }
}
