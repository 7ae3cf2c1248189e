import BridProtocol
import Synchronization

/// The bytes of `ingest.chunk` uploads held in memory, all connections together, against
/// `max_staged_bytes`: without it, a few clients staging large files each could take the
/// daemon to hundreds of megabytes.
final class StagingBudget: Sendable {
    let limit: Int
    private let staged = Mutex(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes staged now.
    var total: Int { staged.withLock { $0 } }

    /// Takes `count` more bytes, or says why not (nothing is taken).
    func reserve(_ count: Int) throws(ControlError) {
        try staged.withLock { (staged: inout Int) throws(ControlError) in
            guard staged + count <= limit else {
                throw .conflict("brid holds \(Self.mebibytes(staged)) of staged uploads and max_staged_bytes is \(Self.mebibytes(limit)); "
                                + "this upload was dropped: send the file again once others have finished")
            }
            staged += count
        }
    }

    func release(_ count: Int) {
        staged.withLock { $0 -= count }
    }

    static func mebibytes(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
