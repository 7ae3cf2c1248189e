import BridCore
import BridFetch
import Foundation
import Testing

/// Posts against the real Python server on 127.0.0.1: what a notifier sees.
@Suite struct CurlPostTests {
    let poster: some HTTPPosting = CurlFetcher()

    /// The last POST the server received, as it saw it.
    struct ReceivedPost: Decodable {
        var path: String
        var headers: [String: String]
        /// Sent base64-encoded, which is `Data`'s default JSON form.
        var body: Data
    }

    /// Asks the server (with a GET) for the last POST it received.
    func lastPost(_ server: TestHTTPServer) async throws -> ReceivedPost {
        let result = try await CurlFetcher().fetch(GetRequest(url: server.url("/last-post")))
        guard case .body(let bytes, _) = result else { throw UnexpectedAnswer(result: "\(result)") }
        return try JSONDecoder().decode(ReceivedPost.self, from: Data(bytes))
    }

    struct UnexpectedAnswer: Error { var result: String }

    @Test func aPostArrivesWithItsBodyContentTypeAndHeaders() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let json = Array(#"{"status":"firing","labels":{"alertname":"BridSourceFailing","source":"wb"}}"#.utf8)
        let request = PostRequest(url: server.url("/plain"), body: json,
                                  headers: [(name: "X-Alert-Token", value: "t-789"), (name: "X-Empty", value: "")],
                                  timeout: .seconds(10))
        let response = try await poster.post(request)
        #expect(response == PostResponse(status: 200, body: Array("plain\n".utf8)))

        let received = try await lastPost(server)
        #expect(received.path == "/plain")
        #expect(received.body == Data(json))
        #expect(received.headers["Content-Type"] == "application/json")
        #expect(received.headers["Content-Length"] == "\(json.count)")
        #expect(received.headers["X-Alert-Token"] == "t-789")
        #expect(received.headers["X-Empty"] == "")
        #expect(received.headers["User-Agent"] == "brid/\(BridVersion.current)")
    }

    @Test func theContentTypeIsTheOneGiven() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let text = Array("line one\nline two\n".utf8)
        _ = try await poster.post(PostRequest(url: server.url("/plain"), body: text, contentType: "text/plain; charset=utf-8",
                                              timeout: .seconds(10)))
        let received = try await lastPost(server)
        #expect(received.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(received.body == Data(text))
    }

    @Test func anEmptyBodyIsAPostOfNothing() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let response = try await poster.post(PostRequest(url: server.url("/plain"), body: [], timeout: .seconds(10)))
        #expect(response.status == 200)
        let received = try await lastPost(server)
        #expect(received.headers["Content-Length"] == "0")
        #expect(received.body.isEmpty)
    }

    @Test func a503FailsWithTheStartOfItsBody() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let url = server.url("/status/503")
        let error = await postError(PostRequest(url: url, body: Array("{}".utf8), timeout: .seconds(10)))
        #expect(error?.kind == .http(status: 503))
        #expect(error?.url == url)
        #expect(error?.detail == "status 503")
        let text = try #require(error?.description)
        #expect(text.hasPrefix("HTTP 503 from \(url) after "))
        #expect(text.hasSuffix(" s: status 503"))
        // The server did get the alert; it only answered badly.
        #expect(try await lastPost(server).body == Data("{}".utf8))
    }

    @Test func aLongErrorBodyIsCutTo200Bytes() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let error = await postError(PostRequest(url: server.url("/error-big/500"), body: [], timeout: .seconds(10)))
        #expect(error?.kind == .http(status: 500))
        #expect(error?.detail == String(repeating: "e", count: 200))
    }

    /// A followed 301-303 would end in /plain's 200; a followed 307/308 would post again, to /plain.
    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsAFailureNotFollowed(status: Int) async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let path = "/to?url=/plain&status=\(status)"
        let error = await postError(PostRequest(url: server.url(path), body: Array("{}".utf8), timeout: .seconds(10)))
        #expect(error?.kind == .http(status: status))
        #expect(try await lastPost(server).path == path)
    }

    @Test func aServerSlowerThanTheTimeoutIsATimeout() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let error = await postError(PostRequest(url: server.url("/slow?ms=5000"), body: Array("{}".utf8),
                                                timeout: .milliseconds(500)))
        #expect(error?.kind == .timeout)
        // As the transfer measured it (the test's own clock would add its wait to be resumed
        // on a pool busy with the suite's other tests): well before the server's 5 s.
        #expect((error?.elapsed ?? .seconds(99)) < .seconds(4))
    }

    @Test func aRefusedConnectionIsAConnectError() async throws {
        let port = try RefusingPort()
        let url = "http://127.0.0.1:\(port.port)/alerts"
        let error = await postError(PostRequest(url: url, body: Array("{}".utf8), timeout: .seconds(5)))
        #expect(error?.kind == .connect)
        #expect(error?.description.hasPrefix("cannot connect to \(url) after ") == true)
        withExtendedLifetime(port) {}
    }

    @Test(arguments: ["file:///tmp/brid-alerts", "ftp://127.0.0.1/x"])
    func schemesOtherThanHTTPAreRefused(url: String) async throws {
        let error = await postError(PostRequest(url: url, body: Array("{}".utf8), timeout: .seconds(5)))
        #expect(error?.kind == .other(curlCode: 1))  // CURLE_UNSUPPORTED_PROTOCOL
    }

    /// One byte over 1 MiB: past curl's threshold for `Expect: 100-continue`, which must not be sent.
    @Test func aMebibyteBodyArrivesIntact() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        // A pattern that does not repeat on a power of two, so a lost or doubled chunk shows.
        let body = (0..<(1 << 20) + 1).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let response = try await poster.post(PostRequest(url: server.url("/plain"), body: body, timeout: .seconds(20)))
        #expect(response.status == 200)
        let received = try await lastPost(server)
        #expect(received.body.count == body.count)
        #expect(received.body == Data(body))
        #expect(received.headers["Expect"] == nil)
    }

    @Test func aLongResponseBodyIsCutTo64KiB() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let response = try await poster.post(PostRequest(url: server.url("/big?bytes=300000"), body: Array("{}".utf8),
                                                         timeout: .seconds(10)))
        #expect(response.status == 200)
        #expect(response.body == Array(repeating: UInt8(ascii: "b"), count: 64 << 10))
    }
}
