import BridCore
@testable import BridStore
import BridTestSupport
import Foundation
import Testing

/// The store's read connections on a real SQLite file: queries run side by side, and each
/// read sees one snapshot even while an ingest commits.
@Suite struct ReadPoolTests {
    @Test func aQueryDoesNotWaitForAnotherOneInFlight() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest([("a", "2017", "1"), ("a", "2018", "2")])
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let store = try t.sqlite
        // A long read: holds its connection until told to finish.
        Thread.detachNewThread {
            _ = try? store.reads.read { _ in
                holding.signal()
                release.wait()
            }
            done.signal()
        }
        holding.wait()
        // With one shared connection this would wait for the long read; with the pool it answers.
        let answered = DispatchSemaphore(value: 0)
        let statistics = Answer()
        Thread.detachNewThread {
            statistics.value = try? store.statistics()
            answered.signal()
        }
        let inTime = answered.wait(timeout: .now() + 20) == .success
        release.signal()
        done.wait()
        #expect(inTime)
        #expect(statistics.value?.observationVersions == 2)
    } }

    @Test func readsBeyondThePoolWaitForAConnectionAndThenRun() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest([("a", "2018", "1")])
        let store = try t.sqlite
        let capacity = store.reads.capacity
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        for _ in 0..<capacity {
            Thread.detachNewThread {
                _ = try? store.reads.read { _ in
                    holding.signal()
                    release.wait()
                }
                done.signal()
            }
        }
        for _ in 0..<capacity { holding.wait() }
        let answered = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? store.releases()
            answered.signal()
        }
        // Every connection is busy: the extra read waits…
        #expect(answered.wait(timeout: .now() + 0.3) == .timedOut)
        // …and runs as soon as one comes back.
        release.signal()
        #expect(answered.wait(timeout: .now() + 20) == .success)
        for _ in 1..<capacity { release.signal() }
        for _ in 0..<capacity { done.wait() }
    } }

    @Test func oneReadSeesOneSnapshotWhileAnIngestCommits() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest([("a", "2018", "1")])
        let (before, after) = try t.sqlite.reads.read { db in
            let count = { try db.prepare("SELECT count(*) FROM observation_versions").firstRow { $0.int(0) } ?? -1 }
            let before = try count()
            try t.ingest([("a", "2018", "2"), ("b", "2018", "3")])
            return (before, try count())
        }
        #expect(before == 1)
        #expect(after == 1)
        #expect(try t.store.statistics().observationVersions == 3)
    } }

    @Test func closingThePoolMakesLaterReadsThrow() async throws { try await offPool {
        let t = try TemporaryStore()
        try t.ingest([("a", "2018", "1")])
        _ = try t.store.statistics()
        t.store.close()
        #expect(throws: StoreError.self) { try t.store.statistics() }
    } }
}

/// What a reading thread found, looked at after it signalled.
private final class Answer: @unchecked Sendable {
    // Written by the reading thread before its signal, read by the test after the wait.
    var value: StoreStatistics?
}
