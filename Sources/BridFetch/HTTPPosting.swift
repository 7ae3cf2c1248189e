/// Sends one POST; notifiers get it injected so tests can stub the network.
public protocol HTTPPosting: Sendable {
    /// Sends the POST; a 2xx status is success. Throws `FetchError` for any other status (kind
    /// `.http(status:)`, detail the start of the response body, at most 200 bytes, printable)
    /// and for transport failures (timeout, connection refused ...), like fetch does.
    func post(_ request: PostRequest) async throws(FetchError) -> PostResponse
}
