import BridCore
import BridFetch
import Foundation
import Testing

/// Redirects: followed up to five times, only to http and https.
@Suite struct CurlFetcherRedirectTests {
    let fetcher = CurlFetcher()

    @Test func aTwoHopChainIsFollowed() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let result = try await fetcher.fetch(GetRequest(url: server.url("/redirect/2")))
        #expect(bodyText(result) == "arrived\n")
        #expect(result.info.finalURL == server.url("/redirect/0"))
        #expect(result.info.status == 200)
    }

    @Test func fiveHopsWorkAndSixAreTooMany() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let five = try await fetcher.fetch(GetRequest(url: server.url("/redirect/5")))
        #expect(bodyText(five) == "arrived\n")
        let url = server.url("/redirect/6")
        let error = await fetchError(GetRequest(url: url))
        #expect(error?.kind == .tooManyRedirects)
        #expect(error?.description == "more than 5 redirects from \(url)")
    }

    @Test func aRedirectLoopFails() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let error = await fetchError(GetRequest(url: server.url("/loop")))
        #expect(error?.kind == .tooManyRedirects)
    }

    @Test func aRedirectToAFileURLIsRefused() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let error = await fetchError(GetRequest(url: server.url("/to-file")))
        #expect(error?.kind == .forbiddenRedirect(target: "file:///etc/passwd"))
        #expect(error?.description == "redirect to file:///etc/passwd refused (only http and https)")
    }

    /// curl's own default would follow ftp:// (and ftps://); the whitelist must refuse it.
    @Test func aRedirectToFTPIsRefused() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let ftp = try RefusingPort()
        let target = "ftp://127.0.0.1:\(ftp.port)/data.csv"
        let error = await fetchError(GetRequest(url: server.url("/to?url=\(target)")))
        #expect(error?.kind == .forbiddenRedirect(target: target), "\(String(describing: error))")
        withExtendedLifetime(ftp) {}
    }

    /// Configured headers (API keys) go to the source's own origin only; validators go everywhere.
    @Test func configuredHeadersAreNotSentToAnotherOrigin() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        func echoed(after path: String) async throws -> [String: String] {
            let request = GetRequest(url: server.url(path), headers: [(name: "X-Api-Key", value: "k-123")],
                                       etag: "\"e1\"")
            let result = try await fetcher.fetch(request)
            guard case .body(let bytes, _) = result else { throw EchoMissing() }
            return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
        }
        let sameOrigin = try await echoed(after: "/to?url=/echo")
        #expect(sameOrigin["X-Api-Key"] == "k-123")
        #expect(sameOrigin["If-None-Match"] == "\"e1\"")
        let otherHost = try await echoed(after: "/to?url=http://localhost:\(server.port)/echo")
        #expect(otherHost["Host"] == "localhost:\(server.port)")
        #expect(otherHost["X-Api-Key"] == nil)
        #expect(otherHost["If-None-Match"] == "\"e1\"")
        #expect(otherHost["User-Agent"] == "brid/\(BridVersion.current)")
        // Once gone, the key stays gone, even if a later hop comes back to the origin.
        let back = "http://127.0.0.1:\(server.port)/echo"
        let andBack = try await echoed(after: "/to?url=http://localhost:\(server.port)/to%3Furl%3D\(back)")
        #expect(andBack["Host"] == "127.0.0.1:\(server.port)")
        #expect(andBack["X-Api-Key"] == nil)
    }

    struct EchoMissing: Error {}

    @Test func validatorsComeFromTheFinalResponseOnly() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let result = try await fetcher.fetch(GetRequest(url: server.url("/redirect-etag")))
        #expect(bodyText(result) == "plain\n")
        #expect(result.info.etag == nil)
        #expect(result.info.lastModified == nil)
    }
}
