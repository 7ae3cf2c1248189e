import Foundation
import Synchronization

/// A throwaway PostgreSQL server for tests: `initdb` in a temporary folder, started with
/// `pg_ctl` (as the `postgres` user when the tests run as root: initdb refuses root), on a
/// Unix socket in that folder only (`listen_addresses = ''`), with a role `brid` that logs
/// in with a password and a database `brid` it owns. Stopped with `pg_ctl stop -m immediate`
/// when the test process exits; a cluster left by a killed test run is stopped and removed
/// by the next one. Tuned to start fast on a small machine (no fsync, small buffers).
///
/// A test that stops or restarts the server under brid (the database going away) starts a
/// cluster of its own with `start()` — never the shared one — and uses `stopServer`,
/// `startServer` and `restartServer`; `stop()` at the end (or the process's exit) removes it.
public final class PostgresCluster: Sendable {
    /// The temporary folder: the data folder, the log and the server's socket are inside.
    public let folder: String
    /// The port: with no TCP listener it only names the socket (`.s.PGSQL.<port>`).
    public let port: Int
    /// The server's version, as `postgres --version` says (e.g. `15.18`).
    public let version: String
    public let role = "brid"
    public let database = "brid"
    /// The role's password: a space, a quote and a backslash in it, so quoting is tested too.
    public let password: String
    private let bin: String
    private let stopped = Mutex(false)
    /// The shared cluster: never stopped or restarted by a test.
    private let isShared: Bool

    /// libpq key=value parameters for the role (the password not among them).
    public var conninfo: String { "host=\(folder) port=\(port) dbname=\(database) user=\(role)" }
    /// The same as a libpq URI (the socket folder percent-encoded as the host).
    public var url: String {
        "postgresql://\(role)@\(folder.replacingOccurrences(of: "/", with: "%2F")):\(port)/\(database)"
    }

    /// The cluster the tests of this process share, started at first use; a failure (not
    /// installed) is thrown to every test that asks, which then fails with its message.
    /// Awaited off Swift concurrency's cooperative threads: starting takes seconds on a
    /// loaded machine, and the timing-sensitive tests beside it need those threads.
    public static func shared() async throws -> PostgresCluster {
        try await offPool { try sharedCluster.get() }
    }

    /// The same cluster for synchronous code (the store suite's `makeStore`): blocks the
    /// caller while it starts (once per test process), so async tests use `shared()`.
    public static func sharedBlocking() throws -> PostgresCluster {
        try sharedCluster.get()
    }

    private static let sharedCluster: Result<PostgresCluster, PostgresClusterError> = {
        do {
            let cluster = try PostgresCluster.start(shared: true)
            atexit { try? PostgresCluster.sharedCluster.get().stop() }
            return .success(cluster)
        } catch let error as PostgresClusterError {
            return .failure(error)
        } catch {
            return .failure(PostgresClusterError("cannot start PostgreSQL: \(error)"))
        }
    }()

    private init(folder: String, port: Int, version: String, password: String, bin: String, isShared: Bool) {
        self.isShared = isShared
        self.folder = folder
        self.port = port
        self.version = version
        self.password = password
        self.bin = bin
    }

    /// Starts a new cluster of the caller's own in a new temporary folder; stopped and
    /// removed by `stop()`, or when the test process exits.
    public static func start() throws -> PostgresCluster {
        let cluster = try start(shared: false)
        ownClusters.withLock { clusters in
            if clusters.isEmpty { atexit { PostgresCluster.ownClusters.withLock { $0 }.forEach { $0.stop() } } }
            clusters.append(cluster)
        }
        return cluster
    }

    private static let ownClusters = Mutex<[PostgresCluster]>([])

