import BridProtocol
import BridStore
import Foundation

/// The cluster in `status`: shown when more than one instance shares the store.
extension ControlAPI {
    /// `response` with the cluster's instances and each URL source's holder, when more than
    /// one instance has joined; as it is otherwise, or when the cluster cannot be read
    /// (the rest of the status is still worth having).
    func withCluster(_ response: StatusResponse) -> StatusResponse {
        let cluster = daemon.cluster
        let now = daemon.clock.now()
        guard cluster.isShared, let members = try? cluster.members(now: now), members.count > 1,
              let leases = try? cluster.leases(now: now) else { return response }
        let live = leases.filter { !$0.expired }
        let byHolder = Dictionary(grouping: live, by: \.instance).mapValues(\.count)
        let bySource = Dictionary(live.map { ($0.source, $0) }, uniquingKeysWith: { a, _ in a })
        var response = response
        response.cluster = ClusterStatus(
            instance: cluster.instance, leaseSeconds: Double(cluster.lease.components.seconds),
            members: members.map { member in
                ClusterMemberStatus(name: member.name, host: member.host, pid: member.pid, version: member.version,
                                    startedAt: member.startedAt, heartbeatAt: member.heartbeatAt,
                                    state: ClusterMemberStatus.State(rawValue: member.state.rawValue) ?? .silent,
                                    sources: byHolder[member.name] ?? 0)
            })
        for index in response.sources.indices where response.sources[index].kind == .url {
            let lease = bySource[response.sources[index].id]
            response.sources[index].heldBy = lease?.instance
            response.sources[index].heldUntil = lease?.expiresAt
        }
        return response
    }
}
