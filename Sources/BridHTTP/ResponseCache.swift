import Synchronization

/// Answers already built, kept while the store has no newer release: the FRED API's
/// replies are pure functions of the request, the UTC day and the store's data, and every
/// change of data is a release, so an entry is valid as long as the latest release id is
/// the one it was built at. A catalogue change (a reload renaming a series) writes no
/// release: entries also expire after `maximumAge` seconds, and a reload clears them
/// (`clear()`). Bounded in entries and bytes (least recently used out first); an answer
/// larger than `largestEntry` is never kept.
public final class ResponseCache: Sendable {
    public struct Entry: Sendable {
        public let body: [UInt8]

        public init(body: [UInt8]) {
            self.body = body
        }
    }

    private struct Stored {
        var entry: Entry
        var release: Int64?
        var builtAt: Double
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [String: Stored] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    let maximumBytes: Int
    let maximumEntries: Int
    let largestEntry: Int
    let maximumAge: Double

    public init(maximumBytes: Int = 4 << 20, maximumEntries: Int = 256, largestEntry: Int = 512 << 10, maximumAge: Double = 10) {
        self.maximumBytes = maximumBytes
        self.maximumEntries = maximumEntries
        self.largestEntry = largestEntry
        self.maximumAge = maximumAge
    }

    /// The entry for `key` built at `release`, when it is still young enough.
    public func lookup(_ key: String, release: Int64?, now: Double) -> Entry? {
        state.withLock { state in
            guard var stored = state.entries[key] else { return nil }
            guard stored.release == release, now - stored.builtAt < maximumAge, now >= stored.builtAt else {
                state.bytes -= stored.entry.body.count
                state.entries[key] = nil
                return nil
            }
            state.clock &+= 1
            stored.lastUsed = state.clock
            state.entries[key] = stored
            return stored.entry
        }
    }

    /// Keeps `entry`, built at `release`, pushing out the least recently used as needed.
    public func store(_ entry: Entry, for key: String, release: Int64?, now: Double) {
        guard entry.body.count <= largestEntry else { return }
        state.withLock { state in
            if let old = state.entries[key] { state.bytes -= old.entry.body.count }
            state.clock &+= 1
            state.entries[key] = Stored(entry: entry, release: release, builtAt: now, lastUsed: state.clock)
            state.bytes += entry.body.count
            while state.bytes > maximumBytes || state.entries.count > maximumEntries {
                guard let oldest = state.entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { break }
                state.bytes -= oldest.value.entry.body.count
                state.entries[oldest.key] = nil
            }
        }
    }

    /// Forgets everything (a reload).
    public func clear() {
        state.withLock { $0 = State() }
    }

    /// How many answers and bytes are kept (tests, metrics).
    public var usage: (entries: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.bytes) }
    }
}
