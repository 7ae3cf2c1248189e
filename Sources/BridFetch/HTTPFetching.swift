/// Fetches one URL; the scheduler gets it injected so tests can stub the network.
public protocol HTTPFetching: Sendable {
    /// Performs a GET; throws `FetchError` for HTTP ≥ 400 and transport failures.
    func fetch(_ request: FetchRequest) async throws -> FetchResult
}
