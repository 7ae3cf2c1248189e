import BridFetch
import Testing

/// Transfers block their own threads, not Swift concurrency's cooperative pool.
@Suite struct CurlFetcherConcurrencyTests {
    @Test func fiftyConcurrentFetchesRunInParallel() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let fetcher = CurlFetcher()
        let url = server.url("/slow?ms=2000")
        let started = ContinuousClock.now
        // While all fifty transfers block, the cooperative pool must still run other tasks.
        let pingLatency = Task {
            try await Task.sleep(for: .milliseconds(300))
            let asked = ContinuousClock.now
            await Task.detached { }.value
            return asked.duration(to: .now)
        }
        let bodies = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<50 {
                group.addTask { bodyText(try await fetcher.fetch(GetRequest(url: url))) }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        let took = started.duration(to: .now)
        #expect(bodies.count == 50)
        #expect(bodies.allSatisfy { $0 == "slow done\n" })
        // Serialised on a pool of a few threads this would take 100 s / threads (50 s on two
        // cores); in parallel ~2 s, with room for a machine loaded by the suite's big tests.
        #expect(took < .seconds(20), "50 fetches of a 2 s response took \(took)")
        // Blocked behind the transfers, the ping would queue behind fifty 2 s transfers on a
        // pool of a few threads (over 20 s on two cores); 10 s leaves room for the suite's
        // other tests, which share this process's pool.
        #expect(try await pingLatency.value < .seconds(10))
    }

    @Test(arguments: ["GET", "POST"])
    func cancellingTheTaskAbortsTheTransfer(method: String) async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/drip?seconds=60")
        let started = ContinuousClock.now
        let task = Task {
            method == "POST"
                ? await postError(PostRequest(url: url, body: [], timeout: .seconds(90)))
                : await fetchError(GetRequest(url: url, timeout: .seconds(90)))
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        #expect(await task.value?.kind == .cancelled)
        // Well before the drip's 60 s, with room for a machine loaded by the suite's big tests.
        #expect(started.duration(to: .now) < .seconds(30))
    }
}
