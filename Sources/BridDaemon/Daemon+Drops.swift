import BridCore
import BridRuntime
import BridStore
import Foundation
import Logging

/// Payloads that come without a fetch: drop folders (`DropIntake`) and the control socket.
extension Daemon {
    /// A drop scan ended: what `status` shows of failing drop sources may have changed.
    func dropsChanged(unrecorded: [String: DropScanFailure]) {
        unrecordedDropFailures = unrecorded
        changed()
        updateStatus()
    }

    /// Ingests a payload handed over the control socket, like a dropped file.
    public func ingest(_ bytes: [UInt8], origin: String, source: Ingestor.SourceSpec) async throws -> PayloadOutcome {
        let (result, took) = try await work.run { [ingestor, now = clock.now()] in
            let started = ContinuousClock.now
            return (try ingestor.ingest(bytes, origin: origin, source: source, at: now), ContinuousClock.now - started)
        }
        metrics.ingested(source: source.id, duration: took)
        metrics.received(source: source.id, outcome: result)
        var log = logger
        log[metadataKey: "source.id"] = "\(source.id)"
        DropIntake.log(DropFolder.Taken(file: origin, outcome: result, movedTo: "(control socket)"), logger: log)
        if case .released = result { await maintainStore(store, work: work, logger: logger) }
        changed()
        updateStatus()
        return result
    }
}
