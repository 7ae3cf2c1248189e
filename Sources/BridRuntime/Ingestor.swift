import BridCore
import BridFormats
import BridStore
import Foundation

/// Turns one payload of one source into a release (or recognises it as unchanged, or
/// rejects it): hash, parse completely, then one store transaction.
public struct Ingestor: Sendable {
    public let store: any VintageStore
    /// The state folder: where large payloads are sorted and URL bodies are spooled while
    /// they download, as unnamed temporary files.
    public let folder: String
    /// Where payloads larger than `memoryLimit` observations are sorted: `folder`.
    let spill: (any SpillArea)?
    let memoryLimit: Int

    /// - Parameters:
    ///   - folder: the state folder, for temporary files.
    ///   - memoryLimit: observations held in memory before the rest is sorted in runs on
    ///     disk (tests make it small to exercise the runs).
    public init(store: any VintageStore, folder: String, memoryLimit: Int = PayloadBuilder.defaultMemoryLimit) {
        self.store = store
        self.folder = folder.isEmpty ? "/" : folder
        self.spill = FileSpillArea(directory: self.folder)
        self.memoryLimit = memoryLimit
    }

    /// An ingestor whose temporary files go beside an SQLite store's database file.
    public init(store: SQLiteStore, memoryLimit: Int = PayloadBuilder.defaultMemoryLimit) {
        let folder = store.path.lastIndex(of: "/").map { String(store.path[..<$0]) } ?? "."
        self.init(store: store as any VintageStore, folder: folder, memoryLimit: memoryLimit)
    }

    /// The source facts an ingest needs.
    public struct SourceSpec: Sendable {
        public var id: String
        public var reader: any PayloadFormat
        public var snapshot: Bool
        /// The source's `max_bytes`, which an inflated gzip payload must keep to too.
        public var maxBytes: Int
        /// The text's encoding when not UTF-8 (`encoding`, CSV-family formats).
        public var encoding: TextEncoding
        /// Which member of a zip payload is read (`member`); nil: the only one.
        public var member: Glob?

        public init(id: String, reader: any PayloadFormat, snapshot: Bool, maxBytes: Int = SourceConfig.defaultMaxBytes,
                    encoding: TextEncoding = .utf8, member: Glob? = nil) {
            self.id = id
            self.reader = reader
            self.snapshot = snapshot
            self.maxBytes = maxBytes
            self.encoding = encoding
            self.member = member
        }

        /// The spec of a configured source (its format settings were validated with the config).
        public init(_ source: SourceConfig) throws(FormatSettingsError) {
            self.init(id: source.id, reader: try Formats.reader(for: source).get(), snapshot: source.mode == .snapshot,
                      maxBytes: source.maxBytes,
                      encoding: try TextEncoding(settings: FormatSettings(seriesTemplate: nil, options: source.formatOptions)),
                      member: source.member.flatMap { try? Glob($0) })
        }
    }

    /// Ingests `bytes` from `origin` (a file name or URL). Input errors are returned as
    /// `.rejected` and recorded as the source's last error; store failures are thrown.
    public func ingest(_ bytes: [UInt8], origin: String, source: SourceSpec, publishedAt: Date? = nil, at now: Date) throws -> PayloadOutcome {
        let digest = SHA256.hex(bytes)
        return try bytes.withUnsafeBufferPointer { buffer in
            try decodeAndIngest(buffer, digest: digest, origin: origin, source: source, publishedAt: publishedAt, releasePages: nil, at: now)
        }
    }

    /// Ingests a mapped file in bounded memory: its SHA-256 first (an identical payload
    /// ends there), then the payload read through the mapping with pages dropped as it
    /// goes and observations beyond the builder's limit sorted in runs on disk.
    /// - Parameter sha256: the digest when already known (computed while downloading: see
    ///   BridFetch's `BodySpool`).
    public func ingest(file: MappedFile, origin: String, source: SourceSpec, publishedAt: Date? = nil, sha256: String? = nil, at now: Date) throws -> PayloadOutcome {
        let digest = sha256 ?? file.sha256()
        defer { file.releasePages() }
        return try decodeAndIngest(file.bytes, digest: digest, origin: origin, source: source, publishedAt: publishedAt,
                                   releasePages: { file.releasePages() }, at: now)
    }

