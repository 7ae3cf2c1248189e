import BridCore
import BridStore
import Foundation
import Logging

/// What the `brid` executable does, one function per mode, so tests can call them too.
public enum Launcher {
    /// `--check-config`: prints every error (exit 1) or a one-line summary (exit 0).
    public static func checkConfig(path: String, output: LineSink = .stdout, errors: LineSink = .stderr) -> Int32 {
        switch ConfigLoader.load(path: path) {
        case let .success(config):
            output.write("\(path): OK — \(config.summary)\n")
            return 0
        case let .failure(failure):
            for error in failure.errors { errors.write("\(error)\n") }
            errors.write("\(path): \(failure.errors.count) error\(failure.errors.count == 1 ? "" : "s")\n")
            return 1
        }
    }

    /// Creates the state directory, opens the database and applies the catalogue.
    public static func openStore(_ config: BridConfig, logger: Logger) throws -> Store {
        do {
            try FileManager.default.createDirectory(atPath: config.daemon.stateDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw RuntimeError("cannot create state_dir \(config.daemon.stateDir): \(error.localizedDescription)")
        }
        let store = try Store(path: config.databasePath)
        for conflict in try store.applyCatalogue(config.catalogue) {
            logger.warning("catalogue: \(conflict)")
        }
        logger.info("database \(config.databasePath) open, \(config.summary)")
        return store
    }

    /// The process-wide logger: stderr, journald priorities when under systemd.
    public static func makeLogger(level: Logger.Level = .info) -> Logger {
        Logger(label: "brid") { label in StderrLogHandler(label: label, level: level) }
    }
}
