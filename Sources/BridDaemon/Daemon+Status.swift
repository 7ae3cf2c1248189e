import BridCore
import BridFetch
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Logging

/// The one-line status for systemd.
extension Daemon {
    /// What `status` shows of the daemon, read in one visit to the actor.
    func statusSnapshot() -> (generation: UInt64, config: BridConfig, schedule: [String: Date], inFlight: Set<String>,
                              reloadFailure: ReloadFailure?, unrecorded: [String: DropScanFailure]) {
        (generation, config, due, checking, lastReloadFailure, dropFailures.filter { $0.value.unrecorded > 0 })
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
    /// "12 sources, 3 failing, next fetch wb-kaz-exports in 4m".
    public func statusLine() -> String {
        let states = Self.states((try? store.sourceStates()) ?? [], unrecorded: dropFailures)
        let ids = Set(config.sources.map(\.id))
        // As `status` says it: a paused source is paused, not failing.
        let failing = states.filter { ids.contains($0.id) && !$0.paused && $0.consecutiveFailures > 0 }.count
        var line = "\(config.sources.count) source\(config.sources.count == 1 ? "" : "s"), \(failing) failing"
        if !checking.isEmpty { line += ", \(checking.count) fetching" }
        if let next = due.filter({ !paused.contains($0.key) && !checking.contains($0.key) }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            line += ", next fetch \(next.key) in \(Self.describe(max(0, next.value.timeIntervalSince(clock.now()))))"
        }
        if let alerts = try? store.alertStatistics(), !alerts.firing.isEmpty {
            let firing = alerts.firing.values.reduce(0, +)
            line += ", \(firing) alert\(firing == 1 ? "" : "s") firing"
            if let critical = alerts.firing[.critical] { line += " (\(critical) critical)" }
        }
        if lastReloadFailure != nil { line += ", last reload refused" }
        return line
    }

    /// Sends `STATUS=` — only under systemd: the line costs a read of every source's state.
    func updateStatus() {
        guard notifier.isEnabled else { return }
        notifier.status(statusLine())
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
