import BridCore
import BridFetch
import Foundation
import Testing

/// Fetches against the real Python server on 127.0.0.1: what a source sees.
@Suite struct CurlFetcherTests {
    let fetcher = CurlFetcher()

    @Test func aReleaseThatChangesBetweenRequestsIsFetchedAfresh() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let first = try await fetcher.fetch(GetRequest(url: server.url("/counter")))
        let second = try await fetcher.fetch(GetRequest(url: server.url("/counter")))
        #expect(bodyText(first) == "release 1\n")
        #expect(bodyText(second) == "release 2\n")
        #expect(first.info.status == 200)
        #expect(first.info.contentType == "text/plain")
        #expect(first.info.finalURL == server.url("/counter"))
        #expect(first.info.elapsed > .zero)
    }

    @Test func validatorsAreCapturedAndA304IsNotModified() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let fresh = try await fetcher.fetch(GetRequest(url: server.url("/conditional")))
        #expect(bodyText(fresh) == "conditional body\n")
        #expect(fresh.info.etag == "\"v1-5f2b\"")
        #expect(fresh.info.lastModified == "Wed, 21 Oct 2015 07:28:00 GMT")
        #expect(fresh.info.contentType == "text/csv")

        let byETag = try await fetcher.fetch(GetRequest(url: server.url("/conditional"), etag: fresh.info.etag))
        guard case .notModified(let info) = byETag else {
            Issue.record("If-None-Match should give 304, got \(byETag)")
            return
        }
        #expect(info.status == 304)

        let byDate = try await fetcher.fetch(GetRequest(url: server.url("/conditional"),
                                                          lastModified: fresh.info.lastModified))
        guard case .notModified = byDate else {
            Issue.record("If-Modified-Since should give 304, got \(byDate)")
            return
        }

        let stale = try await fetcher.fetch(GetRequest(url: server.url("/conditional"), etag: "\"old\""))
        #expect(bodyText(stale) == "conditional body\n")
    }

    @Test(arguments: [404, 500, 503])
    func anErrorStatusIsAnHTTPError(status: Int) async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/status/\(status)")
        let error = await fetchError(GetRequest(url: url))
        #expect(error?.kind == .http(status: status))
        #expect(error?.url == url)
        let text = try #require(error?.description)
        #expect(text.hasPrefix("HTTP \(status) from \(url) after "))
        #expect(text.hasSuffix(" s"))
    }

    @Test func aLargeErrorBodyIsAnHTTPErrorNotTooLarge() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let error = await fetchError(GetRequest(url: server.url("/error-big/503"), maxBytes: 1024))
        #expect(error?.kind == .http(status: 503))
    }

    @Test func aGzipBodyArrivesDecoded() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let result = try await fetcher.fetch(GetRequest(url: server.url("/gzip")))
        // The same text test_http_server.py compresses.
        let expected = String(repeating: "period,value\n" + (1...12).map { "2020-\($0 < 10 ? "0" : "")\($0),\($0).5\n" }.joined(),
                              count: 20)
        #expect(bodyText(result) == expected)
    }

    @Test func userAgentCustomHeadersAndEncodingsAreSent() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let request = GetRequest(url: server.url("/echo"),
                                   headers: [(name: "X-Api-Key", value: "k-123"), (name: "Accept", value: "text/csv")])
        let result = try await fetcher.fetch(request)
        guard case .body(let bytes, _) = result else {
            Issue.record("expected a body, got \(result)")
            return
        }
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
        #expect(echoed["User-Agent"] == "brid/\(BridVersion.current)")
        #expect(echoed["X-Api-Key"] == "k-123")
        #expect(echoed["Accept"] == "text/csv")
        #expect(echoed["Accept-Encoding"]?.contains("gzip") == true)
        #expect(echoed["Accept-Encoding"]?.contains("deflate") == true)
        #expect(echoed["If-None-Match"] == nil)
    }

    @Test func conditionalHeadersAreSentAsGiven() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let request = GetRequest(url: server.url("/echo"), etag: "\"e1\"", lastModified: "Tue, 01 Jan 2030 00:00:00 GMT")
        let result = try await fetcher.fetch(request)
        guard case .body(let bytes, _) = result else {
            Issue.record("expected a body, got \(result)")
            return
        }
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
        #expect(echoed["If-None-Match"] == "\"e1\"")
        #expect(echoed["If-Modified-Since"] == "Tue, 01 Jan 2030 00:00:00 GMT")
    }
}
