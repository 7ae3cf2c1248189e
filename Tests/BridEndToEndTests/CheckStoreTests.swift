import BridTestSupport
import Foundation
import Testing

/// `brid --check-config --check-store` as an operator runs it: the built binary against the
/// throwaway PostgreSQL (and an SQLite state folder). The password comes from the
/// environment or a file and appears in nothing brid prints.
@Suite("brid --check-store")
struct CheckStoreTests {
    static func postgresConfig(url: String, password: String = "password = { env = \"BRID_PG_PASSWORD\" }") -> String {
        """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"
        instance = "brid-a"

        [store]
        kind = "postgresql"
        url = "\(url)"
        \(password)
        lease = "30s"
        """
    }

    func expectNoPassword(_ run: BridProcess.Result, _ password: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(!run.stdout.contains(password) && !run.stderr.contains(password), sourceLocation: sourceLocation)
        // Not even its distinctive tail (the cluster's passwords end in a random part).
        let tail = String(password.suffix(8))
        #expect(!run.stdout.contains(tail) && !run.stderr.contains(tail), sourceLocation: sourceLocation)
    }

    @Test func connectsAndSaysToWhichServerAsWhom() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in 
            for url in [cluster.conninfo, cluster.url] {
                let w = try Workspace(config: Self.postgresConfig(url: url))
                let run = try BridProcess.run(["--check-config", "--check-store", "--config", w.root + "/brid.toml"],
                                              environment: ["BRID_PG_PASSWORD": cluster.password])
                #expect(run.status == 0, "\(run.stderr)")
                let lines = run.stdout.split(separator: "\n").map(String.init)
                #expect(lines.count == 2)
                #expect(lines.first?.hasSuffix("; store in PostgreSQL (lease 30s)") == true, "\(run.stdout)")
                #expect(lines.last == "store: PostgreSQL \(cluster.version) at \(cluster.folder):\(cluster.port) database brid as brid — connected")
                #expect(run.stderr.isEmpty, "\(run.stderr)")
                expectNoPassword(run, cluster.password)
            }
            // The password from a file, its trailing newline trimmed.
            let w = try Workspace(config: Self.postgresConfig(url: cluster.conninfo, password: "password = { file = \"PLACEHOLDER\" }"))
            try w.write("pg-password", cluster.password + "\n")
            try w.write("brid.toml", Self.postgresConfig(url: cluster.conninfo, password: "password = { file = \"\(w.root)/pg-password\" }"))
            let run = try w.brid("--check-config", "--check-store")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasSuffix("database brid as brid — connected\n"))
            expectNoPassword(run, cluster.password)
        }
    }

    @Test func aWrongPasswordIsOneLineNamingTheServer() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in 
            let wrong = "wrong-" + cluster.password
            let w = try Workspace(config: Self.postgresConfig(url: cluster.url))
            let run = try BridProcess.run(["--check-config", "--check-store", "--config", w.root + "/brid.toml"],
                                          environment: ["BRID_PG_PASSWORD": wrong])
            #expect(run.status == 1)
            #expect(run.stderr == "store: PostgreSQL at \(cluster.folder):\(cluster.port) database brid as brid — cannot connect: password authentication failed for user \"brid\"\n")
            expectNoPassword(run, wrong)
            expectNoPassword(run, cluster.password)
        }
    }

    @Test func aMissingDatabaseAnUnreachableServerAndAnUnsetVariable() async throws {
        let cluster = try await PostgresCluster.shared()
        try await offPool { [cluster] in 
            let missing = try Workspace(config: Self.postgresConfig(url: "host=\(cluster.folder) port=\(cluster.port) dbname=nope user=brid"))
            var run = try BridProcess.run(["--check-config", "--check-store", "--config", missing.root + "/brid.toml"],
                                          environment: ["BRID_PG_PASSWORD": cluster.password])
            #expect(run.status == 1)
            #expect(run.stderr == "store: PostgreSQL at \(cluster.folder):\(cluster.port) database nope as brid — cannot connect: database \"nope\" does not exist\n")
            expectNoPassword(run, cluster.password)

            // A TCP port nothing listens on (bound, then let go).
            let port = try freePort()
            let unreachable = try Workspace(config: Self.postgresConfig(url: "postgresql://brid@127.0.0.1:\(port)/brid?connect_timeout=5"))
            run = try BridProcess.run(["--check-config", "--check-store", "--config", unreachable.root + "/brid.toml"],
                                      environment: ["BRID_PG_PASSWORD": cluster.password])
            #expect(run.status == 1)
            #expect(run.stderr.hasPrefix("store: PostgreSQL at 127.0.0.1:\(port) database brid as brid — cannot connect: Connection refused"), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
            expectNoPassword(run, cluster.password)

            run = try BridProcess.run(["--check-config", "--check-store", "--config", unreachable.root + "/brid.toml"], removing: ["BRID_PG_PASSWORD"])
            #expect(run.status == 1)
            #expect(run.stderr == "store: PostgreSQL — cannot read the password: environment variable BRID_PG_PASSWORD is not set\n")
        }
    }

    @Test func withoutCheckStoreNothingIsContactedAndOnceSaysWhyItCannotConnect() async throws {
        try await offPool { 
            let w = try Workspace(config: Self.postgresConfig(url: "postgresql://brid@127.0.0.1:1/brid"))
            let check = try w.brid("--check-config")
            #expect(check.status == 0, "\(check.stderr)")
            #expect(!check.stdout.contains("store:"))
            // brid starts on PostgreSQL: --once (which does not wait for the store) says why not here.
            let run = try BridProcess.run(["--once", "--config", w.root + "/brid.toml"], environment: ["BRID_PG_PASSWORD": "secret"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("cannot connect to PostgreSQL at 127.0.0.1:1"), "\(run.stderr)")
            #expect(!run.stderr.contains("secret"))
            #expect(!FileManager.default.fileExists(atPath: w.root + "/state/brid.sqlite"))
            let usage = try w.brid("--check-store")
            #expect(usage.status == 2)
            #expect(usage.stderr.contains("--check-store goes with --check-config"))
        }
    }

    @Test func sqliteSaysWhereTheFileIsAndThatItCanBeWritten() async throws {
        try await offPool { 
            let w = try Workspace(config: Workspace.oneDropSource)
            var run = try w.brid("--check-config", "--check-store")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasSuffix("store: SQLite \(w.root)/state/brid.sqlite — not created yet; brid creates it (\(w.root) can be written)\n"), "\(run.stdout)")
            #expect(!FileManager.default.fileExists(atPath: w.root + "/state"))
            try w.write("state/brid.sqlite", "")
            run = try w.brid("--check-config", "--check-store")
            #expect(run.stdout.hasSuffix("store: SQLite \(w.root)/state/brid.sqlite — exists, can be written\n"), "\(run.stdout)")
            try w.write("state/brid.sqlite", "not a database at all")
            run = try w.brid("--check-config", "--check-store")
            #expect(run.status == 1)
            #expect(run.stderr == "store: SQLite \(w.root)/state/brid.sqlite — is not an SQLite database\n")
        }
    }

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
