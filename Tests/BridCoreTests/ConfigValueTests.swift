import Foundation
import Testing
@testable import BridCore

@Suite("Durations and sizes")
struct DurationAndSizeTests {
    @Test func durationUnits() throws {
        #expect(try ConfigDuration.parse("90s") == .seconds(90))
        #expect(try ConfigDuration.parse("15m") == .seconds(900))
        #expect(try ConfigDuration.parse("6h") == .seconds(21_600))
        #expect(try ConfigDuration.parse("7d") == .seconds(604_800))
        #expect(try ConfigDuration.parse("250ms") == .milliseconds(250))
        #expect(try ConfigDuration.parse("0s") == .zero)
    }

    @Test(arguments: ["6x", "", "h", "1.5h", "-5s", "5 s", "5S", "10min", "s5"])
    func badDurationsSuggestTheSpelling(_ text: String) {
        #expect(throws: ConfigValueError("invalid duration \(text.debugDescription) — use a whole number and a unit, e.g. 90s, 15m, 6h, 7d")) {
            try ConfigDuration.parse(text)
        }
    }

    @Test func hugeDurationOverflows() {
        #expect(throws: ConfigValueError(#"duration "9223372036854775807d" is too long"#)) {
            try ConfigDuration.parse("9223372036854775807d")
        }
    }

    @Test func durationFormatRoundTrips() throws {
        #expect(ConfigDuration.format(.seconds(21_600)) == "6h")
        #expect(ConfigDuration.format(.seconds(90)) == "90s")
        #expect(ConfigDuration.format(.milliseconds(1500)) == "1500ms")
        #expect(ConfigDuration.format(.seconds(86_400 * 7)) == "7d")
    }

    @Test func sizesAreBinaryAndCaseInsensitive() throws {
        #expect(try ByteSize.parse("20MB") == 20 * 1024 * 1024)
        #expect(try ByteSize.parse("512KB") == 512 * 1024)
        #expect(try ByteSize.parse("512kb") == 524_288)
        #expect(try ByteSize.parse("1GB") == 1 << 30)
        #expect(try ByteSize.parse("100B") == 100)
        #expect(try ByteSize.parse("3Mb") == 3 << 20)
    }

    @Test(arguments: ["20", "MB", "20TB", "1.5MB", "-1KB", "20 MB"])
    func badSizes(_ text: String) {
        #expect(throws: ConfigValueError("invalid size \(text.debugDescription) — use a whole number and a unit, e.g. 512KB, 20MB (B, KB, MB, GB)")) {
            try ByteSize.parse(text)
        }
    }
}

@Suite("Globs")
struct GlobTests {
    @Test func star() throws {
        let g = try Glob("cn-kz.exports.*")
        #expect(g.matches("cn-kz.exports.total"))
        #expect(g.matches("cn-kz.exports."))
        #expect(g.matches("cn-kz.exports.a.b"))
        #expect(!g.matches("cn-kz.imports.total"))
        #expect(!g.matches("xcn-kz.exports.total"))
    }

    @Test func starsInTheMiddleBacktrack() throws {
        let g = try Glob("a*b*c")
        #expect(g.matches("abc"))
        #expect(g.matches("axxbyybzc"))
        #expect(!g.matches("axxbyy"))
        #expect(!g.matches("acb"))
        #expect(try Glob("*").matches(""))
        #expect(try Glob("**x").matches("yyx"))
    }

    @Test func questionMarkIsExactlyOne() throws {
        let g = try Glob("wb.??")
        #expect(g.matches("wb.kz"))
        #expect(!g.matches("wb.k"))
        #expect(!g.matches("wb.kaz"))
    }

    @Test func setsRangesAndNegation() throws {
        #expect(try Glob("[abc]x").matches("bx"))
        #expect(!(try Glob("[abc]x").matches("dx")))
        #expect(try Glob("q[0-9]").matches("q7"))
        #expect(!(try Glob("q[0-9]").matches("qa")))
        #expect(try Glob("[!x]y").matches("ay"))
        #expect(!(try Glob("[!x]y").matches("xy")))
        #expect(try Glob("[a-]").matches("-"))
        #expect(try Glob("[]]").matches("]"))
    }

