import BridCore
import BridFormats
import BridStore
import Foundation

/// Turns one payload of one source into a release (or recognises it as unchanged, or
/// rejects it): hash, parse completely, then one store transaction.
public struct Ingestor: Sendable {
    public let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// What happened to a payload.
    public enum Result: Sendable, Equatable {
        case accepted(IngestOutcome)
        case rejected(InputError)
    }

    /// The source facts an ingest needs.
    public struct SourceSpec: Sendable {
        public var id: String
        public var reader: any PayloadFormat
        public var snapshot: Bool

        public init(id: String, reader: any PayloadFormat, snapshot: Bool) {
            self.id = id
            self.reader = reader
            self.snapshot = snapshot
        }

        /// The spec of a configured source (its format settings were validated with the config).
        public init(_ source: SourceConfig) throws(FormatSettingsError) {
            self.init(id: source.id, reader: try Formats.reader(for: source).get(), snapshot: source.mode == .snapshot)
        }
    }

    /// Ingests `bytes` from `origin` (a file name or URL). Input errors are returned as
    /// `.rejected` and recorded as the source's last error; store failures are thrown.
    public func ingest(_ bytes: [UInt8], origin: String, source: SourceSpec, publishedAt: Date? = nil, at now: Date) throws -> Result {
        let digest = SHA256.hex(bytes)
        if try store.lastPayloadDigest(source: source.id) == digest {
            try store.recordUnchangedPayload(source: source.id, sha256: digest, at: now)
            return .accepted(.unchangedPayload)
        }
        let frequencies = try store.seriesFrequencies()
        var builder = PayloadBuilder(origin: origin, ordinalKind: type(of: source.reader).ordinalKind) { frequencies[$0] }
        do {
            try source.reader.read(bytes, into: &builder)
            var payload = try builder.finish()
            if payload.publishedAt == nil { payload.publishedAt = publishedAt }
            return .accepted(try store.ingest(payload, source: source.id, recordRemovals: source.snapshot, sha256: digest, at: now))
        } catch let error as InputError {
            try store.recordFailure(source: source.id, message: error.description, at: now)
            return .rejected(error)
        }
    }
}
