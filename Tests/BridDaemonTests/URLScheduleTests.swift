import BridCore
@testable import BridDaemon
import BridRuntime
@testable import BridStore
import Foundation
import Testing

/// The scheduler's decisions as a value: no clock, no store, no actor.
@Suite struct URLScheduleTests {
    let now = Date(timeIntervalSince1970: 1_764_489_600)

    func config(_ sources: String, maxConcurrentFetches: Int = 4) throws -> BridConfig {
        try ConfigLoader.parse(text: "[daemon]\nstate_dir = \"/tmp/s\"\nmax_concurrent_fetches = \(maxConcurrentFetches)\n" + sources,
                               path: "/tmp/brid.toml", workingDirectory: "/tmp").get()
    }

    static func url(_ id: String, every: String = "1h") -> String {
        "\n[[source]]\nid = \"\(id)\"\nurl = \"http://127.0.0.1/\(id)\"\nformat = \"csv\"\nevery = \"\(every)\"\n"
    }

    func state(_ id: String, lastCheck: Date?, nextDue: Date?, failures: Int = 0, paused: Bool = false) -> SourceState {
        SourceState(id: id, lastCheckAt: lastCheck, lastSuccessAt: nil, lastError: nil, lastErrorAt: nil,
                    consecutiveFailures: failures, nextDueAt: nextDue, etag: nil, lastModified: nil, paused: paused)
    }

    @Test func onlySourcesThisInstanceHoldsAreStartedOrWokenFor() throws {
        let config = try config(Self.url("a") + Self.url("b") + Self.url("c"))
        var schedule = URLSchedule()
        schedule.load(config, states: [state("c", lastCheck: now, nextDue: now.addingTimeInterval(600))], now: now)
        let plan = schedule.takeDue(now: now, capacity: 4, holds: { $0 == "a" })
        #expect(plan.start == ["a"] && plan.nextWake == nil, "b is due but another instance's; c is not held either")
        // Taken over: due as its former holder left it in the store, paused as stored.
        schedule.takeOver("c", state: state("c", lastCheck: now, nextDue: now.addingTimeInterval(300), paused: true),
                          schedule: .every(.seconds(3600)), now: now)
        #expect(schedule.due["c"] == now.addingTimeInterval(300) && schedule.paused.contains("c"))
        schedule.takeOver("b", state: nil, schedule: .every(.seconds(3600)), now: now)
        #expect(schedule.takeDue(now: now, capacity: 4, holds: { _ in true }).start == ["b"])
    }

    @Test func aNeverCheckedSourceIsDueAtOnceAndAStoredOneWhenStored() throws {
        let config = try config(Self.url("a") + Self.url("b") + "\n[[source]]\nid = \"d\"\ndrop = \"/tmp/d\"\nformat = \"csv\"\n")
        var schedule = URLSchedule()
        schedule.load(config, states: [state("b", lastCheck: now, nextDue: now.addingTimeInterval(3000))], now: now)
        #expect(schedule.due == ["a": now, "b": now.addingTimeInterval(3000)], "drop sources are not scheduled")
    }

    @Test func aShorterScheduleBringsTheStoredDueTimeForward() throws {
        let config = try config(Self.url("a", every: "10m"))
        var schedule = URLSchedule()
        schedule.load(config, states: [state("a", lastCheck: now, nextDue: now.addingTimeInterval(86_400))], now: now)
        let bySchedule = SchedulePolicy.nextDue(after: now, schedule: .every(.seconds(600)), sourceID: "a")
        #expect(schedule.due["a"] == bySchedule)
        // A failing source keeps its backoff; an overdue one is due now, not in the past.
        schedule.load(config, states: [state("a", lastCheck: now, nextDue: now.addingTimeInterval(86_400), failures: 2)], now: now)
        #expect(schedule.due["a"] == now.addingTimeInterval(86_400))
        schedule.load(config, states: [state("a", lastCheck: now.addingTimeInterval(-9000), nextDue: now.addingTimeInterval(-8000))], now: now)
        #expect(schedule.due["a"] == now)
    }

