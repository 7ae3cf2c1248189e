import BridCore

/// The stored keys (with their frequencies) from one key on, read a window at a time in the
/// keys' byte order (PostgreSQL's `COLLATE "C"`, SQLite's `BINARY`; both backends use it):
/// a key inside the window last read is answered from it, present or absent, without a query. A key past the window reads the next one from that
/// key on (twice as many keys as the last, up to `maxLimit`: a payload in key order reads
/// the store's keys in few queries); a key before it reads a small one (a payload out of
/// order reads little it does not need). When the store cannot be read the answer is nil,
/// as for an unknown series (the write checks against the store).
final class FrequencyWindow {
    static let sql = "SELECT key, frequency FROM series WHERE key >= ? ORDER BY key LIMIT ?"
    static let minLimit = 16, maxLimit = 4_096

    /// The window: every stored key from `low` through `high` (to the end when `high` is nil).
    private var low: String?
    private var high: String?
    private var known: [String: Frequency] = [:]
    private var limit = FrequencyWindow.minLimit

    /// The frequency of `key`, reading a window through `read(from, limit)` (keys ≥ from
    /// in byte order, at most limit of them) when `key` is outside the last one.
    func frequency(of key: String, read: (String, Int) throws -> [(String, Frequency?)]) -> Frequency? {
        if let low, !Self.less(key, low), high.map({ !Self.less($0, key) }) ?? true {
            return known[key]
        }
        if let high, Self.less(high, key) {
            limit = min(limit * 2, Self.maxLimit)
        } else {
            limit = Self.minLimit
        }
        guard let rows = try? read(key, limit) else {
            low = nil
            return nil
        }
        known.removeAll(keepingCapacity: true)
        for (stored, frequency) in rows {
            if let frequency { known[stored] = frequency }
        }
        low = key
        high = rows.count < limit ? nil : rows.last?.0
        return known[key]
    }

    /// Byte order of UTF-8, as PostgreSQL's `COLLATE "C"` and SQLite's `BINARY` compare (not `String`'s `<`).
    static func less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

extension FrequencyLookup {
    /// A lookup by windows of stored keys, read through `statement` (`FrequencyWindow.sql`
    /// prepared on a read connection that `connection` keeps open for the lookup's life):
    /// a payload's series, mostly in key order, cost a query per window, not one per series.
    convenience init<S: SQLStatement>(windowsThrough statement: S, keeping connection: AnyObject) {
        let window = FrequencyWindow()
        self.init { key in
            withExtendedLifetime(connection) {
                window.frequency(of: key) { from, limit in
                    try statement.bind(.text(from), .integer(Int64(limit))).rows {
                        ($0.text(0) ?? "", $0.text(1).flatMap(Frequency.init(rawValue:)))
                    }
                }
            }
        }
    }
}
