import BridCore
@testable import BridDaemon
import BridFetch
import BridRuntime
@testable import BridStore
import BridTestSupport
import Dispatch
import Foundation
import Logging
import Synchronization
import Testing

/// The store is read off the daemon's actor and off the cooperative pool: a read that has to
/// wait (every read connection busy with a long export, say) holds up neither the actor —
/// whose watchdog pings and in-memory answers go on — nor other tasks.
@Suite struct ReadsOffTheActorTests {
    @Test func aStatusWaitingForTheStoreHoldsUpNeitherTheActorNorThePool() async throws {
        let bare = try BareDaemon()
        let (daemon, api) = (bare.daemon, bare.api)
        let store = try #require(daemon.store as? SQLiteStore)  // its read pool, SQLite's

        // Every read connection taken by a long read on threads of their own.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        for _ in 0..<store.reads.capacity {
            Thread.detachNewThread {
                _ = try? store.reads.read { _ in
                    holding.signal()
                    release.wait()
                }
                done.signal()
            }
        }
        for _ in 0..<store.reads.capacity { try await offPool { holding.wait() } }

        // status and the systemd status line now wait for a connection…
        let answered = Atomic<Bool>(false)
        let status = Task {
            let reply = try await api.status()
            answered.store(true, ordering: .sequentiallyConsistent)
            return reply
        }
        let line = Task { await daemon.statusLine() }
        // …while the actor answers from memory, and the pool runs other tasks, at once.
        for _ in 0..<20 {
            let snapshot = await daemon.snapshot()
            #expect(snapshot.config.sources.isEmpty)
            await Task.detached {}.value
        }
        // Neither finished: they really were waiting for the store.
        try await Task.sleep(for: .milliseconds(200))
        let answeredEarly = answered.load(ordering: .sequentiallyConsistent)
        #expect(!answeredEarly, "status answered while every read connection was busy")

        // Once the long reads end, both answer.
        for _ in 0..<store.reads.capacity { release.signal() }
        for _ in 0..<store.reads.capacity { try await offPool { done.wait() } }
        let answer = try await status.value
        #expect(answer.sources.isEmpty)
        #expect(await line.value.hasPrefix("0 sources, 0 failing"))
    }
}
