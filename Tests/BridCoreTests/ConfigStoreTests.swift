import Testing
@testable import BridCore

@Suite("Config: [store] and [daemon] instance")
struct ConfigStoreTests {
    @Test func theDefaultIsSQLiteAndTheHostName() throws {
        let config = try config("")
        #expect(config.store == .sqlite)
        #expect(config.daemon.instance == nil)
        #expect(config.daemon.instanceName(hostName: "Worker-7.stats.example") == "worker-7")
        #expect(config.daemon.instanceName(hostName: "_odd host!") == "brid-_odd-host-")
        #expect(try Self.parsed("[store]\nkind = \"sqlite\"\n").store == .sqlite)
    }

    @Test func postgresqlWithAURIAPasswordReferenceAndALease() throws {
        let config = try config("""
            [store]
            kind = "postgresql"
            url = "postgresql://brid@db.example/brid?sslmode=verify-full"
            password = { env = "BRID_PG_PASSWORD" }
            lease = "45s"

            [daemon]
            instance = "brid-a"
            """)
        #expect(config.store == .postgresql(PostgreSQLStore(url: "postgresql://brid@db.example/brid?sslmode=verify-full",
                                                            password: .environment("BRID_PG_PASSWORD"), lease: .seconds(45))))
        #expect(config.daemon.instance == "brid-a")
        #expect(config.daemon.instanceName(hostName: "anything") == "brid-a")
        let keyValue = try Self.parsed("""
            [store]
            kind = "postgresql"
            url = "host=/run/postgresql dbname=brid user='brid' sslmode=disable"
            password = { file = "/etc/brid//pg-password" }
            """)
        #expect(keyValue.store == .postgresql(PostgreSQLStore(url: "host=/run/postgresql dbname=brid user='brid' sslmode=disable",
                                                              password: .file("/etc/brid/pg-password"), lease: .seconds(30))))
        // No password: libpq's own (~/.pgpass, peer or certificate authentication).
        let none = try Self.parsed("[store]\nkind = \"postgresql\"\nurl = \"postgres:///brid\"\n")
        #expect(none.store == .postgresql(PostgreSQLStore(url: "postgres:///brid", password: nil)))
    }

    @Test func everyMistakeNamesTheLineAndTheKey() {
        #expect(errorLines("[store]\nkind = \"mysql\"\n") == [
            #"\#(configPath):2: [store]: kind: "mysql" is not one of "sqlite" or "postgresql""#,
        ])
        #expect(errorLines("[store]\nkind = \"postgresql\"\n") == [
            #"\#(configPath):1: [store]: kind = "postgresql" needs url, a libpq URI or key=value string, e.g. url = "postgresql://brid@db.example/brid?sslmode=verify-full""#,
        ])
        #expect(errorLines("[store]\nurl = \"postgresql://db/brid\"\nlease = \"1m\"\n") == [
            #"\#(configPath):2: [store]: url: applies only to kind = "postgresql"; the SQLite store is the file brid.sqlite under state_dir"#,
            #"\#(configPath):3: [store]: lease: applies only to kind = "postgresql"; the SQLite store is the file brid.sqlite under state_dir"#,
        ])
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"db.example\"\n") == [
            "\(configPath):3: [store]: url: is neither a libpq URI (postgresql://user@host/database) nor key=value pairs (host=… dbname=…)",
        ])
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://db/brid\"\nlease = \"2s\"\n") == [
            "\(configPath):4: [store]: lease: must be at least 5s, not 2s: a shorter claim would pass a source to another instance while the first is still checking it",
        ])
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://db/brid\"\nlease = \"soon\"\n") == [
            #"\#(configPath):4: [store]: lease: invalid duration "soon" — use a whole number and a unit, e.g. 90s, 15m, 6h, 7d"#,
        ])
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://db/brid\"\npasword = { env = \"X\" }\n") == [
            "\(configPath):4: [store]: pasword: unknown key; did you mean `password`?",
        ])
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://db/brid\"\npassword = { env = \"1X\" }\n") == [
            #"\#(configPath):4: [store]: password: expected { env = "VARIABLE" } or { file = "/absolute/path" }"#,
        ])
        #expect(errorLines("[[store]]\nkind = \"sqlite\"\n") == [
            "\(configPath):1: store: there is one store: write [store], not [[store]]",
        ])
        #expect(errorLines("[database]\nkind = \"sqlite\"\n") == [
            "\(configPath):1: database: unknown table [database]; did you mean [store]?",
        ])
    }

    @Test func anInstanceIsAShortIdentifier() {
        for bad in ["Brid-A", "brid a", "-brid", "", String(repeating: "b", count: 33)] {
            #expect(errorLines("[daemon]\ninstance = \"\(bad)\"\n") == [
                #"\#(configPath):2: [daemon]: instance: \#(bad.debugDescription) is not a short identifier: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 32 characters"#,
            ])
        }
        #expect(errorLines("[daemon]\ninstance = 7\n") == ["\(configPath):2: [daemon]: instance: expected a string, found an integer"])
    }

    /// A password in the config — in the URL, as a key=value pair, or as a plain string —
    /// is refused, and no message repeats it.
    @Test func aPasswordWrittenInTheConfigIsRefusedAndNeverRepeated() {
        let secret = "Tr0ub4dor&3"
        let advice = #"holds a password; take it out and give it as password = { env = "BRID_PG_PASSWORD" } or { file = "/etc/brid/pg-password" }, so it is never in a file that is shown or logged"#
        for url in ["postgresql://brid:\(secret)@db.example/brid", "postgres://brid:\(secret)@db.example:5433,db2/brid?sslmode=require",
                    "postgresql://db.example/brid?sslmode=require&password=\(secret)", "postgresql://db.example/brid?pass%77ord=\(secret)",
                    "host=db.example password=\(secret) dbname=brid", "host=db.example password = '\(secret) x\\\\'y' dbname=brid",
                    // libpq's user part runs to the first @ before any /, so a ? does not end it.
                    "postgresql://brid:pa?\(secret)@db.example/brid", "postgresql://brid:pa#\(secret)@db.example/brid"] {
            let lines = errorLines("[store]\nkind = \"postgresql\"\nurl = \"\(url)\"\n")
            #expect(lines == ["\(configPath):3: [store]: url: \(advice)"], "\(url)")
            #expect(!lines.joined().contains(secret))
        }
        let plain = errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://brid@db/brid\"\npassword = \"\(secret)\"\n")
        #expect(plain == [#"\#(configPath):4: [store]: password: is written in the config; expected { env = "VARIABLE" } or { file = "/absolute/path" }, so the password is never in a file that is shown or logged"#])
        #expect(!plain.joined().contains(secret))
        // A password written without quotes is a TOML error that does not repeat it.
        let bare = errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://brid@db/brid\"\npassword = hunter2xyz\n")
        #expect(bare.count == 1 && bare.first?.contains("a bare word of 10 characters (strings need quotes)") == true, "\(bare)")
        #expect(!bare.joined().contains("hunter2xyz"))
        // A user name with an @ and no password, and a passfile, are not passwords.
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"postgresql://brid%40corp@db/brid?passfile=/etc/brid/pgpass\"\n").isEmpty)
        #expect(errorLines("[store]\nkind = \"postgresql\"\nurl = \"host=db passfile=/etc/brid/pgpass\"\n").isEmpty)
        // The parsed config shows only where the password comes from.
        let parsed = try? parseConfig("[store]\nkind = \"postgresql\"\nurl = \"postgresql://brid@db/brid\"\npassword = { env = \"BRID_PG_PASSWORD\" }\n").get()
        #expect("\(String(describing: parsed))".contains("BRID_PG_PASSWORD"))
    }

    @Test func aSecretIsReadFromTheEnvironmentOrAFileTrimmed() throws {
        #expect(try SecretReference.environment("PW").resolve(environment: ["PW": "a b"], readFile: { _ in "" }) == "a b")
        #expect(throws: SecretResolutionError.environmentVariableUnset("PW")) {
            try SecretReference.environment("PW").resolve(environment: [:], readFile: { _ in "" })
        }
        #expect(throws: SecretResolutionError.environmentVariableEmpty("PW")) {
            try SecretReference.environment("PW").resolve(environment: ["PW": ""], readFile: { _ in "" })
        }
        #expect(try SecretReference.file("/p").resolve(environment: [:], readFile: { _ in "s3cret\r\n" }) == "s3cret")
        #expect(throws: SecretResolutionError.fileEmpty("/p")) {
            try SecretReference.file("/p").resolve(environment: [:], readFile: { _ in "\n" })
        }
        #expect(SecretResolutionError.fileUnreadable(path: "/p", error: "denied").description == "cannot read /p: denied")
    }

    static func parsed(_ text: String) throws -> BridConfig { try parseConfig(text).get() }
}
