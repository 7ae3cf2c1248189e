/// An ingest refused because another instance of the cluster holds the source's lease
/// now (by the database's clock): this instance's lease lapsed after it fetched, and the
/// holder may have ingested newer payloads since; this one, late, would make a release
/// going back to an older one. Nothing is written. Not the source's failure: the daemon
/// neither records nor alerts on it (the holder checks the source).
public struct SourceHeldElsewhere: Error, Sendable, Equatable, CustomStringConvertible {
    public let source: String
    /// The instance holding the lease.
    public let holder: String

    public init(source: String, holder: String) {
        self.source = source
        self.holder = holder
    }

    public var description: String {
        "source \(source) is held by instance \(holder) now; this instance's payload is left to it"
    }
}
