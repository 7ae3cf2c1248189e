/// A statement prepared on one connection's server session (`PGConnection.prepare`).
public struct PGStatement: Sendable, Equatable {
    /// The server-side name, unique on its connection.
    public let name: String
    public let sql: String
    /// The connection's session it was prepared in: after a reset it is gone on the server.
    let session: Int
}