    @Test func takingDueSourcesKeepsToTheLimitAndSkipsPausedAndInFlight() throws {
        let config = try config(Self.url("a") + Self.url("b") + Self.url("c") + Self.url("d"))
        var schedule = URLSchedule()
        schedule.load(config, states: [state("d", lastCheck: nil, nextDue: nil, paused: true)], now: now)
        let began = schedule.begin("c")
        #expect(began)
        let beganAgain = schedule.begin("c")
        #expect(!beganAgain, "already in flight")
        let plan = schedule.takeDue(now: now, capacity: 2)
        #expect(plan.start == ["a"], "c is in flight and counts against the limit; d is paused")
        #expect(plan.nextWake == nil, "b waits for a check to finish, not for a time")
        #expect(schedule.checking == ["a", "c"])
        schedule.finish("a")
        schedule.reschedule("a", at: now.addingTimeInterval(3600))
        let next = schedule.takeDue(now: now, capacity: 2)
        #expect(next.start == ["b"])
        #expect(next.nextWake == now.addingTimeInterval(3600))
        #expect(schedule.next?.id == "a", "every other unpaused source is in flight")
    }

    @Test func pausingAndRequestsChangeOnlyWhatTheySay() throws {
        var schedule = URLSchedule()
        schedule.load(try config(Self.url("a")), states: [], now: now)
        let paused = schedule.setPaused("a", true)
        #expect(paused)
        let pausedAgain = schedule.setPaused("a", true)
        #expect(!pausedAgain, "already paused")
        #expect(schedule.takeDue(now: now, capacity: 4).start.isEmpty)
        #expect(schedule.next == nil)
        let resumed = schedule.setPaused("a", false)
        #expect(resumed)
        let requested = schedule.requestNow("a", now: now.addingTimeInterval(5))
        #expect(requested)
        #expect(schedule.due["a"] == now.addingTimeInterval(5))
        let requestedUnknown = schedule.requestNow("nope", now: now)
        #expect(!requestedUnknown, "not a scheduled source")
        schedule.reschedule("nope", at: now)
        #expect(schedule.due["nope"] == nil, "a removed source stays removed")
    }

    @Test func theNextDueTimeAfterACheck() {
        let hourly = Schedule.every(.seconds(3600))
        let ok = URLSchedule.nextDue(succeeded: true, started: now, now: now.addingTimeInterval(30), failures: 0, schedule: hourly, sourceID: "a")
        #expect(ok == SchedulePolicy.nextDue(after: now, schedule: hourly, sourceID: "a"), "by the schedule, from the check's start")
        let failed = URLSchedule.nextDue(succeeded: false, started: now, now: now.addingTimeInterval(30), failures: 3, schedule: hourly, sourceID: "a")
        #expect(failed == now.addingTimeInterval(30 + 240), "one minute, doubling, from the failure")
        let unknown = URLSchedule.nextDue(succeeded: false, started: now, now: now, failures: 0, schedule: hourly, sourceID: "a")
        #expect(unknown == now.addingTimeInterval(60), "a failure the store did not count is the first")
    }

    @Test func aReloadsChangeAndWhatItReschedules() throws {
        let old = try config(Self.url("keep") + Self.url("slower") + Self.url("moved") + Self.url("gone"))
        let new = try config(Self.url("keep") + Self.url("slower", every: "1d")
            + Self.url("moved").replacingOccurrences(of: "/moved\"", with: "/elsewhere\"") + Self.url("added")
            + "\n[[source]]\nid = \"nowdrop\"\ndrop = \"/tmp/x\"\nformat = \"csv\"\n")
        var schedule = URLSchedule()
        schedule.load(old, states: [], now: now)
        for id in ["keep", "slower", "moved", "gone"] { schedule.reschedule(id, at: now.addingTimeInterval(1800)) }
        let later = now.addingTimeInterval(60)
        let change = ConfigChange(from: old, to: new)
        #expect(change.added == ["added", "nowdrop"])
        #expect(change.removed == ["gone"])
        #expect(change.changed == ["slower", "moved"])
        #expect(change.rereads == ["moved"], "a new schedule alone is not a new reading")
        #expect(change.dropFoldersToScan == ["/tmp/x"])
        schedule.reload(from: old, to: new, change: change,
                        states: [state("slower", lastCheck: now, nextDue: now.addingTimeInterval(1800))], now: later)
        #expect(schedule.due["keep"] == now.addingTimeInterval(1800), "unchanged: left as it was")
        #expect(schedule.due["slower"] == now.addingTimeInterval(1800), "a longer schedule keeps the stored, sooner, due time")
        #expect(schedule.due["moved"] == later, "read anew: at once")
        #expect(schedule.due["added"] == later, "never checked: at once")
        #expect(schedule.due["gone"] == nil)
        #expect(schedule.due["nowdrop"] == nil)
    }
}
