/// What the final response of a fetch said about itself.
public struct FetchInfo: Sendable, Equatable {
    /// HTTP status of the final response (after redirects).
    public var status: Int
    /// `ETag` of the final response, to send back as `If-None-Match`.
    public var etag: String?
    /// `Last-Modified` of the final response, to send back as `If-Modified-Since`.
    public var lastModified: String?
    /// The URL the body came from, after redirects.
    public var finalURL: String
    /// Wall time of the whole transfer.
    public var elapsed: Duration
    public var contentType: String?

    public init(status: Int, etag: String? = nil, lastModified: String? = nil, finalURL: String,
                elapsed: Duration, contentType: String? = nil) {
        self.status = status
        self.etag = etag
        self.lastModified = lastModified
        self.finalURL = finalURL
        self.elapsed = elapsed
        self.contentType = contentType
    }
}
