import CCurl

/// libcurl's process-wide initialisation, done once before the first easy handle.
enum CurlGlobal {
    /// A static `let` is initialised exactly once, thread-safely (swift_once), which is what
    /// `curl_global_init` needs: it must not run twice or concurrently.
    private static let initCode: UInt32 = curl_global_init(ccurl_global_all()).rawValue

    /// Initialises libcurl if no one has yet; returns the `CURLcode` of that one call.
    static func initialize() -> CURLcode { CURLcode(rawValue: initCode) }
}
