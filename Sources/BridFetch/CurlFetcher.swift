import Foundation
import BridCore

/// Fetches with libcurl's easy interface, one dedicated thread per transfer.
///
/// libcurl blocks for the whole transfer, so it must not run on Swift concurrency's
/// cooperative pool (a few threads, one per core) or an event loop: each fetch gets a
/// thread of its own and the awaiting task is resumed when the transfer ends. The number of
/// threads is bounded by the caller (the scheduler's `max_concurrent_fetches`).
public final class CurlFetcher: HTTPFetching {
    /// Redirects followed before giving up.
    public static let maxRedirects = 5

    private let userAgent: String

    /// - Parameter userAgent: sent with every request; `brid/<version>` unless a test says otherwise.
    public init(userAgent: String = BridVersion.userAgent) {
        self.userAgent = userAgent
    }

    public func fetch(_ request: FetchRequest) async throws(FetchError) -> FetchResult {
        if Task.isCancelled { throw FetchError(kind: .cancelled, url: request.url, elapsed: .zero) }
        let cancellation = FetchCancellation()
        let userAgent = self.userAgent
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<FetchResult, FetchError>, Never>) in
                let thread = Thread {
                    let transfer = CurlTransfer(request: request, userAgent: userAgent, cancellation: cancellation)
                    continuation.resume(returning: transfer.perform())
                }
                thread.name = "brid-fetch"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try outcome.get()
    }
}
