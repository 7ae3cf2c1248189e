import BridCore
import BridStore
import Foundation
import Logging

/// `brid --once`: every source once (drop folders scanned, URLs fetched), then exit.
public struct SinglePass {
    public let config: BridConfig
    public let store: Store
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(config: BridConfig, store: Store, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// What the pass did, for the exit status.
    public struct Summary: Sendable, Equatable {
        public var releases = 0
        public var unchanged = 0
        public var rejected = 0
        public var failedSources = 0
    }

    public func run() throws -> Summary {
        var summary = Summary()
        let ingestor = Ingestor(store: store)
        for source in config.sources {
            var log = logger
            log[metadataKey: "source.id"] = "\(source.id)"
            let spec: Ingestor.SourceSpec
            do {
                spec = try Ingestor.SourceSpec(source)
            } catch {
                log.error("source not usable: \(error.message)")
                summary.failedSources += 1
                continue
            }
            switch source.location {
            case let .drop(path):
                try scan(DropFolder(path: path), source: source, spec: spec, ingestor: ingestor, logger: log, into: &summary)
            case let .url(url):
                log.notice("skipped: fetching URLs arrives with the daemon (\(url))")
            }
        }
        return summary
    }

    private func scan(_ folder: DropFolder, source: SourceConfig, spec: Ingestor.SourceSpec, ingestor: Ingestor, logger: Logger, into summary: inout Summary) throws {
        try folder.prepare()
        let files = try folder.pendingFiles()
        if files.isEmpty { logger.info("no new files in \(folder.path)") }
        for name in files {
            let outcome = try folder.process(name, source: spec, maxBytes: source.maxBytes, ingestor: ingestor, at: now())
            var log = logger
            log[metadataKey: "file"] = "\(name)"
            switch outcome.result {
            case let .accepted(.released(release)):
                summary.releases += 1
                log.info("accepted: release \(release.id), \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged")
            case .accepted(.unchangedPayload):
                summary.unchanged += 1
                log.info("unchanged: identical to the last payload (SHA-256)")
            case let .accepted(.unchangedValues(count)):
                summary.unchanged += 1
                log.info("unchanged: all \(count) values equal the stored ones")
            case let .rejected(error):
                summary.rejected += 1
                log.error("rejected: \(error.description) — moved to \(outcome.movedTo)")
            }
        }
    }
}
