/// The 2xx answer to a POST.
public struct PostResponse: Sendable, Equatable {
    public var status: Int
    /// The start of the response body: at most 64 KiB are kept, the rest is dropped.
    public var body: [UInt8]

    public init(status: Int, body: [UInt8] = []) {
        self.status = status
        self.body = body
    }
}
