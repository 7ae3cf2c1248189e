import BridCore
import BridFetch
import BridFormats
import BridHTTP
import BridRuntime
import BridStore
import Foundation
import Logging

/// Checking a URL source once, the use case: a conditional fetch (every page, for a
/// format that pages), the ingest, and what the store records of it (validators, the
/// failure). It holds no state and runs off the daemon actor; the actor keeps the schedule.
struct SourceCheck: Sendable {
    let store: any VintageStore
    let ingestor: Ingestor
    let fetcher: any HTTPFetching
    let clock: any DaemonClock
    let work: BlockingWork
    let environment: [String: String]
    let readFile: @Sendable (String) throws -> String
    let health: StoreHealth
    let metrics: BridMetrics

    /// What a check says when the store is unavailable: not the source's failure, and not
    /// recorded anywhere; like a check cut short by a stop (`.cancelled`), the source stays
    /// due and is checked again once the store answers. A payload fetched meanwhile is not
    /// kept: that next check fetches it again (the store still holds the old validators, so
    /// the publisher sends it in full).
    static func storeUnavailable(_ health: StoreHealth) -> PayloadOutcome {
        .cancelled("store unavailable: \(health.outage?.reason ?? "")")
    }

    /// Fetches the source (conditionally), ingests what came and says what happened.
    func run(_ source: SourceConfig, url: String, logger: Logger) async -> PayloadOutcome {
        let now = clock.now()
        guard health.isAvailable else { return Self.storeUnavailable(health) }
        // On the write queue: a reload's reset of the source (queued before) comes first.
        let state: SourceState?
        do {
            state = try await work.run { [store] in try store.sourceState(source.id) }
        } catch {
            if health.isUnavailable(error) { return Self.storeUnavailable(health) }
            state = nil
        }
        let spec: Ingestor.SourceSpec
        let headers: [(name: String, value: String)]
        do {
            spec = try Ingestor.SourceSpec(source)
            headers = try HeaderResolver.resolve(source.headers, environment: environment, readFile: readFile)
        } catch {
            return await recordFailure(source.id, "\(error)", at: now, logger: logger)
        }
        let request = GetRequest(url: url, timeout: source.timeout, connectTimeout: source.connectTimeout, maxBytes: source.maxBytes,
                                   headers: headers, etag: state?.etag, lastModified: state?.lastModified)
        // The body goes to an unnamed file in the state folder as it arrives, hashed on the
        // way, and is ingested through a mapping of it: memory does not grow with its size.
        let spool: BodySpool
        do {
            spool = try BodySpool(directory: ingestor.folder)
        } catch {
            return await recordFailure(source.id, "\(error)", at: now, logger: logger)
        }
        let result: FetchResult
        let fetchStarted = ContinuousClock.now
        do {
            result = try await fetcher.fetch(request, into: spool)
        } catch let error as FetchError {
            if error.kind == .cancelled { return .cancelled("\(error)") }
            metrics.fetched(source: source.id, bytes: spool.size, duration: ContinuousClock.now - fetchStarted)
            return await recordFailure(source.id, error.description, at: clock.now(), logger: logger)
        } catch {
            metrics.fetched(source: source.id, bytes: spool.size, duration: ContinuousClock.now - fetchStarted)
            return await recordFailure(source.id, "\(error)", at: clock.now(), logger: logger)
        }
        switch result {
        case .notModified:
            metrics.fetched(source: source.id, bytes: 0, duration: ContinuousClock.now - fetchStarted)
            do {
                try await work.run { [store, now = clock.now()] in try store.recordNotModified(source: source.id, at: now) }
            } catch {
                if health.isUnavailable(error) { return Self.storeUnavailable(health) }
                return .failed("cannot record the check: \(error)")
            }
            return .notModified
        case let .body(firstPageSize, info):
            if let paging = Formats.paging(format: source.format),
               let error = await fetchRemainingPages(into: spool, firstPageSize: firstPageSize, paging: paging, request: request) {
                if error.kind == .cancelled { return .cancelled("\(error)") }
                metrics.fetched(source: source.id, bytes: spool.size, duration: ContinuousClock.now - fetchStarted)
                return await recordFailure(source.id, error.description, at: clock.now(), logger: logger)
            }
            metrics.fetched(source: source.id, bytes: spool.size, duration: ContinuousClock.now - fetchStarted)
            let publishedAt = info.lastModified.flatMap(Timestamp.parseHTTPDate)
            let ingested: PayloadOutcome
            do {
                ingested = try await work.run { [ingestor, metrics, now = clock.now()] in
                    let started = ContinuousClock.now
                    defer { metrics.ingested(source: source.id, duration: ContinuousClock.now - started) }
                    let file = try MappedFile(descriptor: spool.descriptor, path: url)
                    return try ingestor.ingest(file: file, origin: url, source: spec, publishedAt: publishedAt,
                                               sha256: spool.sha256(), at: now)
                }
            } catch let error as SourceHeldElsewhere {
                // The lease lapsed during the check: the holder checks the source now. Not
                // a failure (nothing recorded, no fetch_failing), as a check cut short.
                logger.notice("not ingested: \(error)")
                return .cancelled("\(error)")
            } catch {
                // Rolled back (or, a COMMIT whose answer was lost, perhaps not: the next
                // check's payload then has the stored digest and is found unchanged).
                if health.isUnavailable(error) { return Self.storeUnavailable(health) }
                logger.critical("store failure: \(error)")
                return .failed("store failure: \(error)")
            }
            guard ingested.succeeded else { return ingested }
            do {
                try await work.run { [store, now = clock.now()] in
                    try store.recordValidators(source: source.id, etag: info.etag, lastModified: info.lastModified, now: now)
                }
            } catch {
                // The release stands; the validators are recorded by the next check, whose
                // payload is then found identical.
                if health.isUnavailable(error) { return ingested }
                logger.critical("store failure: \(error)")
                return .failed("store failure: \(error)")
            }
            return ingested
        }
    }

