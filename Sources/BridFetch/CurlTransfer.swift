import BridCore
import CCurl

/// One blocking libcurl transfer on the thread that runs it: the easy handle, its options,
/// and what the callbacks collect. Never shared between threads.
///
/// What is the same for every method lives here; a GET (`fetch`, redirects followed by hand)
/// and a POST (`post`, redirects refused) are in extensions.
final class CurlTransfer {
    /// Where a response body goes, how much of it is kept, and what happens past that.
    enum BodyTarget {
        /// A fetch: the whole body of a 2xx appended to the spool as it arrives, or
        /// `.tooLarge` as soon as it goes past `maxBytes`. The bodies of redirects and error
        /// responses are not kept.
        case spool(BodySpool, maxBytes: Int)
        /// A post: the first `bytes` of any response, in `body`; the response is read to its
        /// end, the rest is dropped.
        case prefix(bytes: Int)
    }

    /// The URL asked for, the one errors name (not a redirect target).
    let url: String
    /// Limit on the whole transfer, redirects included.
    let timeout: Duration
    let connectTimeout: Duration
    let bodyTarget: BodyTarget
    let userAgent: String
    private let cancellation: CancellationFlag
    private let start = ContinuousClock.now
    /// A post's response body (its start), and the headers of the response of the current hop.
    var body: [UInt8] = []
    var headers = ResponseHeaders()
    /// Bytes of a fetch's body appended to the spool by the current hop.
    var spooled = 0
    /// The write callback refused more bytes because the body went past `maxBytes`.
    var exceededMaxBytes = false
    /// The spool could not take the body (a full disk): the transfer was aborted.
    var spoolFailure: BodySpoolError?
    /// The write callback refused the body of an error response (status ≥ 400): not needed.
    var refusedErrorBody = false
    let errorBuffer: UnsafeMutablePointer<CChar>
    private let errorBufferSize: Int

    init(url: String, timeout: Duration, connectTimeout: Duration, bodyTarget: BodyTarget, userAgent: String,
         cancellation: CancellationFlag) {
        self.url = url
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.bodyTarget = bodyTarget
        self.userAgent = userAgent
        self.cancellation = cancellation
        errorBufferSize = Int(ccurl_error_size())
        errorBuffer = .allocate(capacity: errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: errorBufferSize)
    }

    deinit { errorBuffer.deallocate() }

    var isCancelled: Bool { cancellation.isCancelled }

    /// Wall time since the transfer began.
    var elapsed: Duration { start.duration(to: .now) }

    /// Opens an easy handle with the options every transfer shares, runs `method` with it,
    /// and closes it.
    func withHandle<Success>(_ method: (UnsafeMutableRawPointer) -> Result<Success, FetchError>) -> Result<Success, FetchError> {
        let global = CurlGlobal.initialize()
        guard global == CURLE_OK else { return .failure(failure(global)) }
        guard let handle = curl_easy_init() else {
            return .failure(error(.other(curlCode: Int(CURLE_FAILED_INIT.rawValue)), detail: "curl_easy_init failed"))
        }
        defer { curl_easy_cleanup(handle) }
        if let refusal = setOptions(sharedOptions(handle, context: Unmanaged.passUnretained(self).toOpaque())) {
            return .failure(refusal)
        }
        return method(handle)
    }

    /// One `curl_easy_perform` of `url` with `headers`, in what is left of the transfer's time,
    /// after forgetting what the previous one received. Time already used up reads as curl's
    /// own timeout.
    func perform(_ handle: UnsafeMutableRawPointer, url: String, headers list: HeaderList) -> CURLcode {
        startHop()
        let remaining = timeout - elapsed
        guard remaining > .zero else { return CURLE_OPERATION_TIMEDOUT }
        return [ccurl_setopt_string(handle, CURLOPT_URL, url),
                ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list.pointer),
                ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(remaining))]
            .first { $0 != CURLE_OK } ?? curl_easy_perform(handle)
    }

    /// Forgets what the previous hop received.
    private func startHop() {
        body = []
        headers = ResponseHeaders()
        spooled = 0
        exceededMaxBytes = false
        spoolFailure = nil
        refusedErrorBody = false
        errorBuffer.update(repeating: 0, count: errorBufferSize)
    }

    /// Configured headers as curl wants them; an empty value needs `Name;`.
    static func headerLines(_ headers: [(name: String, value: String)]) -> [String] {
        headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
    }

    /// The status of the last response curl received (0 if none).
    func responseCode(_ handle: UnsafeMutableRawPointer) -> Int {
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return status
    }

    func string(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        guard ccurl_getinfo_string(handle, info, &pointer) == CURLE_OK, let pointer else { return nil }
        return String(cString: pointer)
    }

    /// A failure of this transfer, timed now.
    func error(_ kind: FetchError.Kind, detail: String = "") -> FetchError {
        FetchError(kind: kind, url: url, elapsed: elapsed, detail: detail)
    }

    /// A failed `curl_easy_perform` (or `curl_global_init`), with curl's own words for it.
    func failure(_ code: CURLcode) -> FetchError {
        if code == CURLE_WRITE_ERROR, let spoolFailure {
            return error(.other(curlCode: Int(code.rawValue)), detail: spoolFailure.description)
        }
        let message = String(cString: errorBuffer)
        let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
        return error(CurlFailure.kind(of: code, exceededMaxBytes: exceededMaxBytes, maxBytes: bodyTarget.curlMaxFileSize,
                                      cancelled: cancellation.isCancelled),
                     detail: detail)
    }
}

extension CurlTransfer.BodyTarget {
    /// For `CURLOPT_MAXFILESIZE_LARGE`, which refuses a body by its announced length before it
    /// arrives: a fetch's `maxBytes`, or 0 (no limit) for a post, whose long bodies are only cut.
    var curlMaxFileSize: Int {
        switch self {
        case .spool(_, let maxBytes): max(0, maxBytes)
        case .prefix: 0
        }
    }
}
