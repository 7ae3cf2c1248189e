import BridPostgres

// "The store is unavailable": its database cannot be reached now (a PostgreSQL server
// restarting, shut down, cut off by the network). Not a failure of what brid was doing — a
// source's payload, a notification — but a pause: the daemon stops checking and delivering,
// probes the store with `ping()` and carries on when it answers. A backend says so by
// throwing `StoreError.unavailable(_:)`, or by letting a `PGError` whose `isUnavailable`
// holds through; everything else is an ordinary failure.

extension StoreError {
    /// The store's database cannot be reached now; `reason` says why, for people.
    public static func unavailable(_ reason: String) -> StoreError {
        var error = StoreError(reason)
        error.isUnavailable = true
        return error
    }
}

/// Tells an unavailable store apart from other failures.
public enum StoreAvailability {
    /// Why the store is unavailable, when `error` says it is (a `StoreError` made by
    /// `unavailable(_:)`, a `PGError` of a server that cannot be reached); nil for every
    /// other error.
    public static func unavailableReason(_ error: any Error) -> String? {
        switch error {
        case let error as StoreError where error.isUnavailable:
            return error.message
        case let error as PGError where error.isUnavailable:
            return error.message
        default:
            return nil
        }
    }
}

extension SQLiteStore {
    /// A file on this machine: there whenever brid is (a full disk or a damaged file is a
    /// failure of the write, not an unavailable store). Throws only once closed.
    public func ping() throws {
        if isClosed { throw StoreError.closed }
    }
}