    private static func start(shared: Bool) throws -> PostgresCluster {
        let bin = try binaries()
        removeStaleClusters(bin: bin)
        var template = Array("/tmp/brid-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresClusterError("cannot create a temporary folder: \(String(cString: strerror(errno)))") }
        let folder = String(cString: made)
        try "\(getpid())\n".write(toFile: folder + "/owner.pid", atomically: false, encoding: .utf8)
        if asRoot {
            guard chown(folder, postgresUser.uid, postgresUser.gid) == 0, chown(folder + "/owner.pid", postgresUser.uid, postgresUser.gid) == 0 else {
                throw PostgresClusterError("cannot give \(folder) to the postgres user: \(String(cString: strerror(errno)))")
            }
        }
        let port = Int.random(in: 20_000...60_000)
        let password = "brid pw'\\" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        let versionRun = try spawn(bin + "/postgres", ["--version"], in: folder)
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        let words = versionRun.output.split(whereSeparator: \.isWhitespace)
        let version = words.count > 2 ? String(words[2]) : "?"
        let cluster = PostgresCluster(folder: folder, port: port, version: version, password: password, bin: bin, isShared: shared)
        do {
            try cluster.initialise()
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private func initialise() throws {
        let data = folder + "/data"
        try run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        let settings = """

            listen_addresses = ''
            port = \(port)
            unix_socket_directories = '\(folder)'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            shared_buffers = 16MB
            max_connections = 300
            max_wal_size = 256MB
            password_encryption = 'scram-sha-256'

            """
        try append(settings, to: data + "/postgresql.conf")
        // The superuser by trust over the socket (to set up and inspect); everyone else with a password.
        try "local all postgres trust\nlocal all all scram-sha-256\n".write(toFile: data + "/pg_hba.conf", atomically: false, encoding: .utf8)
        // -w: pg_ctl waits until the server accepts connections (at most -t seconds).
        try run("pg_ctl", ["start", "-w", "-t", "120", "-D", data, "-l", folder + "/server.log"])
        let quoted = password.replacingOccurrences(of: "'", with: "''")
        try superuserSQL("CREATE ROLE \(role) LOGIN PASSWORD '\(quoted)'")
        try superuserSQL("CREATE DATABASE \(database) OWNER \(role)")
    }

    /// Runs SQL as the superuser with psql (in `database`, default `postgres`); its output.
    @discardableResult
    public func superuserSQL(_ sql: String, database: String = "postgres") throws -> String {
        try run("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder, "-p", String(port),
                         "-U", "postgres", "-d", database, "-c", sql])
    }

    /// A new, empty database owned by the role.
    public func createDatabase(_ name: String) throws {
        try superuserSQL("CREATE DATABASE \"\(name)\" OWNER \(role)")
    }

    /// Stops the server at once (`-m immediate`: no checkpoint, it is thrown away) and
    /// removes the folder. Again is fine.
    public func stop() {
        let first = stopped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        _ = try? run("pg_ctl", ["stop", "-m", "immediate", "-w", "-D", folder + "/data"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: The server going away (a cluster of the test's own)

    /// Stops the server and keeps its data: `fast` ends every session (they see SQLSTATE
    /// 57P01) and shuts down cleanly; `immediate` is a crash. Waits until it is down.
    public func stopServer(mode: String = "fast") throws {
        try ownOnly("stop")
        try run("pg_ctl", ["stop", "-m", mode, "-w", "-t", "120", "-D", folder + "/data"])
    }

    /// Starts the server stopped by `stopServer` again, on the same socket and port, and
    /// waits until it accepts connections.
    public func startServer() throws {
        try ownOnly("start")
        try run("pg_ctl", ["start", "-w", "-t", "120", "-D", folder + "/data", "-l", folder + "/server.log"])
    }

    /// `pg_ctl restart -m <mode>`: every session ended, the server up again when it returns.
    public func restartServer(mode: String = "fast") throws {
        try ownOnly("restart")
        try run("pg_ctl", ["restart", "-m", mode, "-w", "-t", "120", "-D", folder + "/data", "-l", folder + "/server.log"])
    }

    private func ownOnly(_ what: String) throws {
        guard !isShared else { throw PostgresClusterError("the shared cluster is never \(what)ed by a test: start one of its own") }
    }

    /// The tail of the server's log, for failure messages.
    public var serverLog: String {
        let text = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    // MARK: Running the PostgreSQL programs

    private static var asRoot: Bool { getuid() == 0 }

    private static var postgresUser: (uid: uid_t, gid: gid_t) {
        guard let entry = getpwnam("postgres") else { return (0, 0) }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    @discardableResult
    private func run(_ program: String, _ arguments: [String]) throws -> String {
        try Self.run(bin + "/" + program, arguments, in: folder)
    }

    private static func run(_ executable: String, _ arguments: [String], in folder: String) throws -> String {
        let (path, args) = asRoot ? (runuser, ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
        let result = try spawn(path, args, in: folder)
        guard result.status == 0 else {
            let name = executable.split(separator: "/").last.map(String.init) ?? executable
            throw PostgresClusterError("\(name) \(arguments.joined(separator: " ")) exited \(result.status): \(result.output)")
        }
        return result.output
    }

    /// posix_spawn and a blocking waitpid, the output (stdout and stderr together) through
    /// an unnamed file, and no other descriptor of this process passed on (see below).
    private static func spawn(_ path: String, _ arguments: [String], in folder: String) throws -> (status: Int32, output: String) {
        let name = folder + "/.output-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        let output = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        unlink(name)
        guard output >= 0 else { throw PostgresClusterError("cannot create an output file in \(folder): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // Nothing else of this process goes to the server pg_ctl leaves running.
        ProcessRunner.closeInheritedDescriptors(&actions)
        let skipped: Set<String> = ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSERVICE", "PGDATA"]
        let environment = ProcessInfo.processInfo.environment.filter { !skipped.contains($0.key) }.map { "\($0.key)=\($0.value)" }
        // Started in the folder (the postgres user may not enter the test's working directory).
        let argv = (["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", folder, path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard spawned == 0 else { throw PostgresClusterError("cannot start \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        lseek(output, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(output, &chunk, chunk.count)
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return (ProcessRunner.exitCode(status), String(decoding: bytes, as: UTF8.self))
    }

    private static let runuser: String = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"

    private func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// The newest `/usr/lib/postgresql/<version>/bin` that has initdb and pg_ctl.
    static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions {
            let bin = "\(root)/\(version)/bin"
            if ["initdb", "pg_ctl", "psql", "postgres"].allSatisfy({ FileManager.default.isExecutableFile(atPath: bin + "/" + $0) }) {
                return bin
            }
        }
        throw PostgresClusterError("PostgreSQL is not installed (no initdb and pg_ctl under /usr/lib/postgresql/*/bin): `make test` installs it (scripts/install-deps.sh, Debian packages postgresql and libpq-dev)")
    }

    /// Clusters of test runs that were killed (their owner process is gone): stopped, removed.
    private static func removeStaleClusters(bin: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix("brid-pg-") {
            let folder = "/tmp/" + entry
            guard let text = try? String(contentsOfFile: folder + "/owner.pid", encoding: .utf8),
                  let owner = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
            guard kill(owner, 0) == -1 && errno == ESRCH else { continue }
            if FileManager.default.fileExists(atPath: folder + "/data/postmaster.pid") {
                _ = try? run(bin + "/pg_ctl", ["stop", "-m", "immediate", "-w", "-D", folder + "/data"], in: folder)
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}

/// Why the throwaway cluster could not be had.
public struct PostgresClusterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
