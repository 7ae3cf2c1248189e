import BridFetch
import Testing

/// Transport failures become a `FetchError` of the right kind, never a crash.
@Suite struct CurlFetcherFailureTests {
    @Test func aRefusedConnectionIsAConnectError() async throws {
        let port = try RefusingPort()
        let url = "http://127.0.0.1:\(port.port)/x"
        let error = await fetchError(GetRequest(url: url, connectTimeout: .seconds(5)))
        #expect(error?.kind == .connect)
        #expect(error?.description.hasPrefix("cannot connect to \(url) after ") == true)
        withExtendedLifetime(port) {}
    }

    @Test func tlsSpokenToAPlainHTTPServerIsATLSError() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let error = await fetchError(GetRequest(url: "https://127.0.0.1:\(server.port)/counter"))
        #expect(error?.kind == .tls)
    }

    @Test func anUnresolvableHostIsADNSError() async throws {
        let error = await fetchError(GetRequest(url: "http://no-such-host.invalid/x", connectTimeout: .seconds(10)))
        #expect(error?.kind == .dns)
        #expect(error?.description.hasPrefix("cannot resolve the host of http://no-such-host.invalid/x") == true)
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x"])
    func schemesOtherThanHTTPAreRefused(url: String) async throws {
        let error = await fetchError(GetRequest(url: url))
        #expect(error?.kind == .other(curlCode: 1))  // CURLE_UNSUPPORTED_PROTOCOL
    }
}
