/// Facts about this build of brid that more than one module shows.
public enum Brid {
    /// brid's version, sent in the `User-Agent` and printed by `--version`.
    public static let version = "0.1.0"

    /// The `User-Agent` every fetch sends: `brid/<version>`.
    public static let userAgent = "brid/\(version)"
}
