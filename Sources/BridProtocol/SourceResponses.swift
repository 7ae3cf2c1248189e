#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The answer to `sources`.
public struct SourcesResponse: Codable, Sendable, Equatable {
    public var sources: [SourceStatus]
    public init(sources: [SourceStatus]) { self.sources = sources }
}

/// What checking one source (or ingesting one file) did.
public struct FetchOutcome: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A new release was stored (`release` says what it holds).
        case released
        /// Not modified, byte-identical, or no value changed: no release.
        case unchanged
        /// The payload was refused (invalid row, wrong format); nothing stored.
        case rejected
        /// The payload could not be had (HTTP error, timeout, unknown source, …).
        case failed
        /// The check was started and not waited for (`wait: false`).
        case queued
    }

    public var source: String
    public var outcome: Kind
    /// The new release, when `released`.
    public var release: Release?
    /// One line for people: why unchanged, rejected or failed.
    public var message: String

    public init(source: String, outcome: Kind, release: Release? = nil, message: String = "") {
        self.source = source
        self.outcome = outcome
        self.release = release
        self.message = message
    }

    /// Whether brictl counts this outcome as a failure (exit 1).
    public var isFailure: Bool { outcome == .rejected || outcome == .failed }
}

/// The answer to `fetch`: one outcome per source, in the order asked (config order for `all`).
public struct FetchResponse: Codable, Sendable, Equatable {
    public var outcomes: [FetchOutcome]
    public init(outcomes: [FetchOutcome]) { self.outcomes = outcomes }
}

/// The answer to `ingest.chunk`: how many bytes are staged now.
public struct IngestChunkResponse: Codable, Sendable, Equatable {
    public var received: Int
    public init(received: Int) { self.received = received }
}

/// The answer to `ingest`.
public struct IngestResponse: Codable, Sendable, Equatable {
    public var fileName: String
    /// The whole file's size.
    public var bytes: Int
    /// Same outcome as a drop of the file: released, unchanged or rejected.
    public var outcome: FetchOutcome

    public init(fileName: String, bytes: Int, outcome: FetchOutcome) {
        self.fileName = fileName
        self.bytes = bytes
        self.outcome = outcome
    }
}

/// The answer to `source.pause` and `source.resume`.
public struct PauseResponse: Codable, Sendable, Equatable {
    public var source: String
    /// Paused after the request.
    public var paused: Bool
    /// False when it already was in that state.
    public var changed: Bool

    public init(source: String, paused: Bool, changed: Bool) {
        self.source = source
        self.paused = paused
        self.changed = changed
    }
}

/// The answer to `reload`. A refused configuration is an answer, not an error reply:
/// `applied` is false, `errors` says why, and the old configuration keeps running.
public struct ReloadResponse: Codable, Sendable, Equatable {
    public var applied: Bool
    public var configPath: String
    /// Each validation error, naming the key and line (empty when applied).
    public var errors: [String]
    /// Source ids added, removed and changed by an applied reload.
    public var sourcesAdded: [String]
    public var sourcesRemoved: [String]
    public var sourcesChanged: [String]

    public init(applied: Bool, configPath: String, errors: [String] = [], sourcesAdded: [String] = [],
                sourcesRemoved: [String] = [], sourcesChanged: [String] = []) {
        self.applied = applied
        self.configPath = configPath
        self.errors = errors
        self.sourcesAdded = sourcesAdded
        self.sourcesRemoved = sourcesRemoved
        self.sourcesChanged = sourcesChanged
    }
}
