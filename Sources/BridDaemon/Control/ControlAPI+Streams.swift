import BridCore
import BridProtocol
import BridStore
import Foundation
import Synchronization

// The commands whose replies stream: each handler checks what can fail up front (an
// ordinary error reply), then answers with the header and a source of rows read from a
// store cursor batch by batch as the client takes them.
extension ControlAPI {
    func registerStreams(_ h: inout ControlHandlers<ControlConnection>) {
        let api = self
        let store = self.store
        h.onStream(SeriesListRequest.self) { request, _ in try await BlockingWork.read { try api.seriesList(request) } }
        h.onStream(ShowRequest.self) { request, _ in try await BlockingWork.read { try api.show(request) } }
        h.onStream(HistoryRequest.self) { request, _ in try await BlockingWork.read { try api.history(request) } }
        h.onStream(ReleasesRequest.self) { request, _ in
            try await BlockingWork.read {
                let limit = min(max(request.limit ?? 20, 1), Int(Int32.max))
                return (Empty(), rows(try store.releasesCursor(source: request.source, limit: limit)) { wire($0) })
            }
        }
        h.onStream(ReleaseRequest.self) { request, _ in
            try await BlockingWork.read {
                guard let release = try store.release(id: request.id) else { throw ControlError.notFound("no release \(request.id)") }
                return (ReleaseHeader(release: wire(release)), rows(try store.changesCursor(release: request.id)) { wire($0) })
            }
        }
        h.onStream(ExportRequest.self) { request, _ in try await BlockingWork.read { try api.export(request) } }
    }

    func seriesList(_ request: SeriesListRequest) throws -> (Empty, RowSource<BridProtocol.SeriesSummary>) {
        var filter = SeriesFilter(source: request.source, after: request.after, limit: request.limit)
        if let pattern = request.glob {
            do {
                filter.glob = try Glob(pattern)
            } catch {
                throw ControlError.badRequest("glob \(Excerpt(quoted: pattern)): \(error.message)")
            }
        }
        if let limit = request.limit, limit < 1 { throw ControlError.badRequest("limit must be 1 or more") }
        let (cursor, more) = try store.seriesCursor(filter)
        let state = Mutex<(cursor: StoreCursor<BridCore.SeriesSummary>, more: () -> Bool, last: String?)?>((cursor, more, nil))
        return (Empty(), RowSource(next: { count in
            try state.withLock { state in
                guard let cursor = state?.cursor else { return [] }
                let batch = try cursor.next(count)
                if let last = batch.last?.key { state?.last = last }
                return batch.map(wire)
            }
        }, end: {
            state.withLock { state in state.flatMap { $0.more() ? $0.last : nil } }
        }, close: {
            state.withLock { state in
                state?.cursor.close()
                state = nil
            }
        }))
    }

    func show(_ request: ShowRequest) throws -> (ShowHeader, RowSource<Observation>) {
        let info = try seriesInfo(request.series)
        if request.asOf != nil && request.release != nil { throw ControlError.badRequest("give --as-of or --release, not both") }
        let vintage: Vintage = request.release.map { .release($0) } ?? request.asOf.map { .time($0) } ?? .latest
        let from = try request.from.map { try canonical($0, info) }
        let to = try request.to.map { try canonical($0, info) }
        // Canonical periods of one series sort as text (Period): a reversed range is a
        // mistake to say, not an empty answer.
        if let from, let to, from > to {
            throw ControlError.badRequest("the range is empty: --from \(from) is after --to \(to)")
        }
        let cursor = try store.observationsCursor(series: request.series, vintage: vintage, from: from, to: to)
        return (ShowHeader(series: wireInfo(info), asOf: request.asOf, release: request.release),
                rows(cursor) { Observation(period: $0.period, value: $0.value, status: $0.status, releaseID: $0.releaseID) })
    }

    func history(_ request: HistoryRequest) throws -> (HistoryHeader, RowSource<BridProtocol.ObservationVersion>) {
        let info = try seriesInfo(request.series)
        let period = try canonical(request.period, info)
        let cursor = try store.historyCursor(series: request.series, period: period)
        // The first batch is read before answering, so a period never published is not_found.
        let first = try cursor.next(256)
        if first.isEmpty { throw ControlError.notFound("series \(Excerpt(request.series)) has no observation for \(Excerpt(period))") }
        let toWire: @Sendable (BridCore.ObservationVersion) -> BridProtocol.ObservationVersion = { wire($0) }
        let pending = first.map(toWire)
        let state = Mutex<(cursor: StoreCursor<BridCore.ObservationVersion>, pending: [BridProtocol.ObservationVersion])?>((cursor, pending))
        return (HistoryHeader(series: wireInfo(info), period: period), RowSource(next: { count in
            try state.withLock { state in
                guard let current = state else { return [] }
                if !current.pending.isEmpty {
                    state?.pending = []
                    return current.pending
                }
                return try current.cursor.next(count).map(toWire)
            }
        }, close: {
            state.withLock { state in
                state?.cursor.close()
                state = nil
            }
        }))
    }

    func export(_ request: ExportRequest) throws -> (ExportHeader, RowSource<String>) {
        if request.series.isEmpty { throw ControlError.badRequest("name at least one series") }
        let vintage: Vintage = request.release.map { .release($0) } ?? request.asOf.map { .time($0) } ?? .latest
        let lines: ExportLines
        if request.vintages {
            guard request.series.count == 1 else { throw ControlError.badRequest("--vintages takes one series") }
            lines = try ExportLines.matrix(series: request.series[0], store: store, format: request.format)
        } else {
            for key in request.series { _ = try seriesInfo(key) }
            lines = ExportLines.observations(series: request.series, vintage: vintage, store: store, format: request.format)
        }
        return (ExportHeader(format: request.format), RowSource(next: { try lines.next($0) }, close: { lines.close() }))
    }

    // MARK: - Helpers

    func seriesInfo(_ key: String) throws -> BridCore.SeriesSummary {
        guard let info = try store.seriesInfo(key) else { throw ControlError.notFound("no series \(Excerpt(key))") }
        return info
    }

    /// A period as the user typed it (`2018Q1`), in the series' canonical form.
    func canonical(_ period: String, _ info: BridCore.SeriesSummary) throws -> String {
        switch Period.normalize(period, frequency: info.frequency) {
        case let .success(normalized): return normalized.text
        case let .failure(error): throw ControlError.badRequest("\(error) (series \(Excerpt(info.key)))")
        }
    }
}

/// The rows of a store cursor, mapped to their wire form, as a stream's source.
func rows<Row, Wire: Sendable>(_ cursor: sending StoreCursor<Row>, _ map: @escaping @Sendable (Row) -> Wire) -> RowSource<Wire> {
    let box = Mutex<StoreCursor<Row>?>(cursor)
    return RowSource(next: { count in
        try box.withLock { cursor in try cursor?.next(count).map(map) ?? [] }
    }, close: {
        box.withLock { cursor in
            cursor?.close()
            cursor = nil
        }
    })
}
