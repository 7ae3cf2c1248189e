/// Facts of the control protocol that both ends must agree on (CONTRACT §5).
public enum ControlProtocol {
    /// The protocol version carried as `"v"` in every request and reply.
    /// A request with another version gets `version_mismatch`.
    ///
    /// Changelog — add a line whenever a change could break an existing client or server:
    /// - 1: first version. Envelope `{v, id, cmd, args}` / `{v, id, ok, result | error}`,
    ///   one JSON object per line; times as ISO-8601 UTC text; decimal values as text;
    ///   files over 512 KiB are sent as `ingest.chunk` requests followed by `ingest`.
    public static let protocolVersion = 1

    /// The longest line either side sends or accepts, newline excluded (1 MiB).
    public static let maxLineBytes = 1 << 20

    /// The largest file `ingest` takes (64 MiB), summed over its chunks.
    public static let maxIngestBytes = 64 << 20

    /// The most raw bytes one `ingest` or `ingest.chunk` request carries (512 KiB, ~683 KiB
    /// in base64), so every request line stays well under `maxLineBytes`.
    public static let maxChunkBytes = 512 << 10

    /// The longest reply line a client accepts. Replies are normally far below 1 MiB, but an
    /// `export` of many series may not be; a client is liberal here so it never cuts one off.
    public static let maxReplyLineBytes = 96 << 20

    /// Where the daemon listens when neither `--socket` nor `BRID_SOCKET` say otherwise.
    public static let defaultSocketPath = "/run/brid/control.sock"
}
