/// Why a fetch produced no payload, worded for the source's `last_error`.
public struct FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely enough for a scheduler to decide on.
    public enum Kind: Sendable, Equatable {
        /// The final response had a status ≥ 400 (or another status that is not 2xx/304); for
        /// a post, any status that is not 2xx, the start of its body in `detail`.
        case http(status: Int)
        /// The whole transfer or the connection took longer than allowed.
        case timeout
        /// The body was larger than `max_bytes` (bytes); the download was aborted.
        case tooLarge(limit: Int)
        /// The host name did not resolve.
        case dns
        /// Nothing accepted the TCP connection.
        case connect
        /// TLS handshake or certificate verification failed.
        case tls
        /// More redirects than `CurlFetcher.maxRedirects`.
        case tooManyRedirects
        /// A redirect pointed at a scheme other than http/https (the target URL).
        case forbiddenRedirect(target: String)
        /// The task awaiting the fetch was cancelled (e.g. brid is stopping).
        case cancelled
        /// Any other libcurl failure (its `CURLcode`).
        case other(curlCode: Int)
    }

    public var kind: Kind
    /// The URL asked for (not the redirect target).
    public var url: String
    public var elapsed: Duration
    /// libcurl's own message, the start of a post's error response, or empty.
    public var detail: String

    public init(kind: Kind, url: String, elapsed: Duration, detail: String = "") {
        self.kind = kind
        self.url = url
        self.elapsed = elapsed
        self.detail = detail
    }

    public var description: String {
        let after = "after \(Self.seconds(elapsed))"
        switch kind {
        case .http(let status):
            return "HTTP \(status) from \(url) \(after)\(explained)"
        case .timeout:
            return "timed out \(after) fetching \(url)"
        case .tooLarge(let limit):
            return "body exceeds max_bytes \(Self.size(limit)) (\(url))"
        case .dns:
            return "cannot resolve the host of \(url)\(explained)"
        case .connect:
            return "cannot connect to \(url) \(after)\(explained)"
        case .tls:
            return "TLS failure fetching \(url) \(after)\(explained)"
        case .tooManyRedirects:
            return "more than \(CurlFetcher.maxRedirects) redirects from \(url)"
        case .forbiddenRedirect(let target):
            return "redirect to \(target) refused (only http and https)"
        case .cancelled:
            return "fetch of \(url) cancelled \(after)"
        case .other(let code):
            return "curl error \(code) fetching \(url) \(after)\(explained)"
        }
    }

    private var explained: String { detail.isEmpty ? "" : ": \(detail)" }

    /// `1.2 s`: tenths are enough for people and stable in tests.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = max(0, seconds * 10 + (attoseconds + 50_000_000_000_000_000) / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// The largest binary unit that divides the size exactly, as `max_bytes` is written: `20MB`.
    static func size(_ bytes: Int) -> String {
        for (unit, factor) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(unit)"
        }
        return "\(bytes)B"
    }
}
