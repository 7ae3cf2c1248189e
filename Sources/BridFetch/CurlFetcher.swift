import Foundation
import BridCore

/// Fetches and posts with libcurl's easy interface, one dedicated thread per transfer.
///
/// libcurl blocks for the whole transfer, so it must not run on Swift concurrency's
/// cooperative pool (a few threads, one per core) or an event loop: each transfer gets a
/// thread of its own and the awaiting task is resumed when the transfer ends. The number of
/// threads is bounded by the callers (the scheduler's `max_concurrent_fetches`, the notifiers).
public final class CurlFetcher: HTTPFetching {
    /// Redirects followed before giving up.
    public static let maxRedirects = 5

    private let userAgent: String

    /// - Parameter userAgent: sent with every request; `brid/<version>` unless a test says otherwise.
    public init(userAgent: String = BridVersion.userAgent) {
        self.userAgent = userAgent
    }

    public func fetch(_ request: GetRequest, into spool: BodySpool) async throws(FetchError) -> FetchResult {
        let userAgent = self.userAgent
        return try await onOwnThread(named: "brid-fetch", url: request.url) { cancellation in
            CurlTransfer.fetch(request, into: spool, userAgent: userAgent, cancellation: cancellation)
        }
    }

    /// Runs `transfer` on a new thread and awaits its end; cancelling the awaiting task makes
    /// curl abort it (`.cancelled`).
    private func onOwnThread<Success: Sendable>(
        named name: String, url: String,
        _ transfer: @escaping @Sendable (CancellationFlag) -> Result<Success, FetchError>
    ) async throws(FetchError) -> Success {
        if Task.isCancelled { throw FetchError(kind: .cancelled, url: url, elapsed: .zero) }
        return try await OwnThread.run(named: name, transfer).get()
    }
}

extension CurlFetcher: HTTPPosting {
    public func post(_ request: PostRequest) async throws(FetchError) -> PostResponse {
        let userAgent = self.userAgent
        return try await onOwnThread(named: "brid-post", url: request.url) { cancellation in
            CurlTransfer.post(request, userAgent: userAgent, cancellation: cancellation)
        }
    }
}
