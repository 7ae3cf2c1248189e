import BridFetch
import Testing

/// Timeouts and `max_bytes`, enforced while the transfer runs.
@Suite struct CurlFetcherLimitTests {
    let fetcher = CurlFetcher()

    @Test func aSlowDripTripsTheTimeout() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/drip?seconds=10")
        let error = await fetchError(GetRequest(url: url, timeout: .milliseconds(800)))
        #expect(error?.kind == .timeout)
        // Measured on the transfer thread, so parallel tests do not skew it much; the drip
        // itself would last 10 s.
        #expect(error.map { $0.elapsed >= .milliseconds(700) && $0.elapsed < .seconds(3) } == true)
        #expect(error?.description.hasPrefix("timed out after 0.") == true)
        #expect(error?.description.hasSuffix(" s fetching \(url)") == true)
    }

    /// The timeout covers the whole fetch, not each redirect hop.
    @Test func theTimeoutSpansRedirects() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/slow?ms=700&to=/slow%3Fms%3D700")
        let error = await fetchError(GetRequest(url: url, timeout: .milliseconds(1000)))
        #expect(error?.kind == .timeout)
        let result = try await fetcher.fetch(GetRequest(url: url, timeout: .seconds(5)))
        #expect(bodyText(result) == "slow done\n")
    }

    @Test func aBodyOverMaxBytesWithContentLengthIsRefused() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/big?bytes=5000")
        let error = await fetchError(GetRequest(url: url, maxBytes: 4096))
        #expect(error?.kind == .tooLarge(limit: 4096))
        #expect(error?.description == "body exceeds max_bytes 4KB (\(url))")
    }

    @Test func aChunkedBodyOverMaxBytesIsAbortedWhileDownloading() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/big-chunked?bytes=\(3 << 20)")
        let error = await fetchError(GetRequest(url: url, maxBytes: 1 << 20))
        #expect(error?.kind == .tooLarge(limit: 1 << 20))
        #expect(error?.description == "body exceeds max_bytes 1MB (\(url))")
    }

    @Test func bodiesOfExactlyMaxBytesAreAccepted() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        for path in ["/big?bytes=10000", "/big-chunked?bytes=10000"] {
            let result = try await fetcher.fetch(GetRequest(url: server.url(path), maxBytes: 10000))
            #expect(bodyText(result)?.utf8.count == 10000, "\(path)")
            let over = await fetchError(GetRequest(url: server.url(path), maxBytes: 9999))
            #expect(over?.kind == .tooLarge(limit: 9999), "\(path)")
        }
    }
}
