import CCurl

extension CurlTransfer {
    /// A `CURLOPT_` name (without the prefix) and the call that sets it.
    typealias Option = (name: String, set: () -> CURLcode)

    /// The options every transfer and every hop shares. URL, headers and the remaining timeout
    /// are set per hop, a post's body by `post`.
    func sharedOptions(_ handle: UnsafeMutableRawPointer, context: UnsafeMutableRawPointer) -> [Option] {
        // libcurl copies string options (all but POSTFIELDS), so temporaries are fine here.
        [
            ("NOSIGNAL", { ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) }),
            // Every hop is its own perform, so PROTOCOLS guards redirect targets too;
            // REDIR_PROTOCOLS is set as well in case FOLLOWLOCATION is ever turned on.
            ("PROTOCOLS_STR", { Self.setProtocols(handle, CURLOPT_PROTOCOLS_STR, legacy: 181) }),
            ("REDIR_PROTOCOLS_STR", { Self.setProtocols(handle, CURLOPT_REDIR_PROTOCOLS_STR, legacy: 182) }),
            ("FOLLOWLOCATION", { ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0) }),
            ("ACCEPT_ENCODING", { ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "") }),
            ("USERAGENT", { ccurl_setopt_string(handle, CURLOPT_USERAGENT, self.userAgent) }),
            ("CONNECTTIMEOUT_MS", {
                ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(self.connectTimeout))
            }),
            ("FAILONERROR", { ccurl_setopt_long(handle, CURLOPT_FAILONERROR, 0) }),
            ("MAXFILESIZE_LARGE", {
                ccurl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(self.bodyTarget.curlMaxFileSize))
            }),
            ("ERRORBUFFER", { ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, self.errorBuffer) }),
            ("WRITEFUNCTION", { ccurl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody) }),
            ("WRITEDATA", { ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) }),
            ("HEADERFUNCTION", { ccurl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, curlReceiveHeader) }),
            ("HEADERDATA", { ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) }),
            ("NOPROGRESS", { ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0) }),
            ("XFERINFOFUNCTION", { ccurl_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION, curlProgress) }),
            ("XFERINFODATA", { ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context) }),
        ]
    }

    /// Sets `options` in order; the first one curl refuses ends it, as the transfer's error.
    func setOptions(_ options: [Option]) -> FetchError? {
        for option in options {
            let code = option.set()
            guard code == CURLE_OK else {
                return error(.other(curlCode: Int(code.rawValue)),
                             detail: "cannot set CURLOPT_\(option.name): \(String(cString: curl_easy_strerror(code)))")
            }
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

    // MARK: What the callbacks do, on the transfer thread

    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        switch bodyTarget {
        case .spool(let spool, let maxBytes): spoolBody(bytes, into: spool, maxBytes: maxBytes)
        case .prefix(let limit): receiveBodyPrefix(bytes, limit: limit)
        }
    }

    private func spoolBody(_ bytes: UnsafeBufferPointer<UInt8>, into spool: BodySpool, maxBytes: Int) -> Int {
        if let status = headers.status {
            if status >= 400 {
                refusedErrorBody = true
                return 0
            }
            if (300..<400).contains(status) { return bytes.count }  // a redirect's body: skipped
        }
        guard spooled + bytes.count <= maxBytes else {
            exceededMaxBytes = true
            return 0
        }
        do {
            try spool.append(UnsafeRawBufferPointer(bytes))
        } catch {
            spoolFailure = error
            return 0
        }
        spooled += bytes.count
        return bytes.count
    }

    /// Keeps what fits under `limit` and takes the rest as read, so the transfer ends normally.
    private func receiveBodyPrefix(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
        body.append(contentsOf: bytes.prefix(max(0, limit - body.count)))
        return bytes.count
    }

    func receiveHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        headers.consume(String(decoding: bytes, as: UTF8.self))
        return bytes.count
    }
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

/// Called by curl about once a second while idle and more often while data flows; a
/// non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
private func curlProgress(_ context: UnsafeMutableRawPointer?, _ downloadTotal: curl_off_t, _ downloaded: curl_off_t,
                          _ uploadTotal: curl_off_t, _ uploaded: curl_off_t) -> Int32 {
    guard let transfer = transfer(context) else { return 1 }
    return transfer.isCancelled ? 1 : 0
}
