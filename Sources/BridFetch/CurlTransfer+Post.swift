import BridCore
import CCurl

/// A POST: one request, its body copied into curl, redirects not followed but failed on, since
/// a receiver is configured with its final URL and a redirect would have curl resend (or drop)
/// the body and the headers elsewhere.
extension CurlTransfer {
    /// The most of a post's response body that is kept.
    static let postResponseLimit = 64 << 10
    /// The most of an error response's body that goes into `FetchError.detail`.
    static let errorDetailLimit = 200

    /// Runs a POST to its end; blocks the calling thread.
    static func post(_ request: PostRequest, userAgent: String,
                     cancellation: CancellationFlag) -> Result<PostResponse, FetchError> {
        let transfer = CurlTransfer(url: request.url, timeout: request.timeout, connectTimeout: request.connectTimeout,
                                    bodyTarget: .prefix(bytes: postResponseLimit), userAgent: userAgent,
                                    cancellation: cancellation)
        return transfer.withHandle { transfer.post(request, on: $0) }
    }

    private func post(_ request: PostRequest, on handle: UnsafeMutableRawPointer) -> Result<PostResponse, FetchError> {
        let payload = request.body
        // The size first: COPYPOSTFIELDS copies that many bytes, where it would stop at a NUL.
        if let refusal = setOptions([
            ("POSTFIELDSIZE_LARGE", { ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)) }),
            ("COPYPOSTFIELDS", {
                payload.withUnsafeBytes { ccurl_setopt_copied_bytes(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            }),
        ]) {
            return .failure(refusal)
        }
        // An empty `Expect:` keeps curl from asking for `100 Continue` before a body over 1 MiB:
        // a round trip, or a one-second stall with a server that does not answer it.
        let lines = ["Content-Type: \(request.contentType)", "Expect:"] + Self.headerLines(request.headers)
        let code = perform(handle, url: request.url, headers: HeaderList(lines))
        guard code == CURLE_OK else { return .failure(failure(code)) }
        let status = responseCode(handle)
        guard (200..<300).contains(status) else {
            return .failure(error(.http(status: status), detail: Self.printableStart(of: body)))
        }
        return .success(PostResponse(status: status, body: body))
    }

    /// The first `errorDetailLimit` bytes of a response body as one line for a log: what is not
    /// printable (control characters, invalid or cut UTF-8) and runs of white space become a
    /// single space. Never longer than those bytes.
    static func printableStart(of bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(errorDetailLimit), as: UTF8.self)
        return text.unicodeScalars.split { !isPrintable($0) }
            .map { String(String.UnicodeScalarView($0)) }
            .joined(separator: " ")
    }

    /// Visible text: not white space, not a control or format character, not U+FFFD (what
    /// invalid UTF-8 decodes to).
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar != "\u{FFFD}", !scalar.properties.isWhitespace else { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }
}
