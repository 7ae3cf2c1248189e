/// Whether a payload that no longer contains a period removes it.
public enum IngestMode: String, Sendable, Equatable, CaseIterable {
    /// Payloads only add and revise; the default.
    case append
    /// A payload is the whole truth: periods it no longer has are recorded as removed.
    case snapshot
}