    /// ASCII keys are matched byte by byte; keys with other characters (or CR LF, one
    /// character) by character; both give the same answers.
    @Test func bytesAndCharactersAgree() throws {
        let patterns = ["*", "bench.*", "a*b*c", "wb.??", "[a-c]x*", "[!x]y", "*.s0?", "q[0-9]*z", "[]]*", "*-*-*"]
        let keys = ["", "bench.s01", "bench.", "abc", "axxbyybzc", "acb", "wb.kz", "wb.kaz", "bx", "dxy", "ay", "xy",
                    "bench.s05", "q7zz", "q7", "]x", "a-b-c", "a-b"]
        for pattern in patterns {
            let glob = try Glob(pattern)
            for key in keys {
                #expect(glob.matches(key) == glob.matchesByCharacter(key), "\(pattern) against \(key)")
            }
        }
        // A CR LF pair is one character: `?` takes it whole.
        #expect(try Glob("a?c").matches("a\r\nc"))
        #expect(!(try Glob("a??c").matches("a\r\nc")))
        // Non-ASCII keys and patterns go by character.
        #expect(try Glob("caf?").matches("café"))
        #expect(!(try Glob("cafe?").matches("cafe\u{301}")))
        #expect(try Glob("straße.*").matches("straße.total"))
        #expect(try Glob("[a-z]*").matches("é") == false)
    }

    @Test func plainTextMatchesOnlyItself() throws {
        let g = try Glob("cn-kz.trade.total")
        #expect(g.matches("cn-kz.trade.total"))
        #expect(!g.matches("cn-kz.trade.total2"))
        #expect(!Glob.isPattern("cn-kz.trade.total"))
        #expect(Glob.isPattern("cn-kz.*"))
    }

    @Test func badPatterns() {
        #expect(throws: ConfigValueError(#"invalid glob "a[bc": '[' without a closing ']'"#)) { try Glob("a[bc") }
        #expect(throws: ConfigValueError(#"invalid glob "[z-a]": range z-a is backwards"#)) { try Glob("[z-a]") }
    }
}

@Suite("Cron expressions")
struct CronExpressionTests {
    private static func date(_ iso: String) -> Date {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.date(from: iso)!
    }

