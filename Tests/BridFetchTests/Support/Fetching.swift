import BridFetch
import Testing

/// Runs one fetch against the test server and returns the thrown `FetchError`, recording an
/// issue when the fetch succeeds instead.
func fetchError(_ request: FetchRequest, fetcher: CurlFetcher = CurlFetcher(),
                sourceLocation: SourceLocation = #_sourceLocation) async -> FetchError? {
    do {
        let result = try await fetcher.fetch(request)
        Issue.record("expected a FetchError, got \(result)", sourceLocation: sourceLocation)
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
