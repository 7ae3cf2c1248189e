import CCurl

/// One blocking libcurl transfer on the thread that runs it: the easy handle, its options,
/// and what the callbacks collect. Never shared between threads.
///
/// Redirects are followed here rather than by `CURLOPT_FOLLOWLOCATION`: curl 7.88 strips
/// only `Authorization` and `Cookie` when a redirect leaves the host, and would send a
/// configured `X-Api-Key` to any host a server redirects to. Each hop is one
/// `curl_easy_perform` on the same handle (so the connection is reused), and the
/// configured headers are dropped for good once a redirect leaves the source's origin.
final class CurlTransfer {
    let request: FetchRequest
    let userAgent: String
    private let cancellation: FetchCancellation
    /// Body and headers of the response of the current hop.
    var body: [UInt8] = []
    var headers = ResponseHeaders()
    /// The write callback refused more bytes because the body went past `maxBytes`.
    var exceededMaxBytes = false
    /// The write callback refused the body of an error response (status ≥ 400): not needed.
    var refusedErrorBody = false
    let errorBuffer: UnsafeMutablePointer<CChar>
    private let errorBufferSize: Int

    init(request: FetchRequest, userAgent: String, cancellation: FetchCancellation) {
        self.request = request
        self.userAgent = userAgent
        self.cancellation = cancellation
        errorBufferSize = Int(ccurl_error_size())
        errorBuffer = .allocate(capacity: errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: errorBufferSize)
    }

    deinit { errorBuffer.deallocate() }

    var isCancelled: Bool { cancellation.isCancelled }

    /// Runs the transfer, redirects included, to its end; blocks the calling thread.
    func perform() -> Result<FetchResult, FetchError> {
        let start = ContinuousClock.now
        let elapsed = { start.duration(to: .now) }
        let failed = { (kind: FetchError.Kind, detail: String) in
            Result<FetchResult, FetchError>.failure(FetchError(kind: kind, url: self.request.url, elapsed: elapsed(),
                                                               detail: detail))
        }
        let global = CurlGlobal.initialize()
        guard global == CURLE_OK else { return .failure(failure(global, elapsed: elapsed())) }
        guard let handle = curl_easy_init() else {
            return failed(.other(curlCode: Int(CURLE_FAILED_INIT.rawValue)), "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }
        let allHeaders = HeaderList(customHeaderLines() + conditionalHeaderLines())
        let conditionalHeaders = HeaderList(conditionalHeaderLines())
        if let problem = configure(handle, context: Unmanaged.passUnretained(self).toOpaque()) {
            return failed(.other(curlCode: Int(problem.code.rawValue)),
                          "cannot set \(problem.option): \(String(cString: curl_easy_strerror(problem.code)))")
        }
        let origin = URLOrigin(request.url)
        var url = request.url
        var sendsConfiguredHeaders = true
        var redirects = 0
        while true {
            let remaining = request.timeout - elapsed()
            guard remaining > .zero else { return failed(.timeout, "") }
            startHop()
            let list = sendsConfiguredHeaders ? allHeaders : conditionalHeaders
            let code = [ccurl_setopt_string(handle, CURLOPT_URL, url),
                        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list.pointer),
                        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(remaining))]
                .first { $0 != CURLE_OK } ?? curl_easy_perform(handle)
            if let status = headers.status, status >= 400,
               code == CURLE_OK || code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && refusedErrorBody) {
                // An error response whose body was refused (by us, or by MAXFILESIZE on its
                // Content-Length) is reported by its status: the body is not wanted anyway.
                return failed(.http(status: status), "")
            }
            guard code == CURLE_OK else { return .failure(failure(code, elapsed: elapsed())) }
            var status = 0
            _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            if (300..<400).contains(status), status != 304, let target = string(handle, CURLINFO_REDIRECT_URL) {
                guard redirects < CurlFetcher.maxRedirects else { return failed(.tooManyRedirects, "") }
                guard let next = URLOrigin(target), next.isWeb else { return failed(.forbiddenRedirect(target: target), "") }
                if next != origin { sendsConfiguredHeaders = false }
                redirects += 1
                url = target
                continue
            }
            guard status == 304 || (200..<300).contains(status) else { return failed(.http(status: status), "") }
            let info = FetchInfo(status: status, etag: headers.etag, lastModified: headers.lastModified,
                                 finalURL: string(handle, CURLINFO_EFFECTIVE_URL) ?? url, elapsed: elapsed(),
                                 contentType: string(handle, CURLINFO_CONTENT_TYPE))
            return .success(status == 304 ? .notModified(info) : .body(body, info))
        }
    }

    /// Forgets what the previous hop received.
    private func startHop() {
        body = []
        headers = ResponseHeaders()
        exceededMaxBytes = false
        refusedErrorBody = false
        errorBuffer.update(repeating: 0, count: errorBufferSize)
    }

    /// The configured headers as curl wants them; an empty value needs `Name;`.
    private func customHeaderLines() -> [String] {
        request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
    }

    /// The validators of the last accepted payload; not secret, so sent on every hop.
    private func conditionalHeaderLines() -> [String] {
        var lines: [String] = []
        if let etag = request.etag { lines.append("If-None-Match: \(etag)") }
        if let lastModified = request.lastModified { lines.append("If-Modified-Since: \(lastModified)") }
        return lines
    }

    private func string(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        guard ccurl_getinfo_string(handle, info, &pointer) == CURLE_OK, let pointer else { return nil }
        return String(cString: pointer)
    }

    private func failure(_ code: CURLcode, elapsed: Duration) -> FetchError {
        let message = String(cString: errorBuffer)
        let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
        let kind = CurlFailure.kind(of: code, exceededMaxBytes: exceededMaxBytes, maxBytes: request.maxBytes,
                                    cancelled: cancellation.isCancelled)
        return FetchError(kind: kind, url: request.url, elapsed: elapsed, detail: detail)
    }
}
