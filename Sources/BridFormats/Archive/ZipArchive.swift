import CZlib

// Why not ZIPFoundation (which issue 12 suggested): it imports Foundation proper (FileManager,
// URL, Data, NSError), and brid must not link Foundation proper — one such symbol brings
// Foundation, CoreFoundation and ICU back into the static binaries (FoundationLinkTests).
// It would also be a new package dependency. A zip reader from a byte buffer is small: the
// end of central directory (ZIP64 too), the central directory, local headers, and zlib's
// raw inflate for deflated members.

/// A zip archive read from a byte buffer (a mapped file or a payload in memory): its members
/// listed from the central directory, each inflated on request within a byte limit and
/// checked against its CRC-32.
public struct ZipArchive {
    /// One member as the central directory describes it.
    public struct Member: Sendable, Equatable {
        public let name: String
        /// 0 stored, 8 deflated; anything else is refused when read.
        public let method: UInt16
        public let flags: UInt16
        public let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        let localHeaderOffset: Int

        /// Encrypted (traditional PKWARE or strong encryption; AES uses method 99).
        public var isEncrypted: Bool { flags & 0x1 != 0 || method == 99 }
        /// A folder entry (`name/`), which holds nothing.
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// What an archive or a member's bytes can be refused for.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Not a zip archive, truncated, or a member's data does not match its headers.
            case corrupt
            /// Encrypted, or compressed with a method other than stored or deflate.
            case unsupported
            /// The member inflates to more than the caller's limit.
            case bomb
        }

        public let kind: Kind
        /// The member at fault, when there is one.
        public let member: String?
        public let reason: String

