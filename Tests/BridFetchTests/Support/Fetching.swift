import BridFetch
import Foundation
import Testing

/// A fetch as the tests look at it: the result and the body read back from its spool.
enum Fetched: CustomStringConvertible {
    case notModified(FetchInfo)
    case body([UInt8], FetchInfo)

    var info: FetchInfo {
        switch self {
        case .notModified(let info), .body(_, let info): info
        }
    }

    var description: String {
        switch self {
        case .notModified(let info): "notModified(\(info))"
        case .body(let bytes, let info): "body(\(bytes.count) bytes, \(info))"
        }
    }
}

/// The folder the tests' spools are created in.
let spoolFolder = NSTemporaryDirectory()

extension CurlFetcher {
    /// Fetches into a fresh spool in `spoolFolder` and reads the body back.
    func fetch(_ request: GetRequest) async throws(FetchError) -> Fetched {
        let spool: BodySpool
        do {
            spool = try BodySpool(directory: spoolFolder)
        } catch {
            throw FetchError(kind: .other(curlCode: -1), url: request.url, elapsed: .zero, detail: "\(error)")
        }
        switch try await fetch(request, into: spool) {
        case .notModified(let info):
            return .notModified(info)
        case .body(let size, let info):
            let bytes: [UInt8]
            do {
                bytes = try spool.contents()
            } catch {
                throw FetchError(kind: .other(curlCode: -1), url: request.url, elapsed: .zero, detail: "\(error)")
            }
            #expect(bytes.count == size, "the spool holds what the fetch says it wrote")
            return .body(bytes, info)
        }
    }
}

/// Runs one fetch against the test server and returns the thrown `FetchError`, recording an
/// issue when the fetch succeeds instead.
func fetchError(_ request: GetRequest, fetcher: CurlFetcher = CurlFetcher(),
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
func bodyText(_ result: Fetched, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    guard case .body(let bytes, _) = result else {
        Issue.record("expected a body, got \(result)", sourceLocation: sourceLocation)
        return nil
    }
    return String(decoding: bytes, as: UTF8.self)
}
