/// Where a source's payloads come from.
public enum SourceLocation: Sendable, Equatable {
    /// Fetched from an http(s) URL on a schedule.
    case url(String)
    /// Files dropped into this absolute folder.
    case drop(String)
}
