import BridCore
import BridRuntime
import BridStore
import Foundation
import Logging

/// What the daemon holds in memory for `status`, read in one visit to the actor.
struct DaemonSnapshot: Sendable {
    let generation: UInt64
    let config: BridConfig
    let schedule: URLSchedule
    let reloadFailure: Daemon.ReloadFailure?
    /// Failing drop sources with failures the store could not record.
    let unrecorded: [String: DropScanFailure]
    /// Whether the store answers; its outage, if any, as it stood at the snapshot.
    let storeHealth: StoreHealth
}

/// Status: a snapshot of the actor's state; the store is read off the actor.
extension Daemon {
    /// What `status` shows of the daemon, read in one visit to the actor.
    func snapshot() -> DaemonSnapshot {
        DaemonSnapshot(generation: generation, config: config, schedule: urlSchedule, reloadFailure: lastReloadFailure,
                       unrecorded: unrecordedDropFailures, storeHealth: storeHealth)
    }

    /// The stored states of the sources with the failures the store could not record on top.
    static func states(_ stored: [SourceState], unrecorded: [String: DropScanFailure]) -> [SourceState] {
        var states = stored.map { state in
            guard let failure = unrecorded[state.id], failure.unrecorded > 0 else { return state }
            return state.adding(failures: failure.unrecorded, lastError: failure.lastError, at: failure.at)
        }
        let known = Set(stored.map(\.id))
        for (id, failure) in unrecorded.sorted(by: { $0.key < $1.key }) where !known.contains(id) && failure.unrecorded > 0 {
            states.append(SourceState.unseen(id).adding(failures: failure.unrecorded, lastError: failure.lastError, at: failure.at))
        }
        return states
    }

    /// The one-line summary for systemd's `STATUS=`:
    /// "12 sources, 3 failing, next fetch wb-kaz-exports in 4m", or while the store is
    /// unavailable "store unavailable: <reason>".
    public func statusLine() async -> String {
        let (snapshot, store, now) = (snapshot(), store, clock.now())
        return await BlockingWork.readValue { Self.statusLine(snapshot, store: store, now: now) }
    }

    /// The status line of a snapshot, reading the store (off the actor).
    nonisolated static func statusLine(_ snapshot: DaemonSnapshot, store: any VintageStore, now: Date) -> String {
        let (config, schedule, health) = (snapshot.config, snapshot.schedule, snapshot.storeHealth)
        if let outage = health.outage { return "store unavailable: \(outage.reason)" }
        let stored: [SourceState]
        do {
            stored = try store.sourceStates()
        } catch {
            if health.isUnavailable(error), let outage = health.outage { return "store unavailable: \(outage.reason)" }
            stored = []
        }
        let states = Self.states(stored, unrecorded: snapshot.unrecorded)
        let ids = Set(config.sources.map(\.id))
        // As `status` says it: a paused source is paused, not failing.
        let failing = states.filter { ids.contains($0.id) && !$0.paused && $0.consecutiveFailures > 0 }.count
        var line = "\(config.sources.count) source\(config.sources.count == 1 ? "" : "s"), \(failing) failing"
        if !schedule.checking.isEmpty { line += ", \(schedule.checking.count) fetching" }
        if let next = schedule.next {
            line += ", next fetch \(next.id) in \(Self.describe(max(0, next.at.timeIntervalSince(now))))"
        }
        if let alerts = try? store.alertStatistics(), !alerts.firing.isEmpty {
            let firing = alerts.firing.values.reduce(0, +)
            line += ", \(firing) alert\(firing == 1 ? "" : "s") firing"
            if let critical = alerts.firing[.critical] { line += " (\(critical) critical)" }
        }
        if snapshot.reloadFailure != nil { line += ", last reload refused" }
        return line
    }

    /// Sends `STATUS=` — only under systemd: the line costs a read of every source's state,
    /// made in order on a queue of its own, off the actor.
    func updateStatus() {
        guard notifier.isEnabled else { return }
        let (snapshot, store, now, notifier) = (snapshot(), store, clock.now(), notifier)
        statusUpdates.async { notifier.status(Self.statusLine(snapshot, store: store, now: now)) }
    }

    /// "45s", "4m", "2h", "3d".
    static func describe(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<90: "\(Int(seconds.rounded()))s"
        case ..<(90 * 60): "\(Int((seconds / 60).rounded()))m"
        case ..<(36 * 3600): "\(Int((seconds / 3600).rounded()))h"
        default: "\(Int((seconds / 86_400).rounded()))d"
        }
    }
}
