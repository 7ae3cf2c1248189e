/// Facts about this build that more than one module shows.
public enum BridVersion {
    /// brid's version, printed by `--version` and sent in the `User-Agent`.
    public static let current = "0.1.0"

    /// The `User-Agent` every fetch sends: `brid/<version>`.
    public static let userAgent = "brid/\(current)"
}