    /// The pages after the first of a paged response (`PagedFormat`) are fetched too, each
    /// within what is left of the source's `max_bytes`, into the same spool, joined by the
    /// format's separator, and ingested as one release; any page that fails fails the
    /// check, so a partial download never becomes a release.
    /// - Returns: nil when the spool holds the whole response.
    func fetchRemainingPages(into spool: BodySpool, firstPageSize: Int, paging: any PagedFormat.Type,
                             request: GetRequest) async -> FetchError? {
        // The first page as the spool holds it (mapped, not copied).
        let firstPage: MappedFile
        do {
            firstPage = try MappedFile(descriptor: spool.descriptor, path: request.url)
        } catch {
            return FetchError(kind: .other(curlCode: -1), url: request.url, elapsed: .zero, detail: "\(error)")
        }
        guard let (page, pages) = paging.pageCount(firstPage.bytes), page == 1, pages > 1 else { return nil }
        var total = firstPageSize
        for n in 2...pages {
            var pageRequest = request
            pageRequest.url = paging.url(request.url, page: n)
            pageRequest.etag = nil
            pageRequest.lastModified = nil
            pageRequest.maxBytes = request.maxBytes - total
            do {
                try spool.append(paging.pageSeparator)
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

    /// The failures in a row the store holds for a source (for the backoff).
    func consecutiveFailures(_ id: String) async -> Int {
        (try? await work.run { [store] in try store.sourceState(id) })?.consecutiveFailures ?? 1
    }

    /// Stores when the source is due next.
    func recordNextDue(_ id: String, at next: Date, now: Date, logger: Logger) async {
        do {
            try await work.run { [store] in try store.recordNextDue(source: id, at: next, now: now) }
        } catch {
            if health.isUnavailable(error) { return }  // kept in memory; the outage is in the journal
            logger.error("cannot record the schedule: \(error)")
        }
    }

    /// Records the source's failure; with the store unavailable the check counts as not
    /// made (checked again once the store answers), so no failure goes unrecorded.
    func recordFailure(_ id: String, _ message: String, at now: Date, logger: Logger) async -> PayloadOutcome {
        do {
            try await work.run { [store] in try store.recordFailure(source: id, message: message, at: now) }
        } catch {
            if health.isUnavailable(error) { return Self.storeUnavailable(health) }
            logger.critical("store failure: \(error)")
        }
        return .failed(message)
    }
}
