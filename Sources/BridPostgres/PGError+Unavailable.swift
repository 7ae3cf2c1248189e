extension PGError {
    /// Whether the error says the server cannot be reached now — restarting, shutting down,
    /// cut off, out of connection slots — rather than that something is wrong with what was
    /// asked or with the configuration. The daemon pauses and tries again later on these;
    /// everything else is a failure of its own (a statement refused, a wrong password).
    ///
    /// - `.connectionLost`: always (the server restarted, the backend was terminated, the
    ///   network broke, or connecting again after that failed).
    /// - `.statement`: SQLSTATE class 08 (connection exception), 57P01 admin shutdown,
    ///   57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections.
    /// - `.connect`: libpq gives no SQLSTATE for a connection that was never made, so its
    ///   message decides: a server that is not there (no socket, connection refused, a
    ///   timeout, no route, a name that cannot be resolved *for now*), starting up, shutting
    ///   down, in recovery, or out of connection slots. A wrong password, an unknown role or
    ///   database, a `pg_hba.conf` refusal, a host name that does not exist or a certificate
    ///   that does not verify are configuration errors: not unavailable.
    /// - `.usage`: never.
    public var isUnavailable: Bool {
        switch kind {
        case .connectionLost:
            return true
        case .statement:
            return sqlState.map(Self.isUnavailableState) ?? false
        case .connect:
            if let sqlState, Self.isUnavailableState(sqlState) { return true }
            let text = message.lowercased()
            return Self.unreachableMarkers.contains { text.contains($0) }
        case .usage:
            return false
        }
    }

    /// The SQLSTATEs of a server that cannot serve now.
    static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
    }

    /// What libpq and the server say (lower-cased) when a connection cannot be made *now*.
    static let unreachableMarkers = [
        "no such file or directory",            // a Unix socket that is not there: the server is down
        "connection refused",
        "timeout expired",                      // connect_timeout
        "connection timed out",
        "network is unreachable",
        "no route to host",
        "host is down",
        "connection reset by peer",
        "temporary failure in name resolution", // EAI_AGAIN; "Name or service not known" is a typo
        "server closed the connection unexpectedly",
        "could not receive data from server",
        "could not send data to server",
        "ssl syscall error",
        "the database system is starting up",
        "the database system is shutting down",
        "the database system is in recovery mode",
        "the database system is not yet accepting connections",
        "the database system is not accepting connections",
        "sorry, too many clients already",
        "remaining connection slots are reserved",
        "too many connections",
    ]
}
