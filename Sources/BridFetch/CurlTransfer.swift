import CCurl

/// One blocking libcurl transfer on the thread that runs it: the easy handle, its options,
/// and what the callbacks collect. Never shared between threads.
final class CurlTransfer {
    private let request: FetchRequest
    private let userAgent: String
    private let cancellation: FetchCancellation
    private var body: [UInt8] = []
    /// The write callback refused more bytes because the body went past `maxBytes`.
    private var exceededMaxBytes = false
    /// The write callback refused the body of an error response (status ≥ 400): not needed.
    private var refusedErrorBody = false
    private var headers = ResponseHeaders()
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init(request: FetchRequest, userAgent: String, cancellation: FetchCancellation) {
        self.request = request
        self.userAgent = userAgent
        self.cancellation = cancellation
        let size = Int(ccurl_error_size())
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
    }

    deinit { errorBuffer.deallocate() }

    /// Runs the transfer to its end; blocks the calling thread.
    func perform() -> Result<FetchResult, FetchError> {
        let start = ContinuousClock.now
        let elapsed = { start.duration(to: .now) }
        let global = CurlGlobal.initialize()
        guard global == CURLE_OK else { return .failure(failure(global, elapsed: elapsed())) }
        guard let handle = curl_easy_init() else {
            return .failure(FetchError(kind: .other(curlCode: Int(CURLE_FAILED_INIT.rawValue)), url: request.url,
                                       elapsed: elapsed(), detail: "curl_easy_init failed"))
        }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for line in requestHeaderLines() {
            headerList = curl_slist_append(headerList, line)
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        if let problem = configure(handle, headerList: headerList, context: context) {
            return .failure(FetchError(kind: .other(curlCode: Int(problem.code.rawValue)), url: request.url,
                                       elapsed: elapsed(), detail: "cannot set \(problem.option): \(describe(problem.code))"))
        }
        let code = curl_easy_perform(handle)
        let took = elapsed()
        // An error response whose body was refused (by us, or by MAXFILESIZE on its
        // Content-Length) is reported by its status: the body is not wanted anyway.
        if let status = headers.status, status >= 400,
           code == CURLE_OK || code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && refusedErrorBody) {
            return .failure(FetchError(kind: .http(status: status), url: request.url, elapsed: took))
        }
        guard code == CURLE_OK else { return .failure(failure(code, elapsed: took)) }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard status == 304 || (200..<300).contains(status) else {
            return .failure(FetchError(kind: .http(status: status), url: request.url, elapsed: took))
        }
        let info = FetchInfo(status: status, etag: headers.etag, lastModified: headers.lastModified,
                             finalURL: string(handle, CURLINFO_EFFECTIVE_URL) ?? request.url, elapsed: took,
                             contentType: string(handle, CURLINFO_CONTENT_TYPE))
        return .success(status == 304 ? .notModified(info) : .body(body, info))
    }

    /// The request headers as curl wants them; an empty value needs `Name;`.
    private func requestHeaderLines() -> [String] {
        var lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if let etag = request.etag { lines.append("If-None-Match: \(etag)") }
        if let lastModified = request.lastModified { lines.append("If-Modified-Since: \(lastModified)") }
        return lines
    }

