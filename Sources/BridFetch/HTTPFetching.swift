/// Fetches one URL; the scheduler gets it injected so tests can stub the network.
public protocol HTTPFetching: Sendable {
    /// Performs a GET, appending a 2xx body to `spool` as it arrives (nothing else: not the
    /// bodies of redirects or errors); throws `FetchError` for HTTP ≥ 400 and transport
    /// failures, after which the spool's contents are undefined.
    func fetch(_ request: GetRequest, into spool: BodySpool) async throws -> FetchResult
}
