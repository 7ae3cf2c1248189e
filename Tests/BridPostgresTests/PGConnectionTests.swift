import BridPostgres
import BridTestSupport
import Testing

/// PGConnection against a real PostgreSQL server: the throwaway cluster of this test process.
@Suite("PGConnection against a throwaway PostgreSQL")
struct PGConnectionTests {
    let cluster: PostgresCluster

    init() async throws {
        cluster = try await PostgresCluster.shared()
    }

    func connect() throws -> PGConnection {
        try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
    }

    // MARK: Connecting

    @Test func connectsWithAKeyValueStringOrAURIAndThePasswordApart() throws {
        for conninfo in [cluster.conninfo, cluster.url] {
            let connection = try PGConnection(conninfo: conninfo, password: cluster.password)
            let version = try connection.query("SELECT version()").scalar
            #expect(version?.hasPrefix("PostgreSQL \(cluster.version)") == true, "\(version ?? "nil")")
            #expect(connection.serverVersion >= 120_000)
            #expect(connection.endpoint == PGConnection.Endpoint(host: cluster.folder, port: String(cluster.port),
                                                                  database: "brid", user: "brid"))
            #expect(try connection.query("SELECT current_user").scalar == "brid")
            #expect(try connection.query("SELECT current_setting('application_name')").scalar == "brid")
        }
    }

    @Test func keepalivesAndATCPUserTimeoutAreOnUnlessTheURLSaysOtherwise() throws {
        let connection = try connect()
        #expect(connection.option("keepalives") == "1")
        #expect(connection.option("keepalives_idle") == String(PGConnection.keepaliveIdleSeconds))
        #expect(connection.option("tcp_user_timeout") == String(PGConnection.tcpUserTimeoutMilliseconds))
        #expect(connection.option("password") == nil)
        let tuned = try PGConnection(conninfo: cluster.conninfo + " keepalives_idle=60", password: cluster.password)
        #expect(tuned.option("keepalives_idle") == "60")
    }

    @Test func theGivenPasswordOverridesOneInTheConnectionString() throws {
        let connection = try PGConnection(conninfo: cluster.conninfo + " password=wrong", password: cluster.password)
        #expect(try connection.query("SELECT 1").scalar == "1")
    }

    @Test func aWrongPasswordFailsWithLibpqsReasonAndNeverThePassword() throws {
        let wrong = "not-" + cluster.password
        let error = try #require(throws: PGError.self) { try PGConnection(conninfo: cluster.conninfo, password: wrong) }
        #expect(error.kind == .connect)
        #expect(error.message.contains(#"password authentication failed for user "brid""#), "\(error)")
        #expect(!error.message.contains("\n"))
        #expect(!"\(error)".contains(wrong) && !"\(error)".contains(cluster.password))
    }

    @Test func aMissingDatabaseAndAServerThatIsNotThereAreConnectErrors() throws {
        let missing = try #require(throws: PGError.self) {
            try PGConnection(conninfo: "host=\(cluster.folder) port=\(cluster.port) dbname=nope user=brid", password: cluster.password)
        }
        #expect(missing.kind == .connect)
        #expect(missing.message.contains(#"database "nope" does not exist"#), "\(missing)")
        let absent = try #require(throws: PGError.self) {
            try PGConnection(conninfo: "host=\(cluster.folder) port=\(cluster.port + 1) dbname=brid user=brid", password: "x")
        }
        #expect(absent.kind == .connect)
        #expect(absent.message.contains("No such file or directory"), "\(absent)")
    }

    // MARK: Statements

    @Test func parametersAreTextAndNilIsNull() throws {
        let connection = try connect()
        let rows = try connection.query("SELECT $1::int + $2::int AS sum, $3::text IS NULL AS missing, $4::numeric * 2 AS exact",
                                        ["40", "2", nil, "0.1000000000000000000001"])
        #expect(rows.columns == ["sum", "missing", "exact"])
        #expect(rows.rows == [["42", "t", "0.2000000000000000000002"]])
        #expect(try connection.query("SELECT NULL::text").rows == [[nil]])
    }

    @Test func unicodeTextRoundTrips() throws {
        let connection = try connect()
        let text = "Ünïcödé — 中国–哈萨克斯坦 🇰🇿 \u{301}e"
        #expect(try connection.query("SELECT $1::text, length($1::text)", [text]).rows == [[text, String(text.unicodeScalars.count)]])
    }

    @Test func aNulInsideAParameterIsRefusedBeforeSending() throws {
        let connection = try connect()
        let error = try #require(throws: PGError.self) { try connection.query("SELECT $1::text", ["a\u{0}b"]) }
        #expect(error.kind == .usage)
        #expect(error.message.contains("$1"))
        #expect(try connection.query("SELECT 1").scalar == "1")
    }

    @Test func preparedStatementsRunManyTimes() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE kv (k text PRIMARY KEY, v numeric NOT NULL)")
        let insert = try connection.prepare("INSERT INTO kv (k, v) VALUES ($1, $2)")
        let read = try connection.prepare("SELECT v FROM kv WHERE k = $1")
        for i in 0..<200 { #expect(try connection.execute(insert, ["k\(i)", "\(i).5"]).affected == 1) }
        #expect(try connection.execute(read, ["k150"]).scalar == "150.5")
        #expect(try connection.execute(read, ["absent"]).rows.isEmpty)
        #expect(insert.name != read.name)
    }

    @Test func anSQLErrorCarriesItsSQLStateAndTheConnectionGoesOn() throws {
        let connection = try connect()
        let missing = try #require(throws: PGError.self) { try connection.query("SELECT * FROM no_such_table") }
        #expect(missing.kind == .statement)
        #expect(missing.sqlState == "42P01")
        #expect(missing.message == #"relation "no_such_table" does not exist"#)
        try connection.execute("CREATE TEMP TABLE u (k int PRIMARY KEY)")
        try connection.query("INSERT INTO u VALUES ($1)", ["1"])
        let duplicate = try #require(throws: PGError.self) { try connection.query("INSERT INTO u VALUES ($1)", ["1"]) }
        #expect(duplicate.sqlState == "23505")
        #expect(duplicate.detail == "Key (k)=(1) already exists.")
        #expect("\(duplicate)".contains("(SQLSTATE 23505)"))
        #expect(try connection.query("SELECT count(*) FROM u").scalar == "1")
    }

    /// A COPY started through `execute` is refused and ended, so the connection goes on.
    @Test func aCopyThroughExecuteIsRefusedAndTheConnectionGoesOn() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE c (k int)")
        let refused = try #require(throws: PGError.self) { try connection.execute("COPY c FROM STDIN") }
        #expect(refused.kind == .usage)
        #expect(try connection.query("SELECT count(*) FROM c").scalar == "0")
    }

    @Test func transactionsCommitOrRollBack() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE t (k int)")
        try connection.transaction { try $0.query("INSERT INTO t VALUES (1)") }
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try connection.transaction { c in
                try c.query("INSERT INTO t VALUES (2)")
                throw Stop()
            }
        }
        // A statement failing inside: the transaction is rolled back, the server's error rethrown.
        let error = try #require(throws: PGError.self) {
            try connection.transaction { c in
                try c.query("INSERT INTO t VALUES (3)")
                try c.query("INSERT INTO t VALUES ('x')")
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(!connection.inTransaction)
        #expect(try connection.query("SELECT array_agg(k ORDER BY k)::text FROM t").scalar == "{1}")
        try connection.execute("BEGIN")
        #expect(throws: PGError.self) { try connection.transaction { _ in } }
        try connection.execute("ROLLBACK")
    }

    // MARK: COPY

    @Test func copyOf100000Rows() async throws {
        try await offPool { [cluster] in try Self.copyOf100000Rows(cluster) }
    }

    /// About a second of work: on a thread of its own, not one of the cooperative pool's.
    static func copyOf100000Rows(_ cluster: PostgresCluster) throws {
        let connection = try PGConnection(conninfo: cluster.conninfo, password: cluster.password)
        try connection.execute("CREATE TEMP TABLE obs (series text NOT NULL, period text NOT NULL, value numeric, PRIMARY KEY (series, period))")
        let copied = try connection.copy("COPY obs (series, period, value) FROM STDIN") { writer in
            for i in 0..<100_000 {
                try writer.append(["s\(i % 100)", "p\(i / 100)", i % 7 == 0 ? nil : "\(i).25"])
            }
        }
        #expect(copied == 100_000)
        let summary = try connection.query("SELECT count(*), count(value), sum(value) FROM obs").rows
        let cents = (0..<100_000).filter { $0 % 7 != 0 }.reduce(0) { $0 + $1 * 100 + 25 }
        #expect(summary == [["100000", String(100_000 - 14_286), "\(cents / 100).\(cents % 100)"]])
    }

    @Test func copyEscapesTabsNewlinesBackslashesAndKeepsUnicode() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE c (n int, t text)")
        let texts: [String?] = ["a\tb", "line\nbreak\r\n", #"back\slash \N"#, "Ünïcödé 🇰🇿", "", nil]
        try connection.copy("COPY c FROM STDIN") { writer in
            for (n, text) in texts.enumerated() { try writer.append([String(n), text]) }
        }
        let rows = try connection.query("SELECT t FROM c ORDER BY n").rows.map { $0[0] }
        #expect(rows == texts)
    }

    /// Binary COPY: bigint, integer and text fields in their binary forms (negative and
    /// extreme numbers, texts with tabs, newlines and backslashes sent as they are, NULL
    /// and the empty text told apart), read back alike as text and in binary results.
    @Test func binaryCopyKeepsNumbersTextsAndNulls() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE b (n bigint, i integer, t text, s smallint)")
        let rows: [(Int64, Int32, String?)] = [
            (0, 0, "plain"), (-1, -1, "a\tb"), (Int64.max, Int32.max, "line\nbreak\r\n"), (Int64.min, Int32.min, #"back\slash \N"#),
            (1_543_622_400_000, 7, "Ünïcödé 🇰🇿"), (42, 1, ""), (43, 0, nil),
        ]
        let copied = try connection.copy("COPY b (n, i, t) FROM STDIN (FORMAT binary)", format: .binary) { writer in
            for row in rows {
                writer.field(row.0)
                writer.field(int32: row.1)
                try writer.field(row.2)
                try writer.endRow()
            }
        }
        #expect(copied == rows.count)
        let back = try connection.query("SELECT n, i, t FROM b ORDER BY n").rows
        #expect(back == rows.sorted { $0.0 < $1.0 }.map { [String($0.0), String($0.1), $0.2] })
        // The same in a binary result, with a smallint too.
        try connection.execute("UPDATE b SET s = -300 WHERE n = -1")
        var read: [(Int64, Int64, String?, Int64)] = []
        try connection.withResult("SELECT n, i, t, s FROM b ORDER BY n", binary: true) { result in
            for index in 0..<result.count {
                let row = result[index]
                read.append((row.int(0), row.int(1), row.bytes(2).map { String(decoding: $0, as: UTF8.self) }, row.int(3)))
            }
        }
        #expect(read.map(\.0) == rows.map(\.0).sorted())
        #expect(read.map(\.1) == rows.sorted { $0.0 < $1.0 }.map { Int64($0.1) })
        #expect(read.map(\.2) == rows.sorted { $0.0 < $1.0 }.map(\.2))
        #expect(read.map(\.3) == [0, -300, 0, 0, 0, 0, 0])
    }

    /// A binary writer on a text COPY (or the reverse) is refused before a row is sent, a NUL
    /// in a binary text field too, and the connection goes on.
    @Test func aBinaryCopyIsRefusedWhenTheStatementSaysOtherwise() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE m (n bigint, t text)")
        let mismatch = try #require(throws: PGError.self) {
            try connection.copy("COPY m FROM STDIN", format: .binary) { writer in
                writer.field(Int64(1))
                try writer.field("one")
                try writer.endRow()
            }
        }
        #expect(mismatch.kind == .usage)
        #expect(throws: PGError.self) {
            try connection.copy("COPY m FROM STDIN (FORMAT binary)") { writer in try writer.append(["1", "one"]) }
        }
        let nul = try #require(throws: PGError.self) {
            try connection.copy("COPY m FROM STDIN (FORMAT binary)", format: .binary) { writer in
                writer.field(Int64(1))
                try writer.field("a\u{0}b")
                try writer.endRow()
            }
        }
        #expect(nul.message.contains("NUL"))
        // The same text given as its bytes.
        let nulBytes = try #require(throws: PGError.self) {
            try connection.copy("COPY m FROM STDIN (FORMAT binary)", format: .binary) { writer in
                writer.field(Int64(1))
                try writer.field(utf8: Array("a\u{0}b".utf8))
                try writer.endRow()
            }
        }
        #expect(nulBytes.message.contains("field 2 contains a NUL"))
        #expect(try connection.query("SELECT count(*) FROM m").scalar == "0")
        // Bytes without NUL go as they are.
        try connection.copy("COPY m FROM STDIN (FORMAT binary)", format: .binary) { writer in
            writer.field(Int64(2))
            try writer.field(utf8: Array("Ünï\tcödé".utf8))
            try writer.endRow()
        }
        #expect(try connection.query("SELECT t FROM m WHERE n = 2").scalar == "Ünï\tcödé")
        try connection.execute("DELETE FROM m")
        // A binary COPY that the server refuses halfway (a text too long for varchar(3)).
        try connection.execute("CREATE TEMP TABLE v (t varchar(3))")
        let refused = try #require(throws: PGError.self) {
            try connection.copy("COPY v FROM STDIN (FORMAT binary)", format: .binary) { writer in
                try writer.append(["abc"])
                try writer.append(["abcd"])
            }
        }
        #expect(refused.sqlState == "22001")
        #expect(try connection.query("SELECT count(*) FROM v").scalar == "0")
    }

    @Test func aCopyWhoseWriterThrowsLeavesNothing() throws {
        let connection = try connect()
        try connection.execute("CREATE TEMP TABLE a (n int)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try connection.copy("COPY a FROM STDIN") { writer in
                for n in 0..<50_000 { try writer.append([String(n)]) }
                throw Stop()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM a").scalar == "0")
        // A row the server refuses: its error with the SQLSTATE, nothing copied.
        let bad = try #require(throws: PGError.self) {
            try connection.copy("COPY a FROM STDIN") { writer in
                try writer.append(["1"])
                try writer.append(["one"])
            }
        }
        #expect(bad.sqlState == "22P02")
        #expect(try connection.query("SELECT count(*) FROM a").scalar == "0")
        #expect(throws: PGError.self) { try connection.copy("SELECT 1") { _ in } }
    }

    // MARK: A connection that breaks

    @Test func aDroppedConnectionIsReportedAndResetConnectsAgain() throws {
        let connection = try connect()
        let statement = try connection.prepare("SELECT $1::int * 2")
        let pid = try #require(connection.query("SELECT pg_backend_pid()").scalar)
        try cluster.superuserSQL("SELECT pg_terminate_backend(\(pid))")
        let error = try #require(throws: PGError.self) { try connection.query("SELECT 1") }
        #expect(error.kind == .connectionLost, "\(error)")
        #expect(!connection.isOpen)
        try connection.reset()
        #expect(connection.isOpen)
        #expect(try connection.query("SELECT pg_backend_pid()").scalar != pid)
        // Prepared before the reset: prepared again on the new session, then run.
        #expect(try connection.execute(statement, ["21"]).scalar == "42")
        #expect(try connection.execute(statement, ["4"]).scalar == "8")
        connection.close()
        #expect(throws: PGError.self) { try connection.query("SELECT 1") }
    }
}