    /// Sets every option; returns the first one curl refused.
    private func configure(_ handle: UnsafeMutableRawPointer, headerList: UnsafeMutablePointer<curl_slist>?,
                           context: UnsafeMutableRawPointer) -> (option: String, code: CURLcode)? {
        // libcurl copies string options (all but POSTFIELDS), so temporaries are fine here.
        let steps: [(String, () -> CURLcode)] = [
            ("URL", { ccurl_setopt_string(handle, CURLOPT_URL, self.request.url) }),
            ("NOSIGNAL", { ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) }),
            ("PROTOCOLS", { Self.setProtocols(handle, CURLOPT_PROTOCOLS_STR, legacy: 181) }),
            ("REDIR_PROTOCOLS", { Self.setProtocols(handle, CURLOPT_REDIR_PROTOCOLS_STR, legacy: 182) }),
            ("FOLLOWLOCATION", { ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1) }),
            ("MAXREDIRS", { ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, CurlFetcher.maxRedirects) }),
            ("ACCEPT_ENCODING", { ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "") }),
            ("USERAGENT", { ccurl_setopt_string(handle, CURLOPT_USERAGENT, self.userAgent) }),
            ("TIMEOUT_MS", { ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(self.request.timeout)) }),
            ("CONNECTTIMEOUT_MS", {
                ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(self.request.connectTimeout))
            }),
            ("FAILONERROR", { ccurl_setopt_long(handle, CURLOPT_FAILONERROR, 0) }),
            ("MAXFILESIZE_LARGE", {
                ccurl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max(0, self.request.maxBytes)))
            }),
            ("HTTPHEADER", { ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }),
            ("ERRORBUFFER", { ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, self.errorBuffer) }),
            ("WRITEFUNCTION", { ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody) }),
            ("WRITEDATA", { ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) }),
            ("HEADERFUNCTION", { ccurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlReceiveHeader) }),
            ("HEADERDATA", { ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) }),
            ("NOPROGRESS", { ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0) }),
            ("XFERINFOFUNCTION", { ccurl_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION, curlProgress) }),
            ("XFERINFODATA", { ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context) }),
        ]
        for (name, step) in steps {
            let code = step()
            if code != CURLE_OK { return ("CURLOPT_\(name)", code) }
        }
        return nil
    }

    /// http and https only. `CURLOPT_*_PROTOCOLS_STR` needs libcurl ≥ 7.85; older ones get the
    /// deprecated bitmask option (by number, so the deprecation does not warn).
    private static func setProtocols(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, legacy: UInt32) -> CURLcode {
        let code = ccurl_setopt_string(handle, option, "http,https")
        guard code == CURLE_UNKNOWN_OPTION else { return code }
        let httpAndHTTPS = 1 | 2  // CURLPROTO_HTTP | CURLPROTO_HTTPS
        return ccurl_setopt_long(handle, CURLoption(rawValue: UInt32(CURLOPTTYPE_LONG) + legacy), httpAndHTTPS)
    }

    /// curl reads 0 as "no limit", so anything positive rounds up to at least 1 ms.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int.max }
        return max(1, Int(clamping: whole) + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }

    private func string(_ handle: UnsafeMutableRawPointer, _ info: CURLINFO) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        guard ccurl_getinfo_string(handle, info, &pointer) == CURLE_OK, let pointer else { return nil }
        return String(cString: pointer)
    }

    private func describe(_ code: CURLcode) -> String {
        let message = String(cString: errorBuffer)
        return message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
    }

    private func failure(_ code: CURLcode, elapsed: Duration) -> FetchError {
        let kind = CurlFailure.kind(of: code, exceededMaxBytes: exceededMaxBytes, maxBytes: request.maxBytes,
                                    cancelled: cancellation.isCancelled, refusedRedirect: headers.location)
        return FetchError(kind: kind, url: request.url, elapsed: elapsed, detail: describe(code))
    }

    // MARK: Callbacks, on the transfer thread

    fileprivate func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if let status = headers.status, status >= 400 {
            refusedErrorBody = true
            return 0
        }
        guard body.count + bytes.count <= request.maxBytes else {
            exceededMaxBytes = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    fileprivate func receiveHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        headers.consume(String(decoding: bytes, as: UTF8.self))
        return bytes.count
    }

    fileprivate var shouldAbort: Bool { cancellation.isCancelled }
}

private func transfer(_ context: UnsafeMutableRawPointer?) -> CurlTransfer? {
    context.map { Unmanaged<CurlTransfer>.fromOpaque($0).takeUnretainedValue() }
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ context: UnsafeMutableRawPointer?) -> Int {
    guard let transfer = transfer(context), let data else { return 0 }
    let raw = UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self)
    return transfer.receiveBody(UnsafeBufferPointer(start: raw, count: size * count))
}

private func curlReceiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                               _ context: UnsafeMutableRawPointer?) -> Int {
    guard let transfer = transfer(context), let data else { return 0 }
    let raw = UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self)
    return transfer.receiveHeader(UnsafeBufferPointer(start: raw, count: size * count))
}

/// Called by curl about once a second while idle and more often while data flows.
private func curlProgress(_ context: UnsafeMutableRawPointer?, _ downloadTotal: curl_off_t, _ downloaded: curl_off_t,
                          _ uploadTotal: curl_off_t, _ uploaded: curl_off_t) -> Int32 {
    guard let transfer = transfer(context) else { return 1 }
    return transfer.shouldAbort ? 1 : 0
}
