import BridCore
import Foundation
import Testing

@Suite struct AlertArithmeticTests {
    @Test func periodsStepAcrossYears() {
        #expect(Period.offset("2018", by: -1, frequency: .annual) == "2017")
        #expect(Period.offset("2018-Q1", by: -1, frequency: .quarterly) == "2017-Q4")
        #expect(Period.offset("2018-Q4", by: 1, frequency: .quarterly) == "2019-Q1")
        #expect(Period.offset("2018-01", by: -1, frequency: .monthly) == "2017-12")
        #expect(Period.offset("2019-W01", by: -1, frequency: .weekly) == "2018-W52")
        #expect(Period.offset("2020-W53", by: 1, frequency: .weekly) == "2021-W01")
        #expect(Period.offset("2018-03-01", by: -1, frequency: .daily) == "2018-02-28")
        #expect(Period.offset("2018-Q1", by: -1, frequency: .monthly) == nil)
        #expect(Period.offset("1200-12-31", by: 1, frequency: .daily) == "1201-01-01")
        #expect(Period.offset("1600-03-01", by: -1, frequency: .daily) == "1600-02-29")
        #expect(Period.offset("2020-W01", by: -1, frequency: .weekly) == "2019-W52")
    }

    @Test func yearAgoExistsOnlyWhenThatPeriodDoes() {
        #expect(Period.yearAgo("2018-Q3", frequency: .quarterly) == "2017-Q3")
        #expect(Period.yearAgo("2018-03", frequency: .monthly) == "2017-03")
        #expect(Period.yearAgo("2018", frequency: .annual) == "2017")
        #expect(Period.yearAgo("2021-W10", frequency: .weekly) == "2020-W10")
        #expect(Period.yearAgo("2020-W53", frequency: .weekly) == nil)  // 2019 has 52 weeks
        #expect(Period.yearAgo("2021-W52", frequency: .weekly) == "2020-W52")
        #expect(Period.yearAgo("2020-02-29", frequency: .daily) == nil)
        #expect(Period.yearLater("2017-Q3", frequency: .quarterly) == "2018-Q3")
        #expect(Period.yearLater("2020-W53", frequency: .weekly) == nil)
    }

    @Test func periodsEndAtTheStartOfTheNext() {
        func end(_ p: String, _ f: Frequency) -> String? { Period.end(of: p, frequency: f).map(WireTime.format) }
        #expect(end("2018", .annual) == "2019-01-01T00:00:00Z")
        #expect(end("2018-Q4", .quarterly) == "2019-01-01T00:00:00Z")
        #expect(end("2018-Q2", .quarterly) == "2018-07-01T00:00:00Z")
        #expect(end("2018-02", .monthly) == "2018-03-01T00:00:00Z")
        #expect(end("2018-W01", .weekly) == "2018-01-08T00:00:00Z")  // week 1 of 2018 starts Monday 1 January
        #expect(end("2018-12-31", .daily) == "2019-01-01T00:00:00Z")
    }

    @Test func changesAndThresholds() {
        #expect(AlertJudgement.change(from: 6.566, to: 8.535, percent: true).map { ($0 * 10).rounded() / 10 } == 30.0)
        #expect(AlertJudgement.change(from: -10, to: -5, percent: true) == 50)
        #expect(AlertJudgement.change(from: 0, to: 5, percent: true) == nil)
        #expect(AlertJudgement.change(from: 0, to: 5, percent: false) == 5)
        #expect(AlertJudgement.beyond(25.1, above: 25, below: nil))
        #expect(!AlertJudgement.beyond(25, above: 25, below: -25))
        #expect(AlertJudgement.beyond(-30, above: 25, below: -25))
    }

    @Test func summaryTemplatesFormatNumbersAndNameMissingFields() {
        let values = ["series": "cn-kz.exports.total", "period": "2018", "value": "8.535", "change_pct": "29.987816"]
        #expect(SummaryTemplate.render("{series} {period}: {value} ({change_pct:+.1f} % vs {previous})", values)
                == "cn-kz.exports.total 2018: 8.535 (+30.0 % vs n/a)")
        #expect(SummaryTemplate.render("{change_pct:.0f}% {{literal}}", values) == "30% {literal}")
        #expect(SummaryTemplate.render("{change_pct:+f}", ["change_pct": "-2"]) == "-2")
        #expect(SummaryTemplate.problem(in: "{series} {vaule}")?.contains("{vaule} is not a summary field") == true)
        #expect(SummaryTemplate.problem(in: "{value:x}")?.contains("the format \"x\"") == true)
        #expect(SummaryTemplate.problem(in: "{value") != nil)
        #expect(SummaryTemplate.problem(in: "{series} {change_pct:+.1f} %") == nil)
    }

    @Test func notificationsCarryAStableIDAndRoundTrip() throws {
        let body = AlertNotification.Body(id: 7, rule: "jump", when: "change_pct", severity: "warning", state: "firing",
                                          series: "cn-kz.exports.total", source: "bri-cn-kz", period: "2018", value: "8.535",
                                          previousValue: "6.566", summary: "s", firedAt: Date(timeIntervalSince1970: 1_543_622_400),
                                          resolvedAt: nil, resolveReason: nil, ackedAt: nil, ackComment: nil, releaseID: 3)
        let notification = AlertNotification(event: .firing, at: Date(timeIntervalSince1970: 1_543_622_400), alert: body)
        #expect(notification.id == "brid-alert-7-firing")
        let text = String(decoding: notification.encoded(), as: UTF8.self)
        #expect(text.contains("\"previous_value\":\"6.566\"") && text.contains("\"fired_at\":\"2018-12-01T00:00:00Z\""))
        #expect(try AlertNotification.decode(notification.encoded()) == notification)
    }
}
