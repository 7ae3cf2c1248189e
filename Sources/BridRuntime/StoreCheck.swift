import BridCore
import BridPostgres
#if canImport(Glibc)
import Glibc
#endif

/// `brid --check-config --check-store`: opens the configured store, changes nothing, and
/// says in one line what it found. The password is resolved as the daemon will, and never
/// shown.
public enum StoreCheck {
    /// The line for stdout (`.success`) or stderr (`.failure`).
    public static func run(_ config: BridConfig, environment: [String: String],
                           readFile: (String) throws -> String) -> Result<String, StoreCheckFailure> {
        switch config.store {
        case .sqlite:
            return sqlite(config.databasePath)
        case .postgresql(let store):
            return postgresql(store, environment: environment, readFile: readFile)
        }
    }

    // MARK: SQLite

    private static func sqlite(_ path: String) -> Result<String, StoreCheckFailure> {
        let folder = Paths.directory(of: path)
        if access(path, F_OK) == 0 {
            if let problem = notSQLite(path) { return .failure(StoreCheckFailure("store: SQLite \(path) — \(problem)")) }
            guard access(path, R_OK | W_OK) == 0 else {
                return .failure(StoreCheckFailure("store: SQLite \(path) — cannot be written: \(String(cString: strerror(errno)))"))
            }
            // The write-ahead log and shared-memory files are made beside it.
            guard access(folder, W_OK | X_OK) == 0 else {
                return .failure(StoreCheckFailure("store: SQLite \(path) — cannot create files in \(folder): \(String(cString: strerror(errno)))"))
            }
            return .success("store: SQLite \(path) — exists, can be written")
        }
        // Not there yet: brid creates it, and any missing folders, in the nearest existing one.
        var existing = folder
        while !existing.isEmpty, existing != "/", access(existing, F_OK) != 0 { existing = Paths.directory(of: existing) }
        guard access(existing, W_OK | X_OK) == 0 else {
            return .failure(StoreCheckFailure("store: SQLite \(path) — not there, and \(existing) cannot be written: \(String(cString: strerror(errno)))"))
        }
        return .success("store: SQLite \(path) — not created yet; brid creates it (\(existing) can be written)")
    }

    /// Why the file is not an SQLite database, or nil (an empty file is one SQLite fills).
    private static func notSQLite(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot be read: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let n = read(fd, &header, 16)
        if n == 0 { return nil }
        return n == 16 && header == Array("SQLite format 3\0".utf8) ? nil : "is not an SQLite database"
    }

    // MARK: PostgreSQL

    private static func postgresql(_ store: PostgreSQLStore, environment: [String: String],
                                   readFile: (String) throws -> String) -> Result<String, StoreCheckFailure> {
        let password: String?
        do {
            password = try Launcher.postgresPassword(store, environment: environment, readFile: readFile)
        } catch {
            return .failure(StoreCheckFailure("\(error)"))
        }
        do {
            let connection = try PGConnection(conninfo: store.url, password: password)
            defer { connection.close() }
            let version = try connection.query("SELECT version()").scalar ?? "PostgreSQL"
            // "PostgreSQL 15.18 (Debian …) on x86_64…": the name and the number.
            let product = version.split(separator: " ").prefix(2).joined(separator: " ")
            return .success("store: \(product) at \(connection.endpoint) — connected")
        } catch {
            let server = error.server.map { " at \($0)" } ?? ""
            let what = error.kind == .connect ? "cannot connect" : "connected, but SELECT version() failed"
            return .failure(StoreCheckFailure("store: PostgreSQL\(server) — \(what): \(reason(error))"))
        }
    }

    /// libpq's message without its `connection to server … failed: ` opening (the line
    /// names the server already).
    static func reason(_ error: PGError) -> String {
        let message = error.message
        guard message.hasPrefix("connection to server"), let end = message.firstRange(of: " failed: ") else { return "\(error)" }
        return String(message[end.upperBound...])
    }
}

/// The one line `--check-store` prints on stderr.
public struct StoreCheckFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
