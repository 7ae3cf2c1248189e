import BridCore
import BridStore
import Foundation
import Logging
import ServiceLifecycle

/// Several instances on one store: this instance checks only the URL sources whose lease
/// it holds (`Cluster`), renewed and claimed by `LeaseService`. Drop folders are not
/// leased: each stays with the instance whose machine has it.
extension Daemon {
    /// The URL sources of the configuration, the ones leased.
    var urlSourceIDs: [String] {
        config.sources.compactMap { source in
            if case .url = source.location { source.id } else { nil }
        }
    }

    /// Renews this instance's leases and claims its share (off the actor); logs one line
    /// when it takes sources over or loses some, and picks the taken ones' schedule up from
    /// the store, where the instance that held them left it.
    func renewLeases() async {
        let (sources, busy, now, cluster, store) = (urlSourceIDs, urlSchedule.checking, clock.now(), cluster, store)
        let held: Set<String>
        var states: [String: SourceState] = [:]
        leaseRenewalInFlight = true
        defer { leaseRenewalInFlight = false }
        do {
            let previously = heldSources
            (held, states) = try await BlockingWork.read {
                let held = try cluster.claim(sources: sources, busy: busy, now: now)
                // The schedule of the sources taken over only (usually none): as their holder left it.
                var states: [String: SourceState] = [:]
                for id in held.subtracting(previously) { states[id] = try store.sourceState(id) }
                return (held, states)
            }
        } catch {
            if !leaseRenewalFailing {
                logger.error("cluster: cannot renew the leases of instance \(cluster.instance): \(error); its sources are not checked once their lease of \(ConfigDuration.format(cluster.lease)) ends")
            }
            leaseRenewalFailing = true
            return
        }
        if leaseRenewalFailing { logger.notice("cluster: leases renewed again") }
        leaseRenewalFailing = false
        let (gained, lost) = (held.subtracting(heldSources), heldSources.subtracting(held))
        for id in gained.sorted() {
            guard let schedule = config.source(id: id)?.schedule else { continue }
            urlSchedule.takeOver(id, state: states[id], schedule: schedule, now: clock.now())
        }
        heldSources = held
        if !gained.isEmpty {
            logger.notice("cluster: instance \(cluster.instance) took \(gained.count) source\(gained.count == 1 ? "" : "s") over (\(gained.sorted().joined(separator: ", "))); holds \(held.count) of \(sources.count)")
        }
        if !lost.isEmpty {
            logger.warning("cluster: instance \(cluster.instance) no longer holds \(lost.count) source\(lost.count == 1 ? "" : "s") (\(lost.sorted().joined(separator: ", "))); another instance checks them; holds \(held.count) of \(sources.count)")
        }
        if !gained.isEmpty || !lost.isEmpty { changed() }
        schedulerWake.signal()
    }

    /// A clean stop: every lease given up, so the other instances take the sources at once.
    func releaseLeases() async {
        let (cluster, now) = (cluster, clock.now())
        do {
            try await BlockingWork.read { try cluster.release(now: now) }
            if !heldSources.isEmpty { logger.notice("cluster: gave up the leases of \(heldSources.count) sources") }
            heldSources = []
        } catch {
            logger.warning("cluster: cannot give up the leases (they end by themselves within \(ConfigDuration.format(cluster.lease))): \(error)")
        }
    }
}

/// Renews the leases every third of the lease and claims this instance's share (a shared
/// cluster only), so a lease ends only when two renewals in a row failed or a pause of the
/// process outlasted it; gives them up on a clean stop. Timed on the monotonic clock.
struct LeaseService: Service {
    let daemon: Daemon

    func run() async throws {
        let interval = daemon.cluster.lease / 3
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await daemon.renewLeases()
                try? await Task.sleep(for: interval)
            }
        }
        await daemon.releaseLeases()
    }
}
