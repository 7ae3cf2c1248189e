import BridCore
import BridProtocol
import BridStore
import Foundation

extension ControlAPI {
    /// `backup`: `VACUUM INTO` a temporary file beside the target, then renamed into place;
    /// on the read queue, so it holds up neither the other queries nor the ingests.
    func backup(_ request: BackupRequest) async throws -> BackupResponse {
        guard request.path.hasPrefix("/") else {
            throw ControlError.badRequest("the backup path must be absolute, not \(request.path)")
        }
        let store = self.store
        let result: BackupResult
        do {
            result = try await BlockingWork.read { try store.backup(to: request.path, overwrite: request.force) }
        } catch let error as BackupError {
            logger.log(level: error.kind == .exists ? .warning : .error, "backup to \(request.path) refused: \(error)")
            switch error.kind {
            case .exists: throw ControlError.conflict(error.description)
            case .unwritable, .failed: throw ControlError.failed(error.description)
            }
        }
        logger.notice("backup: \(result.path) written, \(result.bytes) bytes, up to release \(result.lastReleaseID.map(String.init) ?? "none"), in \(cFormat("%.2f", result.seconds)) s")
        return BackupResponse(path: result.path, sizeBytes: result.bytes, lastReleaseID: result.lastReleaseID, seconds: result.seconds)
    }
}