        public var description: String {
            member.map { "zip member \"\($0)\": \(reason)" } ?? reason
        }
    }

    /// The archive's bytes; members' data are read from here.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Every entry of the central directory, in its order.
    public let members: [Member]

    /// Whether `bytes` start as a zip archive does (a local file header, `PK\x03\x04`), or
    /// are an empty archive (`PK\x05\x06`).
    public static func isZip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B
            && ((bytes[2] == 0x03 && bytes[3] == 0x04) || (bytes[2] == 0x05 && bytes[3] == 0x06))
    }

    /// Reads the central directory; throws `.corrupt` when there is none or it does not fit.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) {
        self.bytes = bytes
        let reader = ByteReader(bytes: bytes)
        func corrupt(_ reason: String) -> Failure { Failure(kind: .corrupt, member: nil, reason: reason) }

        // The end of central directory record: 22 bytes and a comment of up to 65535 bytes.
        guard bytes.count >= 22 else { throw corrupt("not a zip archive: \(bytes.count) bytes are too few for its end record (truncated?)") }
        var eocd = -1
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while at >= lowest {
            if reader.u32(at) == 0x0605_4B50, at + 22 + Int(reader.u16(at + 20)) == bytes.count { eocd = at; break }
            at -= 1
        }
        if eocd < 0 {
            // A comment whose length does not match the end: accept the last signature found.
            at = bytes.count - 22
            while at >= lowest, reader.u32(at) != 0x0605_4B50 { at -= 1 }
            guard at >= lowest else { throw corrupt("no end of central directory record: the zip archive is truncated or not a zip archive") }
            eocd = at
        }
        var entries = Int(reader.u16(eocd + 10))
        var directorySize = Int(reader.u32(eocd + 12))
        var directoryOffset = Int(reader.u32(eocd + 16))
        guard reader.u16(eocd + 4) == 0 || reader.u16(eocd + 4) == 0xFFFF else {
            throw Failure(kind: .unsupported, member: nil, reason: "a multi-volume (split) zip archive is not supported")
        }
        if entries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the end record points to the ZIP64 end record.
            let locator = eocd - 20
            guard locator >= 0, reader.u32(locator) == 0x0706_4B50 else { throw corrupt("a ZIP64 archive without its end of central directory locator") }
            let record = reader.u64(locator + 8)
            guard record >= 0, record <= locator - 56, reader.u32(record) == 0x0606_4B50 else {
                throw corrupt("the ZIP64 end of central directory record is not where its locator says (offset \(record))")
            }
            entries = reader.u64(record + 32)
            directorySize = reader.u64(record + 40)
            directoryOffset = reader.u64(record + 48)
        }
        guard entries >= 0 else { throw corrupt("the ZIP64 end of central directory record gives a member count beyond 2^63") }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset <= eocd, directorySize <= eocd - directoryOffset else {
            throw corrupt("the central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the archive's \(bytes.count) bytes (truncated?)")
        }

        var members: [Member] = []
        members.reserveCapacity(min(entries, 1 << 16))
        var offset = directoryOffset
        let end = directoryOffset + directorySize
        for index in 0..<entries {
            guard offset + 46 <= end, reader.u32(offset) == 0x0201_4B50 else {
                throw corrupt("central directory entry \(index + 1) of \(entries) is missing or damaged at byte offset \(offset)")
            }
            let nameLength = Int(reader.u16(offset + 28)), extraLength = Int(reader.u16(offset + 30)), commentLength = Int(reader.u16(offset + 32))
            let next = offset + 46 + nameLength + extraLength + commentLength
            guard next <= end else { throw corrupt("central directory entry \(index + 1) runs past the directory's end") }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(offset + 46)..<(offset + 46 + nameLength)]), as: UTF8.self)
            var compressed = Int(reader.u32(offset + 20)), uncompressed = Int(reader.u32(offset + 24)), local = Int(reader.u32(offset + 42))
            // ZIP64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
            var extra = offset + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = reader.u16(extra), size = Int(reader.u16(extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    let fieldEnd = min(field + size, extraEnd)
                    func take() -> Int? {
                        guard field + 8 <= fieldEnd else { return nil }
                        defer { field += 8 }
                        return reader.u64(field)
                    }
                    if uncompressed == 0xFFFF_FFFF, let v = take() { uncompressed = v }
                    if compressed == 0xFFFF_FFFF, let v = take() { compressed = v }
                    if local == 0xFFFF_FFFF, let v = take() { local = v }
                }
                extra += 4 + size
            }
            guard compressed >= 0, uncompressed >= 0, local >= 0 else { throw Failure(kind: .corrupt, member: name, reason: "sizes beyond 2^63 bytes") }
            members.append(Member(name: name, method: reader.u16(offset + 10), flags: reader.u16(offset + 8), crc32: reader.u32(offset + 16),
                                  compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: local))
            offset = next
        }
        self.members = members
    }

    /// The member called `name` exactly, if any.
    public func member(named name: String) -> Member? {
        members.first { $0.name == name }
    }

    /// Inflates `member` a chunk at a time into `sink`, refusing it (`.bomb`) as soon as it
    /// would exceed `limit` bytes, and checking its size and CRC-32 at the end. Errors of the
    /// sink are rethrown as they are.
    public func inflate(_ member: Member, limit: Int, chunk: Int = 1 << 20, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        func fail(_ kind: Failure.Kind, _ reason: String) -> Failure { Failure(kind: kind, member: member.name, reason: reason) }
        if member.isEncrypted { throw fail(.unsupported, "encrypted members are not supported (decrypt the archive first)") }
        guard member.method == 0 || member.method == 8 else {
            throw fail(.unsupported, "compression method \(member.method) (\(Self.methodName(member.method))) is not supported; only stored (0) and deflate (8) are")
        }
        let bomb = fail(.bomb, "zip bomb refused: it inflates to more than the limit of \(limit) bytes (max_bytes) from \(member.compressedSize) compressed bytes")
        if member.uncompressedSize > limit { throw bomb }
        let data = try compressedData(member)

        var crc = CZlib.crc32(0, nil, 0)
        var produced = 0
        if member.method == 0 {
            guard data.count == member.uncompressedSize else {
                throw fail(.corrupt, "a stored member of \(data.count) bytes whose header says \(member.uncompressedSize)")
            }
            var at = 0
            while at < data.count {
                let piece = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(data)[at..<min(at + chunk, data.count)])
                crc = CZlib.crc32(crc, piece.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(piece.count))
                try sink(piece)
                at += piece.count
            }
            produced = data.count
        } else {
            var stream = z_stream()
            guard czlib_inflate_init_raw(&stream) == Z_OK else { throw fail(.corrupt, "cannot start zlib: out of memory") }
            defer { inflateEnd(&stream) }
            let output = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
            defer { output.deallocate() }
            var consumed = 0
            var status: Int32 = Z_OK
            while status != Z_STREAM_END {
                let available = min(data.count - consumed, chunk)
                stream.next_in = UnsafeMutablePointer(mutating: data.baseAddress.map { $0 + consumed })
                stream.avail_in = uInt(available)
                repeat {
                    stream.next_out = output
                    stream.avail_out = uInt(chunk)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    let count = chunk - Int(stream.avail_out)
                    if status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR {
                        let message = stream.msg.map { String(cString: $0) } ?? "invalid data"
                        throw fail(.corrupt, "corrupt deflate data at compressed byte \(consumed + available - Int(stream.avail_in)): \(message)")
                    }
                    produced += count
                    if produced > limit { throw bomb }
                    crc = CZlib.crc32(crc, output, uInt(count))
                    try sink(UnsafeRawBufferPointer(start: output, count: count))
                } while stream.avail_out == 0 && status == Z_OK
                consumed += available - Int(stream.avail_in)
                if status != Z_STREAM_END, consumed == data.count {
                    throw fail(.corrupt, "truncated: the deflate data ends after \(data.count) compressed bytes before its end (\(produced) bytes inflated)")
                }
            }
        }
        guard produced == member.uncompressedSize else {
            throw fail(.corrupt, "inflates to \(produced) bytes, but its header says \(member.uncompressedSize)")
        }
        guard UInt32(crc) == member.crc32 else {
            throw fail(.corrupt, "CRC-32 mismatch (the data is damaged): \(hex(UInt32(crc))) computed, \(hex(member.crc32)) recorded")
        }
    }

    /// A member's whole content in memory (for the small parts of a workbook).
    public func extract(_ member: Member, limit: Int) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(member.uncompressedSize, limit))
        do {
            try inflate(member, limit: limit) { out.append(contentsOf: $0) }
        } catch let failure as Failure {
            throw failure
        } catch {
            // Appending to an array throws nothing.
            throw Failure(kind: .corrupt, member: member.name, reason: "\(error)")
        }
        return out
    }

    /// The member's compressed bytes, found through its local header.
    private func compressedData(_ member: Member) throws(Failure) -> UnsafeBufferPointer<UInt8> {
        let reader = ByteReader(bytes: bytes)
        let at = member.localHeaderOffset
        guard at <= bytes.count - 30, reader.u32(at) == 0x0403_4B50 else {
            throw Failure(kind: .corrupt, member: member.name, reason: "no local header at byte offset \(at) (truncated or damaged archive)")
        }
        let start = at + 30 + Int(reader.u16(at + 26)) + Int(reader.u16(at + 28))
        guard start <= bytes.count, member.compressedSize <= bytes.count - start else {
            throw Failure(kind: .corrupt, member: member.name,
                          reason: "its \(member.compressedSize) compressed bytes at offset \(start) run past the archive's end (\(bytes.count) bytes; truncated?)")
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<(start + member.compressedSize)])
    }

    static func methodName(_ method: UInt16) -> String {
        switch method {
        case 1...7: "legacy"
        case 9: "deflate64"
        case 12: "bzip2"
        case 14: "LZMA"
        case 93: "Zstandard"
        case 95: "xz"
        case 98: "PPMd"
        case 99: "AES encryption"
        default: "unknown"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// Little-endian fields at byte offsets; callers check bounds first, reads past the end give 0.
private struct ByteReader {
    let bytes: UnsafeBufferPointer<UInt8>

    func u16(_ at: Int) -> UInt16 {
        guard at >= 0, at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    func u32(_ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { return 0 }
        return UInt32(u16(at)) | UInt32(u16(at + 2)) << 16
    }

    /// A 64-bit field as Int; -1 when it does not fit.
    func u64(_ at: Int) -> Int {
        guard at >= 0, at + 8 <= bytes.count else { return -1 }
        let value = UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
        return value > UInt64(Int.max) ? -1 : Int(value)
    }
}
