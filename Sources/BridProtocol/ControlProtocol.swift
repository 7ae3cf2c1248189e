/// Facts of the control protocol that both ends must agree on (CONTRACT §5).
public enum ControlProtocol {
    /// The protocol version carried as `"v"` in every request and reply.
    /// A request with another version gets `version_mismatch`.
    ///
    /// Changelog — add a line whenever a change could break an existing client or server:
    /// - 1: first version. Envelope `{v, id, cmd, args}` / `{v, id, ok, result | error}`,
    ///   one JSON object per line; times as ISO-8601 UTC text; decimal values as text;
    ///   files over 512 KiB are sent as `ingest.chunk` requests followed by `ingest`.
    /// - 2: replies that list rows stream (`series.list`, `series.show`, `series.history`,
    ///   `releases`, `release.show`, `export`): a header line (`"stream":true`, the `result` without the
    ///   rows), lines of `{"rows":[…]}`, then `{"end":{"rows":N}}` or an error line; no reply
    ///   line exceeds `maxLineBytes`. `series.list` takes `source`, `after` and `limit`
    ///   (the end line's `next` is the `after` of the next page); `release.show` lists
    ///   changes in the order the release wrote them; `export` rows are the document's lines.
    ///   Later in 2 (no bump: an absent key means none, and readers ignore unknown keys):
    ///   observations, versions and release changes carry an optional `status` (and a
    ///   change `previousStatus`), the publisher's status of the observation.
    ///   `status` carries an optional `storeUnavailable` `{since, reason, figuresFrom}`
    ///   while the store cannot be reached.
    public static let protocolVersion = 2

    /// The longest line either side sends or accepts, newline excluded (1 MiB).
    public static let maxLineBytes = 1 << 20

    /// The largest file `ingest` takes (64 MiB), summed over its chunks.
    public static let maxIngestBytes = 64 << 20

    /// The most raw bytes one `ingest` or `ingest.chunk` request carries (512 KiB, ~683 KiB
    /// in base64), so every request line stays well under `maxLineBytes`.
    public static let maxChunkBytes = 512 << 10

    /// The longest reply line a client accepts: since version 2 no reply line is longer than
    /// `maxLineBytes`; a little slack is left for a server that rounds differently.
    public static let maxReplyLineBytes = 2 << 20

    /// Where the daemon listens when neither `--socket` nor `BRID_SOCKET` say otherwise.
    public static let defaultSocketPath = "/run/brid/control.sock"
}
