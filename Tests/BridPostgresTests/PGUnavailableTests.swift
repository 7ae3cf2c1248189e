import BridPostgres
import BridTestSupport
import Testing

/// Which failures say "the server cannot be reached now": pure, no server.
@Suite("PGError: unavailable or not")
struct PGErrorUnavailableTests {
    @Test func aLostConnectionAndTheServersShutdownStatesAreUnavailable() {
        #expect(PGError(kind: .connectionLost, message: "server closed the connection unexpectedly").isUnavailable)
        for state in ["08006", "08001", "08003", "57P01", "57P02", "57P03", "53300"] {
            #expect(PGError(kind: .statement, sqlState: state, message: "x").isUnavailable, "\(state)")
        }
        for state in ["23505", "42P01", "22P02", "40001", "57014", "28P01", "3D000"] {
            #expect(!PGError(kind: .statement, sqlState: state, message: "x").isUnavailable, "\(state)")
        }
        #expect(!PGError(kind: .usage, message: "the connection is closed").isUnavailable)
    }

    @Test func aConnectionThatCannotBeMadeNowIsUnavailableAConfigurationErrorIsNot() {
        let now = [
            #"connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: No such file or directory; Is the server running locally and accepting connections on that socket?"#,
            #"connection to server at "10.0.0.5", port 5432 failed: Connection refused; Is the server running on that host and accepting TCP/IP connections?"#,
            #"connection to server at "10.0.0.5", port 5432 failed: timeout expired"#,
            #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: the database system is starting up"#,
            #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: the database system is shutting down"#,
            #"connection to server at "db", port 5432 failed: sorry, too many clients already"#,
            #"could not translate host name "db.example" to address: Temporary failure in name resolution"#,
        ]
        for message in now { #expect(PGError(kind: .connect, message: message).isUnavailable, "\(message)") }
        let configuration = [
            #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: password authentication failed for user "brid""#,
            #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: database "nope" does not exist"#,
            #"connection to server on socket "/tmp/.s.PGSQL.5432" failed: role "nobody" does not exist"#,
            #"connection to server at "db", port 5432 failed: no pg_hba.conf entry for host "10.0.0.9", user "brid", database "brid", SSL off"#,
            #"could not translate host name "db.exmaple" to address: Name or service not known"#,
            #"connection to server at "db", port 5432 failed: SSL error: certificate verify failed"#,
        ]
        for message in configuration { #expect(!PGError(kind: .connect, message: message).isUnavailable, "\(message)") }
    }
}

/// A server that goes away under a connection: a cluster of these tests' own, stopped and
/// restarted (never the shared one), one test at a time.
@Suite("PGConnection when the server goes away", .serialized)
struct PGUnavailableTests {
    /// Started once for the suite, at first use; removed when the test process exits.
    private static let own = Result { try PostgresCluster.start() }

    static func cluster() async throws -> PostgresCluster {
        try await offPool { try own.get() }
    }

    @Test func aConnectToAStoppedServerIsUnavailableAWrongPasswordIsNot() async throws {
        let cluster = try await Self.cluster()
        try await offPool {
            let wrong = try #require(throws: PGError.self) { try PGConnection(conninfo: cluster.conninfo, password: "not it") }
            #expect(!wrong.isUnavailable, "\(wrong)")
            try cluster.stopServer()
            defer { try? cluster.startServer() }
            let down = try #require(throws: PGError.self) { try PGConnection(conninfo: cluster.conninfo, password: cluster.password) }
            #expect(down.kind == .connect)
            #expect(down.isUnavailable, "\(down)")
        }
    }

    @Test func aQueryWhileTheServerIsStoppedIsUnavailableAndTheSameConnectionWorksAgainAfterwards() async throws {
        let cluster = try await Self.cluster()
        try await offPool {
            let connection = try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
            let double = try connection.prepare("SELECT $1::int * 2")
            let before = try #require(try connection.query("SELECT pg_backend_pid()").scalar)
            try cluster.stopServer()
            // The statement that finds the connection broken fails (it is never sent again) …
            let lost = try #require(throws: PGError.self) { try connection.query("SELECT 1") }
            #expect(lost.isUnavailable, "\(lost)")
            #expect(!lost.outcomeUnknown)
            // … and every later one tries to connect again first, once, and says why it could not.
            let again = try #require(throws: PGError.self) { try connection.query("SELECT 1") }
            #expect(again.kind == .connectionLost)
            #expect(again.isUnavailable)
            #expect(again.message.hasPrefix("the connection broke and connecting again failed: "), "\(again)")
            #expect(!again.message.contains(cluster.password))
            #expect(throws: PGError.self) { try connection.ping() }
            try cluster.startServer()
            // The same object, a new session; the statement prepared before is prepared again.
            try connection.ping()
            #expect(try connection.query("SELECT pg_backend_pid()").scalar != before)
            #expect(try connection.execute(double, ["21"]).scalar == "42")
        }
    }

    @Test func pingConnectsAgainAfterARestartWithoutFailingFirst() async throws {
        let cluster = try await Self.cluster()
        try await offPool {
            let connection = try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
            try cluster.restartServer()
            try connection.ping()  // finds the old session gone, resets, asks again: no error
            #expect(try connection.query("SELECT 1").scalar == "1")
        }
    }

    @Test func aTransactionInterruptedByAFastRestartIsRolledBackAndReportedUnavailable() async throws {
        let cluster = try await Self.cluster()
        try await offPool {
            let connection = try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
            try connection.execute("DROP TABLE IF EXISTS half; CREATE TABLE half (n int)")
            let error = try #require(throws: PGError.self) {
                try connection.transaction { c in
                    try c.query("INSERT INTO half VALUES (1)")
                    try cluster.restartServer(mode: "fast")
                    try c.query("INSERT INTO half VALUES (2)")
                }
            }
            #expect(error.isUnavailable, "\(error)")
            #expect(!error.outcomeUnknown)
            #expect(error.message.contains("rolled back"), "\(error)")
            #expect(!connection.inTransaction)
            // Nothing half-written; the same connection goes on (connected again first).
            #expect(try connection.query("SELECT count(*) FROM half").scalar == "0")
            try connection.transaction { try $0.query("INSERT INTO half VALUES (3)") }
            #expect(try connection.query("SELECT array_agg(n)::text FROM half").scalar == "{3}")
        }
    }

    /// By hand (BEGIN … through `execute`): after the break every statement is refused until
    /// ROLLBACK, so the rest of the transaction never runs outside it on a new session.
    @Test func aBrokenTransactionByHandRefusesStatementsUntilRollback() async throws {
        let cluster = try await Self.cluster()
        try await offPool {
            let connection = try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
            try connection.execute("DROP TABLE IF EXISTS manual; CREATE TABLE manual (n int)")
            try connection.execute("BEGIN")
            try connection.query("INSERT INTO manual VALUES (1)")
            try cluster.restartServer(mode: "fast")
            #expect(throws: PGError.self) { try connection.query("INSERT INTO manual VALUES (2)") }
            let refused = try #require(throws: PGError.self) { try connection.query("INSERT INTO manual VALUES (3)") }
            #expect(refused.isUnavailable)
            #expect(refused.message.contains("end it with ROLLBACK"), "\(refused)")
            #expect(throws: PGError.self) { try connection.execute("COMMIT") }
            try connection.execute("ROLLBACK")
            #expect(try connection.query("SELECT count(*) FROM manual").scalar == "0")
        }
    }

    /// A COMMIT whose connection broke: unknown, reported so, and never sent again.
    @Test func aCommitOnABrokenConnectionIsReportedUnknownAndNotRepeated() async throws {
        let cluster = try await Self.cluster()
        try await offPool {
            let connection = try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
            try connection.execute("DROP TABLE IF EXISTS lost; CREATE TABLE lost (n int)")
            let pid = try #require(try connection.query("SELECT pg_backend_pid()").scalar)
            let error = try #require(throws: PGError.self) {
                try connection.transaction { c in
                    try c.query("INSERT INTO lost VALUES (1)")
                    try cluster.superuserSQL("SELECT pg_terminate_backend(\(pid))")
                }
            }
            #expect(error.outcomeUnknown, "\(error)")
            #expect(error.isUnavailable)
            #expect(error.message.contains("whether the transaction was committed is unknown"), "\(error)")
            // Not repeated: the server rolled it back when the backend ended, and nothing sent it again.
            #expect(try connection.query("SELECT count(*) FROM lost").scalar == "0")
        }
    }
}
