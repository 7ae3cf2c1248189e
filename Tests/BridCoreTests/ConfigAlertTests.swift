import Testing
@testable import BridCore

@Suite("Config: [[alert]]")
struct ConfigAlertTests {
    /// Line 6 is the `[[alert]]` header, line 7 its `id`.
    private func alert(_ body: String) throws -> AlertRule {
        let config = try config(oneSource + "\n[[alert]]\nid = \"r\"\n" + body)
        return try #require(config.alerts.first)
    }

    private func errors(_ body: String) -> [String] {
        errorLines(oneSource + "\n[[alert]]\nid = \"r\"\n" + body)
    }

    private func at(_ line: Int, _ rest: String) -> String {
        "/etc/brid/brid.toml:\(line): [[alert]] \"r\": \(rest)"
    }

    @Test func changeConditions() throws {
        let pct = try alert("when = \"change_pct\"\nseries = \"cn-kz.*\"\nbelow = -10\ncompare = \"year_ago\"\nseverity = \"critical\"\nsummary = \"fell\"\n")
        #expect(pct == AlertRule(id: "r", target: .series(glob: "cn-kz.*"),
                                 condition: .changePct(above: nil, below: -10, compare: .yearAgo),
                                 severity: .critical, summary: "fell", line: 6))
        let abs = try alert("when = \"change_abs\"\nseries = \"x\"\nabove = 1.5\nbelow = -2\n")
        #expect(abs.condition == .changeAbs(above: 1.5, below: -2, compare: .previous))
        #expect(abs.severity == .warning)
    }

    @Test func levelAndRevisions() throws {
        #expect(try alert("when = \"level\"\nseries = \"x\"\nabove = 10\nbelow = 2\n").condition == .level(above: 10, below: 2))
        #expect(try alert("when = \"revision_pct\"\nseries = \"x\"\nabove = 5\n").condition == .revisionPct(above: 5, below: nil))
        #expect(try alert("when = \"revision_abs\"\nseries = \"x\"\nbelow = -1\n").condition == .revisionAbs(above: nil, below: -1))
    }

    @Test func staleAndFetchFailing() throws {
        let stale = try alert("when = \"stale\"\nsource = \"wb\"\nafter = \"400d\"\n")
        #expect(stale.target == .source(glob: "wb"))
        #expect(stale.condition == .stale(after: .seconds(400 * 86_400), on: .period))
        let onRelease = try alert("when = \"stale\"\nseries = \"wb.*\"\nafter = \"7d\"\non = \"release\"\n")
        #expect(onRelease.condition == .stale(after: .seconds(7 * 86_400), on: .release))
        let failing = try alert("when = \"fetch_failing\"\nsource = \"wb\"\n")
        #expect(failing.condition == .fetchFailing(failures: 3))
        #expect(try alert("when = \"fetch_failing\"\nsource = \"w*\"\nfailures = 5\n").condition == .fetchFailing(failures: 5))
    }

    @Test func keysThatDoNotApplyNameTheKey() {
        #expect(errors("when = \"level\"\nseries = \"x\"\nabove = 1\ncompare = \"previous\"\nafter = \"1d\"\n") == [
            at(11, "compare: `compare` applies only to change_pct and change_abs, not to level"),
            at(12, "after: `after` applies only to stale, not to level"),
        ])
        #expect(errors("when = \"fetch_failing\"\nsource = \"wb\"\nseries = \"x\"\nabove = 3\n") == [
            at(10, "series: `series` applies only to change_pct, change_abs, level, revision_pct, revision_abs and stale, not to fetch_failing"),
            at(11, "above: `above` applies only to change_pct, change_abs, level, revision_pct and revision_abs, not to fetch_failing"),
        ])
        #expect(errors("when = \"change_pct\"\nseries = \"x\"\nabove = 1\nfailures = 2\nsource = \"wb\"\n") == [
            at(11, "failures: `failures` applies only to fetch_failing, not to change_pct"),
            at(12, "source: `source` applies only to stale and fetch_failing, not to change_pct"),
        ])
    }

    @Test func requiredKeys() {
        #expect(errors("when = \"change_pct\"\nabove = 1\n") == [
            at(6, #"change_pct needs `series` (a glob over series keys, e.g. "cn-kz.exports.*")"#),
        ])
        #expect(errors("when = \"change_abs\"\nseries = \"x\"\n") == [at(6, "change_abs needs `above` or `below` (or both)")])
        #expect(errors("when = \"stale\"\nseries = \"x\"\n") == [at(6, #"stale needs `after`, e.g. after = "400d""#)])
        #expect(errors("when = \"stale\"\nafter = \"1d\"\n") == [at(6, "stale needs `series` (a glob over series keys) or `source`")])
        #expect(errors("when = \"fetch_failing\"\n") == [at(6, "fetch_failing needs `source` (a source id or glob)")])
        #expect(errors("series = \"x\"\n") == [at(6, "missing `when`: one of change_pct, change_abs, level, revision_pct, revision_abs, stale or fetch_failing")])
        #expect(errorLines(oneSource + "\n[[alert]]\nwhen = \"fetch_failing\"\nsource = \"wb\"\n") == [
            #"/etc/brid/brid.toml:6: [[alert]] #1: missing `id`, e.g. id = "kz-exports-jump""#,
        ])
    }

    @Test func valueErrors() {
        #expect(errors("when = \"level\"\nseries = \"x\"\nabove = 1\nbelow = 5\n") == [
            at(10, "above: must be greater than `below` (1 ≤ 5); a level alert fires outside the band"),
        ])
        #expect(errors("when = \"level\"\nseries = \"x\"\nabove = inf\n") == [at(10, "above: must be a finite number, not inf")])
        #expect(errors("when = \"level\"\nseries = \"x\"\nabove = \"5\"\n") == [at(10, "above: expected a number, found a string")])
        #expect(errors("when = \"fetch_failing\"\nsource = \"wb\"\nfailures = 0\n") == [at(10, "failures: must be at least 1, not 0")])
        #expect(errors("when = \"stale\"\nsource = \"wb\"\nafter = \"soon\"\non = \"publish\"\n") == [
            at(10, #"after: invalid duration "soon" — use a whole number and a unit, e.g. 90s, 15m, 6h, 7d"#),
            at(11, #"on: "publish" is not one of "period" or "release""#),
        ])
        #expect(errors("when = \"rises\"\nseries = \"x\"\n") == [
            at(8, #"when: "rises" is not a condition; use change_pct, change_abs, level, revision_pct, revision_abs, stale or fetch_failing"#),
        ])
        #expect(errors("when = \"change_pct\"\nseries = \"x\"\nabove = 1\ncompare = \"last_year\"\nseverity = \"high\"\n") == [
            at(11, #"compare: "last_year" is not one of "previous" or "year_ago""#),
            at(12, #"severity: "high" is not one of "info", "warning" or "critical""#),
        ])
    }

    @Test func targets() {
        #expect(errors("when = \"fetch_failing\"\nsource = \"wbb\"\n") == [
            at(9, #"source: no [[source]] has the id "wbb"; did you mean "wb"?"#),
        ])
        #expect(errors("when = \"stale\"\nsource = \"wb\"\nseries = \"x\"\nafter = \"1d\"\n") == [
            at(9, "source: give either `series` or `source`, not both"),
        ])
        #expect(errors("when = \"level\"\nseries = \"x[a\"\nabove = 1\n") == [
            at(9, #"series: invalid glob "x[a": '[' without a closing ']'"#),
        ])
    }

    @Test func duplicateIDsAndUnknownKeys() {
        let text = oneSource + "\n" + """
            [[alert]]
            id = "r"
            when = "fetch_failing"
            source = "wb"
            [[alert]]
            id = "r"
            when = "fetch_failing"
            source = "wb"
            serverity = "info"
            """
        #expect(errorLines(text) == [
            #"/etc/brid/brid.toml:11: [[alert]] "r": id: "r" is already the id of the [[alert]] on line 6"#,
            #"/etc/brid/brid.toml:14: [[alert]] "r": serverity: unknown key; did you mean `severity`?"#,
        ])
    }

    @Test func severityIsOrdered() {
        #expect(Severity.info < .warning && Severity.warning < .critical)
        #expect([Severity.critical, .info, .warning].sorted() == [.info, .warning, .critical])
    }
}
