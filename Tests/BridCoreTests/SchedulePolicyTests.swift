@testable import BridCore
import Foundation
import Testing

@Suite struct SchedulePolicyTests {
    let t0 = Date(timeIntervalSince1970: 1_764_489_600)  // 2025-11-30T08:00:00Z

    @Test func jitterIsDeterministicAndBounded() {
        let hourly = Schedule.every(.seconds(3600))
        #expect(SchedulePolicy.jitter(for: "wb-kaz-exports", schedule: hourly) == SchedulePolicy.jitter(for: "wb-kaz-exports", schedule: hourly))
        let jitters = (0..<500).map { SchedulePolicy.jitter(for: "source-\($0)", schedule: hourly).seconds }
        #expect(jitters.allSatisfy { $0 >= 0 && $0 < 300 })
        // 500 hourly sources spread over the five minutes: no second holds more than a handful.
        let perSecond = Dictionary(grouping: jitters) { Int($0) }.values.map(\.count)
        #expect(perSecond.max()! <= 8)
        #expect(Set(jitters.map { Int($0) }).count > 200)
    }

    @Test func everyIsIntervalPlusJitter() {
        let schedule = Schedule.every(.seconds(6 * 3600))
        let jitter = SchedulePolicy.jitter(for: "s", schedule: schedule).seconds
        #expect(abs(SchedulePolicy.nextDue(after: t0, schedule: schedule, sourceID: "s").timeIntervalSince(t0) - (6 * 3600 + jitter)) < 1e-3)
    }

    @Test func cronFiresAtTheNextMatchPlusJitter() throws {
        let schedule = Schedule.cron(try CronExpression("0 6 * * 1-5"))  // 06:00 UTC on weekdays
        let jitter = SchedulePolicy.jitter(for: "s", schedule: schedule).seconds
        // 2025-11-30 is a Sunday: next is Monday 2025-12-01T06:00Z.
        let next = SchedulePolicy.nextDue(after: t0, schedule: schedule, sourceID: "s")
        #expect(abs(next.timeIntervalSince1970 - (1_764_568_800 + jitter)) < 1e-3)
        // Checked just after its own jittered firing: the next one is Tuesday, not Monday again.
        let after = SchedulePolicy.nextDue(after: next.addingTimeInterval(1), schedule: schedule, sourceID: "s")
        #expect(abs(after.timeIntervalSince(next) - 86_400) < 1e-3)
    }

    @Test func backoffDoublesFromAMinuteAndIsCappedByTheInterval() {
        let hourly = Schedule.every(.seconds(3600))
        let delays = (1...8).map { SchedulePolicy.retry(after: t0, failures: $0, schedule: hourly).timeIntervalSince(t0) }
        #expect(delays == [60, 120, 240, 480, 960, 1920, 3600, 3600])
        let short = Schedule.every(.seconds(90))
        #expect(SchedulePolicy.retry(after: t0, failures: 5, schedule: short).timeIntervalSince(t0) == 90)
    }

    @Test func aSourceCheckedMoreOftenThanAMinuteIsRetriedAtItsInterval() {
        let quick = Schedule.every(.seconds(15))
        let delays = (1...4).map { SchedulePolicy.retry(after: t0, failures: $0, schedule: quick).timeIntervalSince(t0) }
        #expect(delays == [15, 15, 15, 15], "capped at the interval, as the README says, not at the first retry's minute")
    }

    @Test func cronIntervalIsTheGapBetweenFirings() throws {
        #expect(SchedulePolicy.interval(of: .cron(try CronExpression("*/15 * * * *")), near: t0) == 900)
    }
}
