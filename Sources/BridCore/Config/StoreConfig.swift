/// The `[store]` table: where the vintages are kept.
public enum StoreConfig: Sendable, Equatable {
    /// How long an instance holds a URL source without renewing its claim (`lease`).
    public static let defaultLease: Duration = .seconds(30)
    /// Below this a busy database or a long pause of the process would pass a claim to
    /// another instance while the first still works.
    public static let minimumLease: Duration = .seconds(5)

    /// The SQLite file `state_dir/brid.sqlite` (the default).
    case sqlite
    /// A PostgreSQL database, shared by several brid instances.
    case postgresql(PostgreSQLStore)
}

/// `[store] kind = "postgresql"`.
public struct PostgreSQLStore: Sendable, Equatable {
    /// A libpq URI or key=value string, with no password in it (the parser refuses one).
    public let url: String
    /// Where the password is read from; nil leaves it to libpq (`~/.pgpass`, `PGPASSWORD`,
    /// or none for peer or certificate authentication).
    public let password: SecretReference?
    public let lease: Duration

    public init(url: String, password: SecretReference?, lease: Duration = StoreConfig.defaultLease) {
        self.url = url
        self.password = password
        self.lease = lease
    }
}
