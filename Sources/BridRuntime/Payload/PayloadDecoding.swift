import BridCore
import BridFormats
import CLinux
import CZlib
import Glibc

/// What a payload is before a reader sees it: a zip archive's member chosen and inflated
/// (`PK\x03\x04`, unless the format reads archives itself, as xlsx does), gzip inflated
/// (told by its magic bytes, so a `.tsv.gz` served as `application/gzip` is inflated too)
/// and text in another encoding
/// transcoded to UTF-8. Each step streams into an unnamed temporary file in the state
/// folder (as URL bodies do, see `BodySpool`) that is then mapped: memory does not grow
/// with the payload.
struct PayloadDecoding {
    /// Where the decoded bytes go.
    let directory: String
    /// The source's `max_bytes`, which the inflated size must keep to as well.
    let maxBytes: Int
    let encoding: TextEncoding
    /// Which member of a zip archive is read; nil: the archive's only one.
    var member: Glob? = nil
    /// Whether a zip archive is opened here (false for formats that read archives whole).
    var unzip = true

    /// How much is inflated or transcoded at a time.
    static let chunk = 1 << 20

    /// The payload as its reader is to see it: nil when `bytes` are that already, a mapped
    /// spool otherwise; `.failure` for a corrupt, truncated or oversized payload. Disk
    /// failures are thrown.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, origin: String, releasePages: (() -> Void)?) throws -> Result<MappedFile?, InputError> {
        var current: MappedFile?
        var input = bytes
        if unzip, ZipArchive.isZip(input) {
            switch try unzip(input, origin: origin, releasePages: releasePages) {
            case let .success(file):
                current = file
                input = file.bytes
            case let .failure(error):
                return .failure(error)
            }
        }
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

    /// Inflates the chosen member of a zip archive into a spool, a chunk at a time.
    private func unzip(_ input: UnsafeBufferPointer<UInt8>, origin: String, releasePages: (() -> Void)?) throws -> Result<MappedFile, InputError> {
        func refuse(_ reason: String) -> Result<MappedFile, InputError> { .failure(InputError(origin: origin, place: nil, reason: reason)) }
        let archive: ZipArchive
        do { archive = try ZipArchive(input) } catch { return refuse("a corrupt zip archive: \(error.reason)") }
        let files = archive.members.filter { !$0.isDirectory }
        // An Office Open XML workbook is a zip archive too: say so, rather than ask for a member.
        if member == nil, files.contains(where: { $0.name == "xl/workbook.xml" }), files.contains(where: { $0.name == "[Content_Types].xml" }) {
            return refuse("this zip archive is an xlsx workbook: read it with format = \"xlsx\"")
        }
        let names = files.map { "\"\(Excerpt($0.name))\"" }.joined(separator: ", ")
        let chosen: [ZipArchive.Member]
        if let member {
            chosen = files.filter { member.matches($0.name) }
            guard chosen.count == 1 else {
                return refuse(chosen.isEmpty
                    ? "no member of the zip archive matches member = \"\(member.pattern)\" (its members: \(names))"
                    : "\(chosen.count) members of the zip archive match member = \"\(member.pattern)\" (\(chosen.map { "\"\($0.name)\"" }.joined(separator: ", "))): make the pattern choose one")
            }
        } else {
            chosen = files
            guard files.count == 1 else {
                return refuse(files.isEmpty ? "the zip archive has no members"
                    : "the zip archive has \(files.count) members (\(names)): choose one with `member = \"…\"` (a glob) on the [[source]]")
            }
        }
        let spool = try FileRun(directory: directory)
        var sinceRelease = 0
        do {
            try archive.inflate(chosen[0], limit: maxBytes, chunk: Self.chunk) { piece in
                try spool.append(piece)
                sinceRelease += piece.count
                if sinceRelease >= 64 << 20 {
                    releasePages?()
                    sinceRelease = 0
                }
            }
        } catch let failure as ZipArchive.Failure {
            if failure.kind == .bomb {
                return refuse("zip bomb refused: member \"\(Excerpt(chosen[0].name))\" inflates to more than max_bytes (\(maxBytes) bytes) from \(chosen[0].compressedSize) compressed bytes")
            }
            return refuse(failure.kind == .corrupt ? "a corrupt zip archive: \(failure)" : "\(failure)")
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
