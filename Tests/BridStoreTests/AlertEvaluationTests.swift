import BridCore
@testable import BridStore
import Foundation
import Testing

/// Rules evaluated in the ingest transaction, on a test clock (`TemporaryStore.clock`).
@Suite struct AlertEvaluationTests {
    static func rule(_ id: String, _ series: String, _ condition: AlertCondition, severity: Severity = .warning,
                     summary: String? = nil) -> AlertRule {
        AlertRule(id: id, target: .series(glob: series), condition: condition, severity: severity, summary: summary)
    }

    static func sourceRule(_ id: String, _ source: String, _ condition: AlertCondition) -> AlertRule {
        AlertRule(id: id, target: .source(glob: source), condition: condition, severity: .critical)
    }

    static func use(_ t: TemporaryStore, _ rules: [AlertRule], notifiers: [NotifierConfig] = [NotifierConfig(id: "log", kind: .log)],
                    sources: Set<String> = ["src"]) throws {
        try t.store.setAlertPolicy(AlertPolicy(rules: rules, notifiers: notifiers, sources: sources), at: t.clock)
    }

    static func outbox(_ t: TemporaryStore) throws -> [(alert: Int64, event: String)] {
        try t.outbox().map { ($0.alert, $0.event) }
    }

    @Test(arguments: StoreBackend.allCases)
    func changeFiresOnceForTheJumpAndAFirstObservationHasNoPrevious(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "cn-kz.exports.*", .changePct(above: 25, below: -25, compare: .previous),
                                   summary: "{series} {period}: {value} ({change_pct:+.1f} % vs {previous})")])
        try t.ingest([("cn-kz.exports.total", "2017", "6.566")])
        #expect(try t.store.alerts().isEmpty)
        try t.ingest([("cn-kz.exports.total", "2017", "6.566"), ("cn-kz.exports.total", "2018", "8.535")])
        let alerts = try t.store.alerts()
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert.rule == "jump" && alert.series == "cn-kz.exports.total" && alert.period == "2018" && alert.state == .firing)
        #expect(alert.value == "8.535" && alert.previousValue == "6.566")
        #expect(alert.summary == "cn-kz.exports.total 2018: 8.535 (+30.0 % vs 6.566)")
        #expect(alert.releaseID != nil)
        // The same values again (another file, so not byte-identical): no release, no second alert.
        try t.ingest([("cn-kz.exports.total", "2017", "6.566"), ("cn-kz.exports.total", "2018", "8.535")])
        #expect(try t.store.alerts(includeResolved: true).count == 1)
        #expect(try Self.outbox(t).map(\.event) == ["firing"])
    }

    @Test(arguments: StoreBackend.allCases)
    func aRevisionThatRemovesTheConditionResolvesIt(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "kz.*", .changePct(above: 25, below: nil, compare: .previous))])
        try t.ingest([("kz.x", "2017", "100"), ("kz.x", "2018", "130")])
        let fired = try #require(try t.store.alerts().first)
        try t.ingest([("kz.x", "2017", "100"), ("kz.x", "2018", "105")])
        #expect(try t.store.alerts().isEmpty)
        let resolved = try #require(try t.store.alert(id: fired.id))
        #expect(resolved.state == .resolved)
        #expect(resolved.resolveReason == "change now 5 %, within thresholds")
        #expect(try Self.outbox(t).map(\.event) == ["firing", "resolved"])
    }

    /// Verdicts are judged without their details first (most neither fire nor resolve):
    /// rules sharing a pattern still fire in the configuration's order, with full
    /// summaries, and a period that no longer meets its rule resolves with the reason
    /// while the series' other firing period stays.
    @Test(arguments: StoreBackend.allCases)
    func rulesSharingAPatternFireInOrderAndOnlyTheirOwnPeriodResolves(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "kz.*", .changePct(above: 25, below: nil, compare: .previous),
                                   summary: "{period}: {value} ({change_pct:+.0f} % vs {previous})"),
                         Self.rule("rev", "cn.*", .revisionPct(above: 1, below: -1)),
                         Self.rule("high", "kz.*", .level(above: 1_000, below: nil)),
                         Self.rule("named", "kz.x", .level(above: 4_000, below: nil))])
        try t.ingest([("kz.x", "2016", "100"), ("kz.x", "2017", "100"), ("kz.x", "2018", "100")])
        #expect(try t.store.alerts().isEmpty)
        try t.ingest([("kz.x", "2016", "100"), ("kz.x", "2017", "200"), ("kz.x", "2018", "5000")])
        let fired = try t.store.alerts().sorted { $0.id < $1.id }
        #expect(fired.map(\.rule) == ["jump", "jump", "high", "named"])
        #expect(fired.map(\.period) == ["2017", "2018", "2018", "2018"])
        #expect(fired.first?.summary == "2017: 200 (+100 % vs 100)")
        // 2017 back to 100: its jump resolves; 2018 (+4,900 %) and the levels stay.
        try t.ingest([("kz.x", "2016", "100"), ("kz.x", "2017", "100"), ("kz.x", "2018", "5000")])
        let firing = try t.store.alerts().sorted { $0.id < $1.id }
        #expect(firing.map(\.id) == Array(fired.dropFirst().map(\.id)))
        let resolved = try #require(try t.store.alert(id: fired[0].id))
        #expect(resolved.state == .resolved && resolved.resolveReason == "change now 0 %, within thresholds")
        #expect(try Self.outbox(t).map(\.event) == ["firing", "firing", "firing", "firing", "resolved"])
    }

    @Test(arguments: StoreBackend.allCases)
    func revisingTheBasePeriodReevaluatesTheNextOne(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "kz.*", .changePct(above: 25, below: nil, compare: .previous))])
        try t.ingest([("kz.x", "2017", "100"), ("kz.x", "2018", "110")])
        #expect(try t.store.alerts().isEmpty)
        // Only 2017 is revised, down to 80: 2018 is now +37.5 %.
        try t.ingest([("kz.x", "2017", "80"), ("kz.x", "2018", "110")])
        let alert = try #require(try t.store.alerts().first)
        #expect(alert.period == "2018" && alert.previousValue == "80")
    }

    @Test(arguments: StoreBackend.allCases)
    func yearAgoComparesTheSameQuarterAndSkipsAMissingOne(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("yoy", "trains.*", .changePct(above: nil, below: -10, compare: .yearAgo))])
        // 2017-Q2 does not exist: 2018-Q2 has nothing to compare with.
        try t.ingest([("trains.alataw", "2017-Q1", "600"), ("trains.alataw", "2017-Q3", "600")])
        try t.ingest([("trains.alataw", "2018-Q1", "500"), ("trains.alataw", "2018-Q2", "10")])
        let alerts = try t.store.alerts()
        #expect(alerts.map(\.period) == ["2018-Q1"])
        #expect(alerts.first?.previousValue == "600")
    }

    @Test(arguments: StoreBackend.allCases)
    func missingValuesNeitherFireNorCompare(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "kz.*", .changeAbs(above: 1, below: nil, compare: .previous))])
        try t.ingest([("kz.x", "2016", "1"), ("kz.x", "2017", nil), ("kz.x", "2018", "50")])
        #expect(try t.store.alerts().isEmpty)
        try t.ingest([("kz.x", "2016", "1"), ("kz.x", "2017", "10"), ("kz.x", "2018", "50")])
        #expect(try t.store.alerts().compactMap(\.period).sorted() == ["2017", "2018"])
        // 2018 loses its value: nothing to judge, its alert stays; the value comes back
        // (still beyond): the same condition does not fire again.
        try t.ingest([("kz.x", "2016", "1"), ("kz.x", "2017", "10"), ("kz.x", "2018", nil)])
        #expect(try t.store.alerts().compactMap(\.period).sorted() == ["2017", "2018"])
        try t.ingest([("kz.x", "2016", "1"), ("kz.x", "2017", "10"), ("kz.x", "2018", "60")])
        #expect(try t.store.alerts(includeResolved: true).count == 2)
        // Values no Double holds are not judged either.
        try t.ingest([("kz.x", "2016", "1"), ("kz.x", "2017", "10"), ("kz.x", "2018", "60"), ("kz.x", "2019", "9e9999")])
        #expect(try t.store.alerts(includeResolved: true).count == 2)
    }

    @Test(arguments: StoreBackend.allCases)
    func aSeriesFirstReleaseIsHistoryOnlyItsNewestPeriodIsJudged(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "kz.*", .changePct(above: 25, below: -25, compare: .previous)),
                         Self.rule("high", "kz.*", .level(above: 100, below: nil))])
        // Sixty years with a jump every other year: only 2019 against 2018 is news.
        let history = (1960...2019).map { ("kz.x", String($0), $0 % 2 == 0 ? "50" : "99") }
        try t.ingest(history)
        #expect(try t.store.alerts().map(\.rule) == ["jump"])
        #expect(try t.store.alerts().first?.period == "2019")
        // From the second release on, every touched period counts.
        try t.ingest([("kz.x", "1961", "200")])
        #expect(try t.store.alerts().compactMap(\.period).sorted() == ["1961", "1962", "2019"])
    }

    @Test(arguments: StoreBackend.allCases)
    func aLevelDoesNotFireTwiceAcrossAnEmptyNewestPeriod(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("high", "wb.*", .level(above: 100, below: nil))])
        try t.ingest([("wb.kaz", "2017", "150")])
        #expect(try t.store.alerts().count == 1)
        try t.ingest([("wb.kaz", "2017", "150"), ("wb.kaz", "2018", nil)])  // the new year listed before its data
        try t.ingest([("wb.kaz", "2017", "150"), ("wb.kaz", "2018", "160")])
        #expect(try t.store.alerts(includeResolved: true).count == 1)
        #expect(try t.store.alerts().first?.period == "2017")
    }

    @Test(arguments: StoreBackend.allCases)
    func aLevelBeyondItsThresholdForFiveReleasesFiresOnceAndResolvesOnTheWayBack(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("alataw-low", "trains.alataw", .level(above: nil, below: 2_000))])
        try t.ingest([("trains.alataw", "2017", "2500")])
        for (i, value) in ["1900", "1800", "1850", "1700", "1999"].enumerated() {
            try t.ingest([("trains.alataw", String(2018 + i), value)])
        }
        #expect(try t.store.alerts(includeResolved: true).count == 1)
        #expect(try t.store.alerts().first?.period == "2018")
        try t.ingest([("trains.alataw", "2023", "2388")])
        #expect(try t.store.alerts().isEmpty)
        #expect(try t.store.alerts(includeResolved: true).first?.resolveReason == "2023: 2388 is back within thresholds")
        // A new crossing is a new alert.
        try t.ingest([("trains.alataw", "2024", "404")])
        #expect(try t.store.alerts().map(\.period) == ["2024"])
        #expect(try Self.outbox(t).map(\.event) == ["firing", "resolved", "firing"])
    }

    @Test(arguments: StoreBackend.allCases)
    func revisionsAreMeasuredFromTheFirstPublishedValue(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("rev", "cn-kz.trade.*", .revisionPct(above: 1, below: -1), severity: .info)])
        try t.ingest([("cn-kz.trade.total", "2018", "19.885")])
        #expect(try t.store.alerts().isEmpty)
        try t.ingest([("cn-kz.trade.total", "2018", "19.95")])  // +0.33 %
        #expect(try t.store.alerts().isEmpty)
        try t.ingest([("cn-kz.trade.total", "2018", "20.2")])  // +1.58 % from 19.885
        let alert = try #require(try t.store.alerts().first)
        #expect(alert.previousValue == "19.885" && alert.value == "20.2" && alert.severity == .info)
        #expect(alert.summary == "cn-kz.trade.total 2018 revised to 20.2 from 19.885 (+1.58 %)")
        try t.ingest([("cn-kz.trade.total", "2018", "19.9")])
        #expect(try t.store.alerts().isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func staleFiresOnTheTimerAndANewPeriodResolvesItAtIngest(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("quiet", "kz.*", .stale(after: .seconds(60 * 86_400), on: .period))])
        try t.ingest([("kz.m", "2018-10", "1")])  // ends 2018-11-01; the clock is 2018-12-02
        try t.store.evaluateTimedRules(at: t.clock)
        #expect(try t.store.alerts().isEmpty)
        t.clock = Date(timeIntervalSince1970: 1_546_560_000)  // 2019-01-04: 64 days after the end
        try t.store.evaluateTimedRules(at: t.clock)
        let alert = try #require(try t.store.alerts().first)
        #expect(alert.series == "kz.m" && alert.period == "2018-10")
        #expect(alert.summary == "kz.m: nothing new since 2018-11-01T00:00:00Z (64 days)")
        try t.store.evaluateTimedRules(at: t.clock.addingTimeInterval(3600))
        #expect(try t.store.alerts(includeResolved: true).count == 1)
        try t.ingest([("kz.m", "2018-12", "2")])
        #expect(try t.store.alerts().isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func aSourceStaleOnReleasesCountsFromItsLastRelease(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.sourceRule("feed-quiet", "src", .stale(after: .seconds(7 * 86_400), on: .release))])
        try t.ingest([("kz.a", "2018", "1")])
        try t.store.evaluateTimedRules(at: t.clock.addingTimeInterval(6 * 86_400))
        #expect(try t.store.alerts().isEmpty)
        try t.store.evaluateTimedRules(at: t.clock.addingTimeInterval(8 * 86_400))
        #expect(try t.store.alerts().first?.source == "src")
    }

    @Test(arguments: StoreBackend.allCases)
    func fetchFailingFiresAtTheNthFailureAndResolvesOnSuccess(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.sourceRule("failing", "src", .fetchFailing(failures: 3))])
        for n in 1...3 {
            try t.store.recordFailure(source: "src", message: "HTTP 503 from http://x (\(n))", at: t.clock.addingTimeInterval(Double(n)))
            #expect(try t.store.alerts().count == (n == 3 ? 1 : 0))
        }
        try t.store.recordFailure(source: "src", message: "HTTP 503", at: t.clock.addingTimeInterval(4))
        let alert = try #require(try t.store.alerts().first)
        #expect(alert.summary == "source src failing, 3 in a row: HTTP 503 from http://x (3)")
        #expect(alert.severity == .critical)
        try t.ingest([("kz.a", "2018", "1")])
        #expect(try t.store.alerts().isEmpty)
        #expect(try t.store.alert(id: alert.id)?.resolveReason == "a check succeeded")
    }

    @Test(arguments: StoreBackend.allCases)
    func aNotModifiedAnswerResolvesFetchFailing(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.sourceRule("failing", "src", .fetchFailing(failures: 1))])
        try t.store.recordFailure(source: "src", message: "HTTP 503", at: t.clock)
        #expect(try t.store.alerts().count == 1)
        try t.store.recordNotModified(source: "src", at: t.clock.addingTimeInterval(60))
        #expect(try t.store.alerts().isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func resendsCoverEveryFiringAlert(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let am = NotifierConfig(id: "am", kind: .alertmanager(url: "http://127.0.0.1:9093"))
        try Self.use(t, [Self.rule("up", "*", .changeAbs(above: 0, below: nil, compare: .previous))], notifiers: [am])
        try t.ingest((0..<1_201).map { ("kz.s\($0)", "2017", "1") })
        try t.ingest((0..<1_201).map { ("kz.s\($0)", "2018", "2") })
        #expect(try t.store.firingAlerts(for: am).count == 1_201)
        #expect(try t.store.firingCounts() == ["up": 1_201])
    }

    @Test(arguments: StoreBackend.allCases)
    func sourceRulesWatchOnlyConfiguredSources(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.sourceRule("failing", "*", .fetchFailing(failures: 1))], sources: ["other"])
        try t.store.recordFailure(source: "src", message: "boom", at: t.clock)
        #expect(try t.store.alerts().isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func aRejectedIngestWritesNoAlertAndNoOutbox(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "*", .changeAbs(above: 0, below: nil, compare: .previous))])
        try t.ingest([("kz.a", "2017", "1")], source: "a")
        // kz.a belongs to source a: this payload is refused as a whole.
        #expect(throws: InputError.self) { try t.ingest([("kz.b", "2017", "1"), ("kz.b", "2018", "5"), ("kz.a", "2018", "9")], source: "b") }
        #expect(try t.store.alerts(includeResolved: true).isEmpty)
        #expect(try Self.outbox(t).isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func removingARuleResolvesItsAlertsWithTheReason(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "*", .changeAbs(above: 0, below: nil, compare: .previous))])
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "2")])
        #expect(try t.store.alerts().count == 1)
        try Self.use(t, [Self.rule("other", "*", .level(above: 100, below: nil))])
        #expect(try t.store.alerts().isEmpty)
        #expect(try t.store.alerts(includeResolved: true).first?.resolveReason == "rule jump was removed from the configuration")
    }

    @Test(arguments: StoreBackend.allCases)
    func deliveriesFollowTheNotifiersFiltersAndAcksOnlyThoseThatWantThem(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let notifiers = [
            NotifierConfig(id: "all", kind: .log),
            NotifierConfig(id: "critical-only", kind: .log, severities: [.critical]),
            NotifierConfig(id: "no-acks", kind: .log, notifyAcked: false),
            NotifierConfig(id: "other-rules", kind: .log, rules: "fetch-*"),
        ]
        try Self.use(t, [Self.rule("jump", "*", .changeAbs(above: 0, below: nil, compare: .previous))], notifiers: notifiers)
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "2")])
        #expect(try t.store.pendingDeliveries(notifier: "all").map(\.notification.event) == [.firing])
        #expect(try t.store.pendingDeliveries(notifier: "critical-only").isEmpty)
        #expect(try t.store.pendingDeliveries(notifier: "other-rules").isEmpty)
        let alert = try #require(try t.store.alerts().first)
        let acked = try #require(try t.store.ack(alert: alert.id, comment: "looked at it", at: t.clock))
        #expect(acked.changed && acked.alert.ackComment == "looked at it" && acked.alert.state == .firing)
        #expect(try t.store.ack(alert: alert.id, comment: nil, at: t.clock)?.changed == false)
        #expect(try t.store.ack(alert: 999, comment: nil, at: t.clock) == nil)
        #expect(try t.store.pendingDeliveries(notifier: "all").map(\.notification.event) == [.firing, .acked])
        #expect(try t.store.pendingDeliveries(notifier: "no-acks").map(\.notification.event) == [.firing])
        let statistics = try t.store.alertStatistics()
        #expect(statistics.firing[.warning] == 1 && statistics.acked == 1 && statistics.backlog == 3)
        #expect(statistics.backlogByNotifier == ["all": 2, "no-acks": 1])
        // Resolved alerts cannot be acked.
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "1")])
        #expect(throws: AlertStateError.self) { try t.store.ack(alert: alert.id, comment: nil, at: t.clock) }
    }

    @Test(arguments: StoreBackend.allCases)
    func resendsLeaveAckedAlertsOutForNotifiersThatDoNotWantThem(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let quiet = NotifierConfig(id: "am-quiet", kind: .alertmanager(url: "http://127.0.0.1:9093"), notifyAcked: false)
        let loud = NotifierConfig(id: "am", kind: .alertmanager(url: "http://127.0.0.1:9093"))
        try Self.use(t, [Self.rule("jump", "*", .changeAbs(above: 0, below: nil, compare: .previous))], notifiers: [quiet, loud])
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "2"), ("kz.b", "2017", "1"), ("kz.b", "2018", "3")])
        #expect(try t.store.firingAlerts(for: quiet).count == 2)
        let acked = try #require(try t.store.alerts().first { $0.series == "kz.a" })
        _ = try t.store.ack(alert: acked.id, comment: nil, at: t.clock)
        #expect(try t.store.firingAlerts(for: quiet).map(\.series) == ["kz.b"])
        #expect(try t.store.firingAlerts(for: loud).count == 2)
    }

    @Test(arguments: StoreBackend.allCases)
    func aDeliveryIsRetriedThenGivenUpAndStatusKeepsTheError(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try Self.use(t, [Self.rule("jump", "*", .changeAbs(above: 0, below: nil, compare: .previous))],
                     notifiers: [NotifierConfig(id: "hook", kind: .webhook(url: "http://127.0.0.1:9/"))])
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "2")])
        let pending = try #require(try t.store.pendingDeliveries(notifier: "hook").first)
        #expect(pending.notification.id == "brid-alert-\(pending.notification.alert.id)-firing")
        try t.store.recordDeliveryFailure(outboxID: pending.outboxID, notifier: "hook", error: "refused", retryAt: t.clock.addingTimeInterval(2), at: t.clock)
        let retried = try #require(try t.store.pendingDeliveries(notifier: "hook").first)
        #expect(retried.attempts == 1 && retried.nextAttemptAt == t.clock.addingTimeInterval(2))
        try t.store.recordDeliveryFailure(outboxID: pending.outboxID, notifier: "hook", error: "still refused", retryAt: nil, at: t.clock)
        #expect(try t.store.pendingDeliveries(notifier: "hook").isEmpty)
        let statistics = try t.store.alertStatistics()
        #expect(statistics.backlog == 0 && statistics.lastGiveUp?.error == "still refused" && statistics.lastGiveUp?.notifier == "hook")
    }

    @Test(arguments: StoreBackend.allCases)
    func deliveriesToARemovedNotifierAreAbandoned(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let rules = [Self.rule("jump", "*", .changeAbs(above: 0, below: nil, compare: .previous))]
        try Self.use(t, rules, notifiers: [NotifierConfig(id: "old", kind: .log)])
        try t.ingest([("kz.a", "2017", "1"), ("kz.a", "2018", "2")])
        #expect(try t.store.abandonDeliveries(keeping: ["new"], at: t.clock) == 1)
        #expect(try t.store.alertStatistics().backlog == 0)
    }

    @Test(arguments: StoreBackend.allCases)
    func ruleTestReportsHitsOnTheHistoryWithoutFiring(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        try t.ingest([("trains.alataw", "2016", "1702"), ("trains.alataw", "2017", "2500"), ("trains.alataw", "2018", "2388"),
                      ("trains.horgos", "2017", "300"), ("trains.horgos", "2018", "404")])
        let jump = Self.rule("jump", "trains.*", .changePct(above: 25, below: nil, compare: .previous))
        let result = try t.store.testRule(jump, at: t.clock)
        #expect(result.targets == 2 && result.evaluated == 5)
        #expect(result.hits.map { "\($0.series ?? "") \($0.period ?? "")" } == ["trains.alataw 2017", "trains.horgos 2018"])
        #expect(result.hits.allSatisfy { !$0.firingNow })
        let narrowed = try t.store.testRule(jump, series: try Glob("trains.horgos"), at: t.clock)
        #expect(narrowed.targets == 1 && narrowed.hits.count == 1)
        let level = try t.store.testRule(Self.rule("low", "trains.alataw", .level(above: nil, below: 2_400)), at: t.clock)
        #expect(level.hits.map(\.period) == ["2016", "2018"])
        // A source rule not in the running policy (edited on disk) is tested with its own glob.
        try Self.use(t, [], sources: ["src", "other"])
        try t.store.recordFailure(source: "src", message: "HTTP 503", at: t.clock)
        let failing = try t.store.testRule(Self.sourceRule("new-failing", "s*", .fetchFailing(failures: 1)), at: t.clock)
        #expect(failing.targets == 1 && failing.hits.map(\.source) == ["src"])
        #expect(try t.store.alerts(includeResolved: true).isEmpty)
        #expect(try Self.outbox(t).isEmpty)
    }
}
