import BridCore
import BridFetch
import BridFormats
import BridRuntime
import BridStore
import Foundation
import Logging

/// Checking a URL source: a conditional fetch, the ingest, the outcome and the next due time.
extension Daemon {
    /// Fetches a URL source once (conditionally), ingests what came, records the outcome
    /// and schedules the next check.
    public func check(_ id: String) async -> CheckOutcome {
        defer {
            checking.remove(id)
            changed()
            // The last check of a round: give back what the transfers and parsing used.
            if checking.isEmpty { MemoryTrim.releaseFreedMemory() }
            schedulerWake.signal()
        }
        guard let source = config.source(id: id), case let .url(url) = source.location, let schedule = source.schedule else {
            return .failed("no URL source \(id) in the configuration")
        }
        var log = logger
        log[metadataKey: "source.id"] = "\(id)"
        let started = clock.now()
        let outcome = await fetchAndIngest(source, url: url, logger: log)
        if case .cancelled = outcome { return outcome }  // brid is stopping: checked again after the restart
        let state = try? await work.run { [store] in try store.sourceState(id) }
        let now = clock.now()
        // A reload while the check ran may have changed or removed the source: schedule it
        // by the configuration in force now.
        let current = config.source(id: id)?.schedule ?? schedule
        let next: Date
        switch outcome {
        case .released, .unchanged:
            next = SchedulePolicy.nextDue(after: started, schedule: current, sourceID: id)
        case .rejected, .failed, .cancelled:
            next = SchedulePolicy.retry(after: now, failures: max(state?.consecutiveFailures ?? 1, 1), schedule: current)
        }
        if config.source(id: id) != nil, due[id] != nil { due[id] = next }
        do {
            try await work.run { [store] in try store.recordNextDue(source: id, at: next, now: now) }
        } catch {
            log.error("cannot record the schedule: \(error)")
        }
        let wait = Self.describe(next.timeIntervalSince(now))
        switch outcome {
        case let .released(release):
            log.info("fetched: release \(release.id), \(release.added) added, \(release.revised) revised, \(release.removed) removed, \(release.unchanged) unchanged; next check in \(wait)")
        case let .unchanged(reason):
            log.info("fetched: unchanged (\(reason)); next check in \(wait)")
        case let .rejected(reason):
            log.error("rejected: \(reason); retry in \(wait)")
        case let .failed(reason), let .cancelled(reason):
            log.error("fetch failed: \(reason); retry in \(wait)")
        }
        if case .released = outcome { await checkpointIfLarge() }
        updateStatus()
        return outcome
    }

