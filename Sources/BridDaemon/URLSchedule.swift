import BridCore
import BridStore
import Foundation

/// When each URL source is due, which are being checked and which are paused: a value,
/// every decision a pure method given the time, so the scheduler's rules are tested
/// without a clock or a store. The daemon holds one and the scheduler acts on its answers.
public struct URLSchedule: Sendable, Equatable {
    /// When each URL source of the configuration is due next.
    public private(set) var due: [String: Date] = [:]
    /// The sources being checked now.
    public private(set) var checking: Set<String> = []
    /// The sources not checked until resumed (kept in the store across restarts).
    public private(set) var paused: Set<String> = []

    public init(paused: Set<String> = []) {
        self.paused = paused
    }

    /// Resumes the schedule stored in the database: a source never checked, or overdue,
    /// is due at once; a source whose schedule got shorter is due by the new one.
    public mutating func load(_ config: BridConfig, states: [SourceState], now: Date) {
        let byID = Dictionary(states.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        paused = Set(states.filter(\.paused).map(\.id))
        due = [:]
        for source in config.sources {
            guard case .url = source.location, let schedule = source.schedule else { continue }
            due[source.id] = Self.resumedDue(state: byID[source.id], schedule: schedule, sourceID: source.id, now: now)
        }
    }

    /// When a source with a stored state is due on (re)start: its stored due time, or
    /// sooner when its schedule got shorter; never before `now`.
    public static func resumedDue(state: SourceState?, schedule: Schedule, sourceID: String, now: Date) -> Date {
        guard let state, let stored = state.nextDueAt, let lastCheck = state.lastCheckAt else { return now }
        let bySchedule = state.consecutiveFailures > 0 ? stored : SchedulePolicy.nextDue(after: lastCheck, schedule: schedule, sourceID: sourceID)
        return max(now, min(stored, bySchedule))
    }

    /// Marks the due sources as being checked (at most `capacity` checks at once, those
    /// in flight included) and says when to look again: the earliest due time still
    /// ahead (sources due but over the limit wait for a check to finish). Only sources
    /// this instance `holds` are started (in a cluster, the others are another instance's);
    /// one not held is started once it is held again (`takeOver`) and due.
    public mutating func takeDue(now: Date, capacity: Int, holds: (String) -> Bool = { _ in true }) -> (start: [String], nextWake: Date?) {
        var start: [String] = []
        let room = capacity - checking.count
        for (id, date) in due.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) })
        where date <= now && !checking.contains(id) && !paused.contains(id) && start.count < room && holds(id) {
            start.append(id)
        }
        checking.formUnion(start)
        let nextWake = waiting.filter { holds($0.key) }.values.filter { $0 > now }.min()
        return (start, nextWake)
    }

    /// A source this instance took over from another in its cluster: due as the other
    /// left it in the store (as at a restart), paused or not as stored.
    public mutating func takeOver(_ id: String, state: SourceState?, schedule: Schedule, now: Date) {
        guard due[id] != nil else { return }
        due[id] = Self.resumedDue(state: state, schedule: schedule, sourceID: id, now: now)
        if state?.paused == true { paused.insert(id) } else { paused.remove(id) }
    }

    /// The due times of the sources neither checked now nor paused.
    var waiting: [String: Date] { due.filter { !checking.contains($0.key) && !paused.contains($0.key) } }

    /// The source the scheduler checks next, and when.
    public var next: (id: String, at: Date)? {
        waiting.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }).map { ($0.key, $0.value) }
    }

    /// Marks a source as being checked (`--once`, a manual fetch); false when it already is.
    public mutating func begin(_ id: String) -> Bool { checking.insert(id).inserted }

    /// A check ended.
    public mutating func finish(_ id: String) { checking.remove(id) }

    /// Pauses or resumes a source; false when it already was.
    public mutating func setPaused(_ id: String, _ pause: Bool) -> Bool {
        guard paused.contains(id) != pause else { return false }
        if pause { paused.insert(id) } else { paused.remove(id) }
        return true
    }

    /// Makes a scheduled source due at `now`; false when it is not a scheduled URL source.
    public mutating func requestNow(_ id: String, now: Date) -> Bool {
        guard due[id] != nil else { return false }
        due[id] = now
        return true
    }

    /// Sets a scheduled source's next due time (a source removed meanwhile stays removed).
    public mutating func reschedule(_ id: String, at date: Date) {
        if due[id] != nil { due[id] = date }
    }

    /// When a source is due after a check that started at `started` and ended at `now`:
    /// by its schedule after a success, after the backoff of `failures` failures in a row
    /// (at least one) when it failed.
    public static func nextDue(succeeded: Bool, started: Date, now: Date, failures: Int, schedule: Schedule, sourceID: String) -> Date {
        succeeded ? SchedulePolicy.nextDue(after: started, schedule: schedule, sourceID: sourceID)
            : SchedulePolicy.retry(after: now, failures: max(failures, 1), schedule: schedule)
    }

    /// Follows a reload from `old` to `new`: removed sources dropped, sources read anew
    /// due at once, added ones and those whose schedule changed resumed from their stored
    /// state, unchanged ones left as they are.
    public mutating func reload(from old: BridConfig, to new: BridConfig, change: ConfigChange, states: [SourceState], now: Date) {
        let byID = Dictionary(states.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let rereads = Set(change.rereads)
        for id in change.removed { due.removeValue(forKey: id) }
        for id in change.added + change.changed {
            guard let source = new.source(id: id) else { continue }
            guard case .url = source.location, let schedule = source.schedule else {
                due.removeValue(forKey: id)
                continue
            }
            if rereads.contains(id) {
                due[id] = now  // a new place or a new reading: check it at once
            } else if old.source(id: id)?.schedule != schedule || due[id] == nil {
                due[id] = Self.resumedDue(state: byID[id], schedule: schedule, sourceID: id, now: now)
            }
        }
    }
}
