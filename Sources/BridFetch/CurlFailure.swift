import CCurl

/// How a failed `curl_easy_perform` reads to the scheduler.
enum CurlFailure {
    /// The kind for a `CURLcode` other than `CURLE_OK`. Redirects are followed (and refused)
    /// by `CurlTransfer` itself, so curl's redirect errors do not occur.
    static func kind(of code: CURLcode, exceededMaxBytes: Bool, maxBytes: Int, cancelled: Bool) -> FetchError.Kind {
        switch code {
        case CURLE_WRITE_ERROR where exceededMaxBytes, CURLE_FILESIZE_EXCEEDED:
            return .tooLarge(limit: maxBytes)
        case CURLE_ABORTED_BY_CALLBACK where cancelled:
            return .cancelled
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dns
        case CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            return .tls
        default:
            return .other(curlCode: Int(code.rawValue))
        }
    }
}
