import BridCore
import CCurl

/// A GET, redirects followed here rather than by `CURLOPT_FOLLOWLOCATION`: curl 7.88 strips
/// only `Authorization` and `Cookie` when a redirect leaves the host, and would send a
/// configured `X-Api-Key` to any host a server redirects to. Each hop is one
/// `curl_easy_perform` on the same handle (so the connection is reused), and the
/// configured headers are dropped for good once a redirect leaves the source's origin.
extension CurlTransfer {
    /// Runs a GET, redirects included, to its end, the body appended to `spool`; blocks the
    /// calling thread.
    static func fetch(_ request: GetRequest, into spool: BodySpool, userAgent: String,
                      cancellation: CancellationFlag) -> Result<FetchResult, FetchError> {
        let transfer = CurlTransfer(url: request.url, timeout: request.timeout, connectTimeout: request.connectTimeout,
                                    bodyTarget: .spool(spool, maxBytes: request.maxBytes), userAgent: userAgent,
                                    cancellation: cancellation)
        return transfer.withHandle { transfer.fetch(request, on: $0) }
    }

    private func fetch(_ request: GetRequest, on handle: UnsafeMutableRawPointer) -> Result<FetchResult, FetchError> {
        let conditionalLines = Self.conditionalHeaderLines(request)
        let allHeaders = HeaderList(Self.headerLines(request.headers) + conditionalLines)
        let conditionalHeaders = HeaderList(conditionalLines)
        let origin = URLOrigin(request.url)
        var url = request.url
        var sendsConfiguredHeaders = true
        var redirects = 0
        while true {
            let code = perform(handle, url: url, headers: sendsConfiguredHeaders ? allHeaders : conditionalHeaders)
            if let status = headers.status, status >= 400,
               code == CURLE_OK || code == CURLE_FILESIZE_EXCEEDED || (code == CURLE_WRITE_ERROR && refusedErrorBody) {
                // An error response whose body was refused (by us, or by MAXFILESIZE on its
                // Content-Length) is reported by its status: the body is not wanted anyway.
                return .failure(error(.http(status: status)))
            }
            guard code == CURLE_OK else { return .failure(failure(code)) }
            let status = responseCode(handle)
            if (300..<400).contains(status), status != 304, let target = string(handle, CURLINFO_REDIRECT_URL) {
                guard redirects < CurlFetcher.maxRedirects else { return .failure(error(.tooManyRedirects)) }
                guard let next = URLOrigin(target), next.isWeb else {
                    return .failure(error(.forbiddenRedirect(target: target)))
                }
                if next != origin { sendsConfiguredHeaders = false }
                redirects += 1
                url = target
                continue
            }
            guard status == 304 || (200..<300).contains(status) else { return .failure(error(.http(status: status))) }
            let info = FetchInfo(status: status, etag: headers.etag, lastModified: headers.lastModified,
                                 finalURL: string(handle, CURLINFO_EFFECTIVE_URL) ?? url, elapsed: elapsed,
                                 contentType: string(handle, CURLINFO_CONTENT_TYPE))
            return .success(status == 304 ? .notModified(info) : .body(bytes: spooled, info))
        }
    }

    /// The validators of the last accepted payload; not secret, so sent on every hop.
    private static func conditionalHeaderLines(_ request: GetRequest) -> [String] {
        var lines: [String] = []
        if let etag = request.etag { lines.append("If-None-Match: \(etag)") }
        if let lastModified = request.lastModified { lines.append("If-Modified-Since: \(lastModified)") }
        return lines
    }
}
