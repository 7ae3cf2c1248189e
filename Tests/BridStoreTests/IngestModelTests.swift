import BridCore
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// The ingest semantics against a model, on random payloads: every release's counts and
/// every vintage after it must be what the contract says. The store compares stored rows
/// with the payload byte by byte (and as decimals where the bytes differ); the model
/// keeps the current value of each (series, period) in a dictionary.
@Suite struct IngestModelTests {
    /// A small deterministic generator (the same sequence on every run).
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    /// Spellings of a few decimals (the same number written several ways) and no value.
    static let values: [String?] = ["1", "1.0", "1.00", "10e-1", "2", "2.5", "2.50", "-0", "0", "3", nil]

    @Test(arguments: StoreBackend.allCases, [1, 2, 3, 4] as [UInt64])
    func randomPayloadsFollowTheContract(backend: StoreBackend, seed: UInt64) async throws { try await offPool {
        let t = try TemporaryStore(backend)
        var random = Random(state: seed)
        // The model: the current value of each observation; .none when removed or never stored.
        var current: [String: [String: String?]] = [:]
        let series = (0..<(2 * ReleaseWriter.parallelThreshold)).map { "m.s\($0)" }  // both the sequential and the two-thread comparison
        for round in 0..<12 {
            let snapshot = random.next(3) == 0
            var rows: [(String, String, String?)] = []
            for key in series where random.next(4) != 0 {
                for year in 2000..<2012 where random.next(3) != 0 {
                    rows.append((key, String(year), Self.values[random.next(Self.values.count)]))
                }
            }
            var expected = (added: 0, revised: 0, removed: 0, unchanged: 0)
            var next = current
            var inPayload: [String: Set<String>] = [:]
            for (key, period, value) in rows {
                inPayload[key, default: []].insert(period)
                if let stored = current[key]?[period] {
                    if ObservationValue.same(stored, value) {
                        expected.unchanged += 1
                    } else {
                        expected.revised += 1
                        next[key, default: [:]][period] = .some(value)
                    }
                } else {
                    expected.added += 1
                    next[key, default: [:]][period] = .some(value)
                }
            }
            if snapshot {
                for (key, periods) in current {
                    for (period, value) in periods where inPayload[key]?.contains(period) != true {
                        _ = value
                        expected.removed += 1
                        next[key]?[period] = nil
                    }
                }
            }
            let outcome = try t.ingest(rows, snapshot: snapshot, digest: String(format: "%064d", round))
            if expected.added + expected.revised + expected.removed == 0 {
                #expect(outcome == .unchangedValues(observations: expected.unchanged), "round \(round)")
            } else {
                let release = try #require(t.release(outcome), "round \(round): \(outcome)")
                #expect((release.added, release.revised, release.removed, release.unchanged) == expected, "round \(round)")
            }
            current = next.filter { !$0.value.isEmpty }
            // The summary kept at ingest: the newest period with a value, and that value.
            let summaries = Dictionary(uniqueKeysWithValues: try t.store.seriesSummaries().map { ($0.key, $0) })
            for key in series.prefix(200) {
                let newest = (current[key] ?? [:]).filter { $0.value != nil }.max { $0.key < $1.key }
                #expect(summaries[key]?.latestPeriod == newest?.key, "round \(round), \(key)")
                #expect(summaries[key]?.latestValue == newest?.value ?? nil, "round \(round), \(key)")
            }
            for key in series.prefix(40) {
                // The text as first written: an unchanged value keeps its first spelling.
                #expect(try t.latest(key) == (current[key] ?? [:]), "round \(round), \(key)")
            }
        }
    } }
}
