/// A format whose payloads are zip archives read whole (xlsx): the runtime hands it the
/// archive as it came instead of choosing a member of it (`member = "…"`) to read.
public protocol ArchiveFormat: PayloadFormat {}
