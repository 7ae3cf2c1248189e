import BridCore

/// One HTTP POST of a body (JSON for the notifiers).
public struct PostRequest: Sendable {
    /// The receiver's final URL: redirects are not followed.
    public var url: String
    public var body: [UInt8]
    /// Sent as `Content-Type`.
    public var contentType: String
    /// Extra request headers, already resolved (see `HeaderResolver`); their values are never
    /// logged or put into errors.
    public var headers: [(name: String, value: String)]
    /// Limit on the whole transfer.
    public var timeout: Duration
    /// Limit on establishing the connection (DNS, TCP and TLS).
    public var connectTimeout: Duration

    public init(url: String, body: [UInt8], contentType: String = "application/json",
                headers: [(name: String, value: String)] = [], timeout: Duration,
                connectTimeout: Duration = SourceConfig.defaultConnectTimeout) {
        self.url = url
        self.body = body
        self.contentType = contentType
        self.headers = headers
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}
