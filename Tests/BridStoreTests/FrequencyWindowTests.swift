import BridCore
@testable import BridStore
import BridTestSupport
import Testing

/// The PostgreSQL store's frequency lookup by windows of keys: the same answers as a query
/// per series, in few queries for a payload in key order.
struct FrequencyWindowTests {
    /// A sorted store of keys, read as the server would (keys ≥ from in byte order, limited),
    /// counting the reads.
    final class Store {
        let keys: [String]
        var reads = 0
        var failing = false
        init(_ keys: [String]) { self.keys = keys.sorted { FrequencyWindow.less($0, $1) } }
        func read(_ from: String, _ limit: Int) throws -> [(String, Frequency?)] {
            reads += 1
            struct Down: Error {}
            if failing { throw Down() }
            return Array(keys.filter { !FrequencyWindow.less($0, from) }.prefix(limit)).map { ($0, Frequency.monthly) }
        }
    }

    static func key(_ n: Int) -> String {
        let digits = String(n)
        return "s" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    @Test func aPayloadInKeyOrderCostsAFewReadsAndEveryAnswerIsExact() {
        let stored = (0..<10_000).filter { $0 % 3 != 0 }.map { Self.key($0) }
        let store = Store(stored)
        let window = FrequencyWindow()
        let storedSet = Set(stored)
        for n in 0..<10_000 {
            let key = Self.key(n)
            let answer = window.frequency(of: key, read: store.read)
            #expect(answer == (storedSet.contains(key) ? .monthly : nil), "\(key)")
        }
        // Windows doubling from 16 to 4,096 keys: about a dozen reads, not 10,000.
        #expect(store.reads < 20)
    }

    @Test func anEmptyStoreIsReadOnce() {
        let store = Store([])
        let window = FrequencyWindow()
        for n in 0..<1_000 { #expect(window.frequency(of: "k\(n)", read: store.read) == nil) }
        #expect(store.reads == 1)
    }

    @Test func keysOutOfOrderAndBeyondASCIIAreAnsweredAsByByteOrder() {
        // "é" (0xC3 0xA9) sorts after "z" by bytes; "Z" before "a".
        let stored = ["a", "b", "z", "é", "éa", "Z", "key with space", "ключ"]
        let store = Store(stored)
        let window = FrequencyWindow()
        let asked = ["ключ", "a", "zz", "é", "Z", "b", "ä", "éa", "key with space", "A", "z", "ключи", "é"]
        for key in asked {
            #expect(window.frequency(of: key, read: store.read) == (stored.contains(key) ? .monthly : nil), "\(key)")
        }
    }

    @Test func aStoreThatCannotBeReadAnswersNilAndIsAskedAgain() {
        let store = Store(["a", "b"])
        let window = FrequencyWindow()
        store.failing = true
        #expect(window.frequency(of: "a", read: store.read) == nil)
        store.failing = false
        #expect(window.frequency(of: "a", read: store.read) == .monthly)
        #expect(window.frequency(of: "b", read: store.read) == .monthly)
    }

    /// Through the store: stored series answered with their frequencies, others nil.
    @Test func thePostgresStoresLookupAnswersFromTheDatabase() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool {
            let t = try PGTestStore(cluster)
            try t.ingest([("cn-kz.trade.total", "2018", "19.885"), ("cn-eu.trains", "2018-Q1", "5"), ("zz.last", "2018-03", "1")])
            let lookup = try t.store.frequencyLookup()
            #expect(lookup.frequency(of: "cn-eu.trains") == .quarterly)
            #expect(lookup.frequency(of: "cn-kz.trade.total") == .annual)
            #expect(lookup.frequency(of: "cn-kz.trade.totals") == nil)
            #expect(lookup.frequency(of: "zz.last") == .monthly)
            #expect(lookup.frequency(of: "a.first") == nil)
            #expect(lookup.frequency(of: "cn-eu.trains") == .quarterly)
        }
    }
}
