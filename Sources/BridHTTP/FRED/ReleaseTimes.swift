import BridStore
import Synchronization

/// The ingest time (milliseconds) of every release up to the newest one read, kept: a
/// release never changes, so its time read once serves every later answer, and a FRED
/// answer reads only its series' versions, not which releases wrote them. New releases
/// are read when an answer sees a newer release than those known (`times(upTo:store:)`).
///
/// At most `maximum` releases are kept (16 bytes each, and the table's overhead); a store
/// with more has each answer read its series' releases instead.
final class ReleaseTimes: Sendable {
    private let state = Mutex<(times: [Int64: Int64], newest: Int64)>(([:], 0))
    static let maximum = 250_000

    /// The times of every release up to `latest`; nil when there are more than `maximum`.
    func times(upTo latest: Int64?, store: any VintageStore) throws -> [Int64: Int64]? {
        guard let latest else { return [:] }
        let (known, newest) = state.withLock { ($0.times, $0.newest) }
        if newest >= latest { return known }
        guard known.count + Int(latest - newest) <= Self.maximum else { return nil }
        // The newest `latest - newest` releases are every one after `newest`, and maybe
        // some already known (ids are not reused; a gap only makes the list overlap).
        var fresh: [(Int64, Int64)] = []
        for release in try store.releases(source: nil, limit: Int(latest - newest)) where release.id > newest {
            fresh.append((release.id, Int64((release.ingestedAt.timeIntervalSince1970 * 1000).rounded())))
        }
        let top = fresh.map(\.0).max() ?? newest
        return state.withLock { state in
            for (id, time) in fresh { state.times[id] = time }
            state.newest = max(state.newest, top)
            return state.times
        }
    }
}