    private func next(_ expression: String, after iso: String) throws -> String {
        let cron = try CronExpression(expression)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: cron.next(after: Self.date(iso)))
    }

    @Test func weekdaysAtSix() throws {
        // 2025-01-03 is a Friday.
        #expect(try next("0 6 * * 1-5", after: "2025-01-03T05:59:00Z") == "2025-01-03T06:00:00Z")
        #expect(try next("0 6 * * 1-5", after: "2025-01-03T06:00:00Z") == "2025-01-06T06:00:00Z")
        #expect(try next("0 6 * * mon-fri", after: "2025-01-04T12:00:00Z") == "2025-01-06T06:00:00Z")
    }

    @Test func everyQuarterHourIsStrictlyAfter() throws {
        #expect(try next("*/15 * * * *", after: "2025-03-10T10:00:00Z") == "2025-03-10T10:15:00Z")
        #expect(try next("*/15 * * * *", after: "2025-03-10T10:14:59Z") == "2025-03-10T10:15:00Z")
        #expect(try next("*/15 * * * *", after: "2025-03-10T23:50:00Z") == "2025-03-11T00:00:00Z")
    }

    @Test func leapDay() throws {
        #expect(try next("0 0 29 2 *", after: "2025-01-01T00:00:00Z") == "2028-02-29T00:00:00Z")
        #expect(try next("0 0 29 2 *", after: "2024-02-29T00:00:00Z") == "2028-02-29T00:00:00Z")
        // 2100 is not a leap year.
        #expect(try next("0 0 29 feb *", after: "2097-01-01T00:00:00Z") == "2104-02-29T00:00:00Z")
    }

    @Test func newYearAcrossTheYearEnd() throws {
        #expect(try next("0 0 1 1 *", after: "2024-12-31T23:59:00Z") == "2025-01-01T00:00:00Z")
        #expect(try next("0 0 1 1 *", after: "2025-01-01T00:00:00Z") == "2026-01-01T00:00:00Z")
        #expect(try next("30 23 31 12 *", after: "2025-06-01T00:00:00Z") == "2025-12-31T23:30:00Z")
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        // The 13th or any Friday: from Monday 2025-06-02 the first is Friday 6 June.
        #expect(try next("0 12 13 * 5", after: "2025-06-02T00:00:00Z") == "2025-06-06T12:00:00Z")
        // From Saturday 7 June: the 13th is itself a Friday; from 14 June, Friday 20 June.
        #expect(try next("0 12 13 * 5", after: "2025-06-07T00:00:00Z") == "2025-06-13T12:00:00Z")
        // With day of week `*`, only the 13th counts.
        #expect(try next("0 12 13 * *", after: "2025-06-02T00:00:00Z") == "2025-06-13T12:00:00Z")
    }

    @Test func sundayIsZeroAndSeven() throws {
        // 2025-06-08 is a Sunday.
        #expect(try next("0 0 * * 7", after: "2025-06-02T00:00:00Z") == "2025-06-08T00:00:00Z")
        #expect(try next("0 0 * * 0", after: "2025-06-02T00:00:00Z") == "2025-06-08T00:00:00Z")
        #expect(try next("0 0 * * sun", after: "2025-06-02T00:00:00Z") == "2025-06-08T00:00:00Z")
    }

    @Test func listsStepsAndRangesWithSteps() throws {
        #expect(try next("5,35 */6 * * *", after: "2025-06-02T06:10:00Z") == "2025-06-02T06:35:00Z")
        #expect(try next("5,35 */6 * * *", after: "2025-06-02T06:40:00Z") == "2025-06-02T12:05:00Z")
        #expect(try next("0 8-18/4 * * *", after: "2025-06-02T12:00:00Z") == "2025-06-02T16:00:00Z")
        #expect(try next("0 0 1 jan,jul *", after: "2025-02-01T00:00:00Z") == "2025-07-01T00:00:00Z")
        #expect(try next("10/20 * * * *", after: "2025-06-02T06:31:00Z") == "2025-06-02T06:50:00Z")
    }

    @Test func fieldErrorsNameTheField() {
        #expect(throws: ConfigValueError(#"invalid cron expression "60 * * * *": minute field "60": 60 is out of range 0–59"#)) {
            try CronExpression("60 * * * *")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "0 24 * * *": hour field "24": 24 is out of range 0–23"#)) {
            try CronExpression("0 24 * * *")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "0 0 0 * *": day-of-month field "0": 0 is out of range 1–31"#)) {
            try CronExpression("0 0 0 * *")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "0 0 * foo *": month field "foo": "foo" is not a number or a name (jan–dec)"#)) {
            try CronExpression("0 0 * foo *")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "0 0 * * 8": day-of-week field "8": 8 is out of range 0–7"#)) {
            try CronExpression("0 0 * * 8")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "0 5-2 * * *": hour field "5-2": range 5-2 is backwards"#)) {
            try CronExpression("0 5-2 * * *")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "*/0 * * * *": minute field "*/0": step "0" must be a whole number of at least 1"#)) {
            try CronExpression("*/0 * * * *")
        }
    }

    @Test func wrongFieldCountAndImpossibleDates() {
        #expect(throws: ConfigValueError(#"invalid cron expression "0 6 * *": needs 5 fields (minute hour day-of-month month day-of-week), found 4"#)) {
            try CronExpression("0 6 * *")
        }
        #expect(throws: ConfigValueError(#"invalid cron expression "0 0 30 2 *": it never matches, the months chosen have no day 30"#)) {
            try CronExpression("0 0 30 2 *")
        }
    }
}
