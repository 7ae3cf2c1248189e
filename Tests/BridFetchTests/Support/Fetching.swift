import BridFetch
import Testing

/// Runs one fetch against the test server and returns the thrown `FetchError`, recording an
/// issue when the fetch succeeds instead.
func fetchError(_ request: FetchRequest, fetcher: CurlFetcher = CurlFetcher(),
                sourceLocation: SourceLocation = #_sourceLocation) async -> FetchError? {
    await thrownError(sourceLocation: sourceLocation) { () async throws(FetchError) in try await fetcher.fetch(request) }
}

/// Runs one post against the test server and returns the thrown `FetchError`, recording an
/// issue when the post succeeds instead.
func postError(_ request: PostRequest, poster: some HTTPPosting = CurlFetcher(),
               sourceLocation: SourceLocation = #_sourceLocation) async -> FetchError? {
    await thrownError(sourceLocation: sourceLocation) { () async throws(FetchError) in try await poster.post(request) }
}

/// The closures spell out `throws(FetchError)`: Swift 6 infers `any Error` for a closure otherwise.
private func thrownError<Success>(sourceLocation: SourceLocation,
                                  _ transfer: () async throws(FetchError) -> Success) async -> FetchError? {
    do {
        let success = try await transfer()
        Issue.record("expected a FetchError, got \(success)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The body of a `.body` result, recording an issue for a `.notModified`.
func bodyText(_ result: FetchResult, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    guard case .body(let bytes, _) = result else {
        Issue.record("expected a body, got \(result)", sourceLocation: sourceLocation)
        return nil
    }
    return String(decoding: bytes, as: UTF8.self)
}