    /// A zip payload's member or a gzip payload inflated, text in another encoding transcoded (`PayloadDecoding`),
    /// then read; the digest is the payload's as it came, so an unchanged one ends before.
    private func decodeAndIngest(_ bytes: UnsafeBufferPointer<UInt8>, digest: String, origin: String, source: SourceSpec, publishedAt: Date?,
                                 releasePages: (@Sendable () -> Void)?, at now: Date) throws -> PayloadOutcome {
        if try store.lastPayloadDigest(source: source.id) == digest {
            try store.recordUnchangedPayload(source: source.id, sha256: digest, at: now)
            return .unchangedPayload
        }
        let decoding = PayloadDecoding(directory: folder, maxBytes: source.maxBytes, encoding: source.encoding,
                                       member: source.member, unzip: !(source.reader is any ArchiveFormat))
        switch try decoding.decode(bytes, origin: origin, releasePages: releasePages) {
        case .success(nil):
            return try ingest(bytes, digest: digest, origin: origin, source: source, publishedAt: publishedAt, releasePages: releasePages, at: now)
        case let .success(decoded?):
            defer { decoded.releasePages() }
            return try ingest(decoded.bytes, digest: digest, origin: origin, source: source, publishedAt: publishedAt,
                              releasePages: { decoded.releasePages() }, at: now)
        case let .failure(error):
            try store.recordFailure(source: source.id, message: error.description, at: now)
            return .rejected(error)
        }
    }

    private func ingest(_ bytes: UnsafeBufferPointer<UInt8>, digest: String, origin: String, source: SourceSpec, publishedAt: Date?,
                        releasePages: (@Sendable () -> Void)?, at now: Date) throws -> PayloadOutcome {
        let frequencies = try store.frequencyLookup()
        do {
            do {
                return try streamed(bytes, digest: digest, origin: origin, source: source, publishedAt: publishedAt,
                                    frequencies: frequencies, releasePages: releasePages, at: now)
            } catch is ScatteredPayload {
                // Not grouped by series: rolled back; read whole, sorted in memory or in runs.
            }
            var builder = PayloadBuilder(origin: origin, ordinalKind: type(of: source.reader).ordinalKind, spill: spill,
                                         memoryLimit: memoryLimit) { frequencies.frequency(of: $0) }
            builder.onProgress = releasePages
            builder.maxInflatedBytes = source.maxBytes
            try source.reader.read(bytes, into: &builder)
            releasePages?()
            var payload = try builder.finish()
            if payload.publishedAt == nil { payload.publishedAt = publishedAt }
            return try store.ingest(payload, source: source.id, recordRemovals: source.snapshot, sha256: digest, at: now)
        } catch let error as InputError {
            try store.recordFailure(source: source.id, message: error.description, at: now)
            return .rejected(error)
        }
    }

    /// The payload read on a thread of its own while this one writes the release: each
    /// series goes to the store as soon as the payload moves on to the next (see
    /// `PayloadBuilder.stream(to:)`). Throws `ScatteredPayload` (after rolling back) when
    /// a series comes back later in the payload.
    private func streamed(_ bytes: UnsafeBufferPointer<UInt8>, digest: String, origin: String, source: SourceSpec, publishedAt: Date?,
                          frequencies: FrequencyLookup, releasePages: (@Sendable () -> Void)?, at now: Date) throws -> PayloadOutcome {
        let channel = SeriesChannel()
        let done = DispatchSemaphore(value: 0)
        let input = SendableBytes(bytes)
        let reader = source.reader
        let ordinalKind = type(of: source.reader).ordinalKind
        let memoryLimit = memoryLimit
        let maxBytes = source.maxBytes
        PosixThread.start(named: "brid-read") {
            defer { done.signal() }
            var builder = PayloadBuilder(origin: origin, ordinalKind: ordinalKind, spill: spill, memoryLimit: memoryLimit) { frequencies.frequency(of: $0) }
            builder.onProgress = releasePages
            builder.maxInflatedBytes = maxBytes
            builder.stream(to: channel)
            do throws(InputError) {
                try reader.read(input.bytes, into: &builder)
                releasePages?()
                try builder.finishStream()
            } catch {
                if !builder.streamStopped { channel.send(.failed(error)) }
            }
        }
        // Whatever happens here, the reading thread is released and gone before `bytes`
        // (owned by the caller) can be.
        defer {
            channel.hangUp()
            done.wait()
        }
        return try store.ingest(StreamedPayload(origin: origin, channel: channel, publishedAt: publishedAt),
                                source: source.id, recordRemovals: source.snapshot, sha256: digest, at: now)
    }
}

/// The caller's bytes, read by the reading thread while the caller waits for it.
private struct SendableBytes: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
}
