import BridCore
import Foundation

/// What a backend's release writer does for the ingest flow both backends share.
protocol ReleaseWriting {
    var releaseID: Int64 { get }
    var unchanged: Int { get }
    mutating func write(_ batch: [SeriesObservations], origin: String, recordRemovals: Bool) throws -> [TouchedSeries]
    mutating func removeUnseen() throws -> [TouchedSeries]
    func finish(origin: String, publishedAt: Date?, sha256: String) throws -> Release?
}

/// The alert rules' part of an ingest's transaction.
protocol IngestAlerts {
    mutating func evaluate(touched: [TouchedSeries], release: Int64) throws
    mutating func evaluateSource(_ source: String) throws
}

extension ReleaseWriter: ReleaseWriting {}
extension PGReleaseWriter: ReleaseWriting {}
extension AlertWriter: IngestAlerts {}

/// An ingest after the payload's digest was found new, inside the backend's write
/// transaction, the same on both backends (CONTRACT §2): each batch written and its series
/// rules judged, a snapshot's unseen series removed, then the release — or none when no
/// value changed — and the source marked accepted (`markAccepted` at the time given) with
/// its rules judged.
func ingestReleasing(_ payload: some SeriesBatches, into release: inout some ReleaseWriting, alerts: inout some IngestAlerts,
                     source: String, recordRemovals: Bool, sha256: String, at now: Date,
                     markAccepted: (Date) throws -> Void) throws -> PayloadOutcome {
    let publishedAt = try payload.forEachBatch { batch in
        let touched = try release.write(batch, origin: payload.origin, recordRemovals: recordRemovals)
        try alerts.evaluate(touched: touched, release: release.releaseID)
    }
    if recordRemovals {
        let touched = try release.removeUnseen()
        try alerts.evaluate(touched: touched, release: release.releaseID)
    }
    guard let written = try release.finish(origin: payload.origin, publishedAt: publishedAt, sha256: sha256) else {
        try markAccepted(now)
        try alerts.evaluateSource(source)
        return .unchangedValues(observations: release.unchanged)
    }
    try markAccepted(written.ingestedAt)
    try alerts.evaluateSource(source)
    return .released(written)
}
