import BridCore

/// One HTTP GET as a source asks for it: where, how long, how much, and what was seen last time.
public struct GetRequest: Sendable {
    public var url: String
    /// Limit on the whole transfer, redirects included.
    public var timeout: Duration
    /// Limit on establishing the connection (DNS, TCP and TLS).
    public var connectTimeout: Duration
    /// Largest body accepted, counted while downloading (after gzip/deflate decoding): the
    /// transfer is aborted as soon as the body would go past it.
    public var maxBytes: Int
    /// Extra request headers, already resolved (see `HeaderResolver`); their values are never logged.
    public var headers: [(name: String, value: String)]
    /// The ETag of the last accepted payload, sent as `If-None-Match`.
    public var etag: String?
    /// The `Last-Modified` of the last accepted payload, sent as `If-Modified-Since`.
    public var lastModified: String?

    public init(url: String,
                timeout: Duration = SourceConfig.defaultTimeout,
                connectTimeout: Duration = SourceConfig.defaultConnectTimeout,
                maxBytes: Int = SourceConfig.defaultMaxBytes,
                headers: [(name: String, value: String)] = [],
                etag: String? = nil,
                lastModified: String? = nil) {
        self.url = url
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBytes = maxBytes
        self.headers = headers
        self.etag = etag
        self.lastModified = lastModified
    }
}