    func fetchAndIngest(_ source: SourceConfig, url: String, logger: Logger) async -> CheckOutcome {
        let now = clock.now()
        let state = try? await work.run { [store] in try store.sourceState(source.id) }
        let spec: Ingestor.SourceSpec
        let headers: [(name: String, value: String)]
        do {
            spec = try Ingestor.SourceSpec(source)
            headers = try HeaderResolver.resolve(source.headers, environment: environment, readFile: readFile)
        } catch {
            return await recordFailure(source.id, "\(error)", at: now)
        }
        let request = FetchRequest(url: url, timeout: source.timeout, connectTimeout: source.connectTimeout, maxBytes: source.maxBytes,
                                   headers: headers, etag: state?.etag, lastModified: state?.lastModified)
        // The body goes to an unnamed file in the state folder as it arrives, hashed on the
        // way, and is ingested through a mapping of it: memory does not grow with its size.
        let spool: BodySpool
        do {
            spool = try BodySpool(directory: ingestor.folder)
        } catch {
            return await recordFailure(source.id, "\(error)", at: now)
        }
        let result: FetchResult
        do {
            result = try await fetcher.fetch(request, into: spool)
        } catch let error as FetchError {
            if error.kind == .cancelled { return .cancelled("\(error)") }
            return await recordFailure(source.id, error.description, at: clock.now())
        } catch {
            return await recordFailure(source.id, "\(error)", at: clock.now())
        }
        switch result {
        case .notModified:
            do {
                try await work.run { [store, now = clock.now()] in try store.recordNotModified(source: source.id, at: now) }
            } catch {
                return .failed("cannot record the check: \(error)")
            }
            return .unchanged("HTTP 304 not modified")
        case let .body(firstPageSize, info):
            if let error = await fetchRemainingPages(into: spool, firstPageSize: firstPageSize, source: source, request: request) {
                if error.kind == .cancelled { return .cancelled("\(error)") }
                return await recordFailure(source.id, error.description, at: clock.now())
            }
            let publishedAt = info.lastModified.flatMap(Timestamp.parseHTTPDate)
            do {
                let ingested = try await work.run { [ingestor, now = clock.now()] in
                    let file = try MappedFile(descriptor: spool.descriptor, path: url)
                    return try ingestor.ingest(file: file, origin: url, source: spec, publishedAt: publishedAt,
                                               sha256: spool.sha256(), at: now)
                }
                switch ingested {
                case let .accepted(outcome):
                    try await work.run { [store, now = clock.now()] in
                        try store.recordValidators(source: source.id, etag: info.etag, lastModified: info.lastModified, now: now)
                    }
                    switch outcome {
                    case let .released(release): return .released(release)
                    case .unchangedPayload: return .unchanged("same SHA-256 as the last payload")
                    case let .unchangedValues(count): return .unchanged("all \(count) values equal the stored ones")
                    }
                case let .rejected(error):
                    return .rejected(error.description)
                }
            } catch {
                logger.critical("store failure: \(error)")
                return .failed("store failure: \(error)")
            }
        }
    }

    /// Multi-page World Bank responses are fetched completely (`page=2…N`, each within what
    /// is left of the source's `max_bytes`) into the same spool, the pages joined by a line
    /// feed (`WorldBankJSON.combinePages`), and ingested as one release; any page that
    /// fails fails the check, so a partial download never becomes a release.
    /// - Returns: nil when the spool holds the whole response.
    func fetchRemainingPages(into spool: BodySpool, firstPageSize: Int, source: SourceConfig, request: FetchRequest) async -> FetchError? {
        guard source.format == WorldBankJSON.name else { return nil }
        let firstPage: [UInt8]
        do {
            firstPage = try spool.contents()
        } catch {
            return FetchError(kind: .other(curlCode: -1), url: request.url, elapsed: .zero, detail: "\(error)")
        }
        guard let (page, pages) = WorldBankJSON.pageCount(firstPage), page == 1, pages > 1 else { return nil }
        var total = firstPageSize
        for n in 2...pages {
            var pageRequest = request
            pageRequest.url = Self.url(request.url, settingQuery: "page", to: String(n))
            pageRequest.etag = nil
            pageRequest.lastModified = nil
            pageRequest.maxBytes = request.maxBytes - total
            do {
                try spool.append([0x0A])
                guard case let .body(size, _) = try await fetcher.fetch(pageRequest, into: spool) else {
                    return FetchError(kind: .http(status: 304), url: pageRequest.url, elapsed: .zero, detail: "page \(n) of \(pages) answered 304")
                }
                total += size
            } catch let error as FetchError {
                return error
            } catch {
                return FetchError(kind: .other(curlCode: -1), url: pageRequest.url, elapsed: .zero, detail: "\(error)")
            }
        }
        return nil
    }

    /// The URL with one query parameter set (added or replaced).
    static func url(_ url: String, settingQuery name: String, to value: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var items = components.queryItems ?? []
        items.removeAll { $0.name == name }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.string ?? url
    }

    func recordFailure(_ id: String, _ message: String, at now: Date) async -> CheckOutcome {
        do {
            try await work.run { [store] in try store.recordFailure(source: id, message: message, at: now) }
        } catch {
            logger.critical("store failure: \(error)")
        }
        return .failed(message)
    }
}
