/// The outcome of a successful fetch.
public enum FetchResult: Sendable {
    /// 304: the payload has not changed since the ETag/Last-Modified sent.
    case notModified(FetchInfo)
    /// A 2xx response: its complete (decoded) body, `bytes` long, was appended to the spool.
    case body(bytes: Int, FetchInfo)

    /// The response's metadata, whichever the case.
    public var info: FetchInfo {
        switch self {
        case .notModified(let info), .body(_, let info): info
        }
    }
}
