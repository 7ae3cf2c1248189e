/// The outcome of a successful fetch.
public enum FetchResult: Sendable {
    /// 304: the payload has not changed since the ETag/Last-Modified sent.
    case notModified(FetchInfo)
    /// A 2xx response and its complete (decoded) body.
    case body([UInt8], FetchInfo)

    /// The response's metadata, whichever the case.
    public var info: FetchInfo {
        switch self {
        case .notModified(let info), .body(_, let info): info
        }
    }
}
