import BridCore
import BridFormats
import CLinux
import CZlib
import Glibc

/// What a payload is before a reader sees it: gzip inflated (told by its magic bytes, so a
/// `.tsv.gz` served as `application/gzip` is inflated too) and text in another encoding
/// transcoded to UTF-8. Each step streams into an unnamed temporary file in the state
/// folder (as URL bodies do, see `BodySpool`) that is then mapped: memory does not grow
/// with the payload.
struct PayloadDecoding {
    /// Where the decoded bytes go.
    let directory: String
    /// The source's `max_bytes`, which the inflated size must keep to as well.
    let maxBytes: Int
    let encoding: TextEncoding

    /// How much is inflated or transcoded at a time.
    static let chunk = 1 << 20

    /// The payload as its reader is to see it: nil when `bytes` are that already, a mapped
    /// spool otherwise; `.failure` for a corrupt, truncated or oversized payload. Disk
    /// failures are thrown.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, origin: String, releasePages: (() -> Void)?) throws -> Result<MappedFile?, InputError> {
        var current: MappedFile?
        var input = bytes
        if Self.isGzip(input) {
            switch try inflate(input, origin: origin, releasePages: releasePages) {
            case let .success(file):
                current = file
                input = file.bytes
            case let .failure(error):
                return .failure(error)
            }
        }
        let prefix = UnsafeBufferPointer(rebasing: input[..<min(input.count, 64)])
        if let transcoder = TextTranscoder(encoding: encoding, prefix: prefix) {
            let file = current
            switch try transcode(input, with: transcoder, origin: origin, releasePages: { file?.releasePages() ?? releasePages?() }) {
            case let .success(transcoded): current = transcoded
            case let .failure(error): return .failure(error)
            }
        }
        return .success(current)
    }

    static func isGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a gzip file (all its members, as `gunzip` does) into a spool.
    private func inflate(_ input: UnsafeBufferPointer<UInt8>, origin: String, releasePages: (() -> Void)?) throws -> Result<MappedFile, InputError> {
        func refuse(_ reason: String) -> Result<MappedFile, InputError> { .failure(InputError(origin: origin, place: nil, reason: reason)) }
        let spool = try FileRun(directory: directory)
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw RuntimeError("cannot start zlib: out of memory") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Self.chunk)
        var consumed = 0
        var sinceRelease = 0
        while true {
            // zlib counts in 32 bits: the input is handed over a chunk at a time.
            let available = min(input.count - consumed, Self.chunk)
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
            stream.avail_in = uInt(available)
            var status: Int32 = Z_OK
            repeat {
                status = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = Self.chunk - Int(stream.avail_out)
                if spool.size + produced > maxBytes {
                    return refuse("gzip bomb refused: it inflates to more than max_bytes (\(maxBytes) bytes) from \(input.count) compressed bytes")
                }
                try output.withUnsafeBytes { try spool.append(UnsafeRawBufferPointer(rebasing: $0[..<produced])) }
                if status == Z_DATA_ERROR || status == Z_NEED_DICT {
                    let at = consumed + (available - Int(stream.avail_in))
                    let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    return refuse("corrupt gzip at compressed byte offset \(at): \(message)")
                }
                if status == Z_MEM_ERROR { throw RuntimeError("cannot inflate \(origin): out of memory") }
            } while stream.avail_out == 0 && status == Z_OK
            consumed += available - Int(stream.avail_in)
            sinceRelease += available
            if sinceRelease >= 64 << 20 {
                releasePages?()
                sinceRelease = 0
            }
            if status == Z_STREAM_END {
                // Another member follows (concatenated gzip files), or the end.
                let rest = UnsafeBufferPointer(rebasing: input[consumed...])
                if rest.isEmpty { break }
                guard Self.isGzip(rest) else {
                    return refuse("\(rest.count) bytes after the end of the gzip data at compressed byte offset \(consumed) are not another gzip member")
                }
                inflateReset(&stream)
                continue
            }
            if consumed == input.count, status == Z_OK || status == Z_BUF_ERROR {
                return refuse("truncated gzip: the compressed data ends at byte offset \(input.count) before the end of its stream (\(spool.size) bytes inflated)")
            }
        }
        releasePages?()
        return .success(try spool.mapped(path: origin))
    }

    /// Transcodes text to UTF-8 into a spool.
    private func transcode(_ input: UnsafeBufferPointer<UInt8>, with start: TextTranscoder, origin: String, releasePages: () -> Void) throws -> Result<MappedFile?, InputError> {
        var transcoder = start
        let spool = try FileRun(directory: directory)
        var output: [UInt8] = []
        output.reserveCapacity(Self.chunk * 2)
        var offset = transcoder.skip
        var sinceRelease = 0
        func refuse(_ error: TranscodeError) -> Result<MappedFile?, InputError> {
            .failure(InputError(origin: origin, place: nil,
                                reason: "not \(encoding == .utf8 ? "UTF-16" : encoding.rawValue) text at byte offset \(error.offset): \(error.reason)"))
        }
        while offset < input.count {
            let end = min(offset + Self.chunk, input.count)
            output.removeAll(keepingCapacity: true)
            do { try transcoder.transcode(UnsafeBufferPointer(rebasing: input[offset..<end]), into: &output) } catch { return refuse(error) }
            try output.withUnsafeBytes { try spool.append($0) }
            sinceRelease += end - offset
            offset = end
            if sinceRelease >= 64 << 20 {
                releasePages()
                sinceRelease = 0
            }
        }
        do { try transcoder.finish() } catch { return refuse(error) }
        releasePages()
        return .success(try spool.mapped(path: origin))
    }
}
