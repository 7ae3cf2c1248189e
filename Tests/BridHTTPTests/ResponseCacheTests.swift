@testable import BridHTTP
import BridCore
import BridStore
import BridTestSupport
import Foundation
import Testing

@Suite("Kept answers")
struct ResponseCacheTests {
    private func entry(_ size: Int, _ byte: UInt8 = 1) -> ResponseCache.Entry { ResponseCache.Entry(body: [UInt8](repeating: byte, count: size)) }

    @Test("an answer is kept for its release only, and not past its age")
    func validity() {
        let cache = ResponseCache(maximumAge: 10)
        cache.store(entry(3), for: "k", release: 7, now: 100)
        #expect(cache.lookup("k", release: 7, now: 105)?.body.count == 3)
        #expect(cache.lookup("k", release: 8, now: 105) == nil, "a newer release makes it stale")
        #expect(cache.lookup("k", release: 7, now: 105) == nil, "and a stale one is dropped")
        cache.store(entry(3), for: "k", release: nil, now: 100)
        #expect(cache.lookup("k", release: nil, now: 109.9) != nil)
        #expect(cache.lookup("k", release: nil, now: 110) == nil, "too old")
        cache.store(entry(3), for: "k", release: 1, now: 100)
        #expect(cache.lookup("k", release: 1, now: 99) == nil, "a clock stepped back does not keep it")
        #expect(cache.usage.entries == 0 && cache.usage.bytes == 0)
    }

    @Test("bounded in bytes and entries, least recently used out first; big answers are never kept")
    func bounds() {
        let cache = ResponseCache(maximumBytes: 100, maximumEntries: 3, largestEntry: 60)
        cache.store(entry(40), for: "a", release: 1, now: 0)
        cache.store(entry(40), for: "b", release: 1, now: 0)
        _ = cache.lookup("a", release: 1, now: 1)  // a used more recently than b
        cache.store(entry(40), for: "c", release: 1, now: 2)  // 120 bytes: b goes
        #expect(cache.lookup("b", release: 1, now: 3) == nil)
        #expect(cache.lookup("a", release: 1, now: 3) != nil && cache.lookup("c", release: 1, now: 3) != nil)
        #expect(cache.usage.bytes == 80)
        cache.store(entry(61), for: "big", release: 1, now: 3)
        #expect(cache.lookup("big", release: 1, now: 3) == nil)
        for (i, key) in ["d", "e", "f"].enumerated() { cache.store(entry(1), for: key, release: 1, now: Double(4 + i)) }
        #expect(cache.usage.entries == 3)
        cache.store(entry(5), for: "d", release: 2, now: 9)  // replaced, not counted twice
        #expect(cache.usage.bytes == 5 + 1 + 1)
        cache.clear()
        #expect(cache.usage.entries == 0 && cache.usage.bytes == 0)
    }

    @Test("a FRED answer asked again after a new release shows the new release, not the kept answer")
    func newReleaseIsSeen() async throws {
        let listener = try await RunningListener.start { store in
            try store.ingest([("a.b", "2018", "1.5")], at: "2026-01-10T10:00:00Z")
        }
        try await listener.stopping {
            let path = "/fred/series/observations?series_id=a.b&realtime_start=1776-07-04&realtime_end=9999-12-31&file_type=json"
            let first = try await HTTPTestClient.get(port: listener.port, path)
            #expect(first.text.contains("\"1.5\"") && !first.text.contains("\"2.5\""))
            let again = try await HTTPTestClient.get(port: listener.port, path)
            #expect(again.body == first.body)
            let head = try await HTTPTestClient.get(port: listener.port, path, method: "HEAD")
            #expect(head.status == 200 && head.headers["content-type"]?.hasPrefix("application/json") == true)
            try listener.store.ingest([("a.b", "2018", "2.5")], at: "2026-01-11T10:00:00Z")
            let after = try await HTTPTestClient.get(port: listener.port, path)
            #expect(after.text.contains("\"2.5\""), "\(after.text)")
        }
    }
}

@Suite("Read slots")
struct ReadSlotsTests {
    @Test("at most N at once; waiters are let in one by one as slots are given back")
    func bounded() async throws {
        let slots = ReadSlots(2)
        await slots.take()
        await slots.take()
        #expect(slots.usage.free == 0)
        let third = Task { await slots.take(); return true }
        // The third waits: wait until it is queued (a condition, not a sleep).
        while slots.usage.waiting == 0 { await Task.yield() }
        #expect(slots.usage.waiting == 1)
        slots.give()
        #expect(await third.value)
        #expect(slots.usage == (free: 0, waiting: 0))
        slots.give()
        slots.give()
        #expect(slots.usage.free == 2)
    }
}

@Suite("FRED answers too big to build")
struct FREDSizeTests {
    @Test("output type 2 over 500 observations × 501 vintage dates is refused with FRED's 400, saying how to narrow it; a narrower period is answered")
    func tooManyValues() async throws {
        let listener = try await RunningListener.start { store in
            // 500 months from 1980-01 (all after FRED's default observation_start, 1776-07-04).
            func month(_ i: Int) -> String { "\(1980 + i / 12)-" + (i % 12 < 9 ? "0" : "") + "\(i % 12 + 1)" }
            try store.ingest((0..<500).map { ("d.x", month($0), "1") }, at: "2024-01-01T10:00:00Z")
            let first = try #require(WireTime.parse("2024-01-02T10:00:00Z"))
            for day in 0..<500 {  // one revision a day: 501 vintage dates in all
                try store.ingest([("d.x", month(day), "2")], at: WireTime.format(first.addingTimeInterval(Double(day) * 86_400)))
            }
        }
        try await listener.stopping {
            let all = "/fred/series/observations?series_id=d.x&realtime_start=2024-01-01&realtime_end=9999-12-31&output_type=2&file_type=json"
            let refused = try await HTTPTestClient.get(port: listener.port, all)
            #expect(refused.status == 400)
            #expect(refused.text.contains("This request would return 250500 values, more than the 250000 brid answers at once"),
                    "\(refused.text.prefix(300))")
            let narrower = try await HTTPTestClient.get(port: listener.port, all.replacingOccurrences(of: "realtime_end=9999-12-31", with: "realtime_end=2024-01-31"))
            #expect(narrower.status == 200)
            #expect(narrower.text.contains("\"d.x_20240131\""))
        }
    }
}
