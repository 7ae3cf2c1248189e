import CCurl

/// Scheme, host and port of a URL, parsed by libcurl's own URL parser so it agrees with
/// what curl connects to. Configured headers go only to the source's own origin.
struct URLOrigin: Equatable {
    var scheme: String
    var host: String
    var port: String

    /// nil when curl cannot parse the URL.
    init?(_ url: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else { return nil }
        func part(_ which: CURLUPart, flags: UInt32 = 0) -> String? {
            var text: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &text, flags) == CURLUE_OK, let text else { return nil }
            defer { curl_free(text) }
            return String(cString: text)
        }
        guard let scheme = part(CURLUPART_SCHEME), let host = part(CURLUPART_HOST) else { return nil }
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        // Unknown schemes have no default port; an empty one still compares correctly.
        self.port = part(CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)) ?? ""
    }

    /// http or https: the only schemes brid fetches from or follows redirects to.
    var isWeb: Bool { scheme == "http" || scheme == "https" }
}
