import BridCore
import BridRuntime
import BridStore
import Foundation
import Logging
import UnixSignals

/// Start-up while the store's database cannot be reached (a PostgreSQL server still
/// starting, restarting, or cut off): brid waits for it rather than exiting, tries again
/// with the probe's backoff (1 s doubling to 30 s: a journal line per attempt, so at most
/// two a minute once settled), says `STATUS=waiting for the store: <reason>` under systemd
/// and keeps extending the start timeout (`EXTEND_TIMEOUT_USEC`), and sends `READY=1` only
/// once connected, when the services start. A failure that is not the database being away
/// — a wrong password, an unknown database, a store migrated by a newer brid, a state
/// folder that cannot be written — is not waited for: brid exits with the message.
enum StoreStartup {
    /// Opens the store with `open` and builds the daemon on it, trying again while the
    /// store is unavailable. Returns nil when SIGTERM or SIGINT came first (or the task was
    /// cancelled); throws the first error that is not the store being unavailable.
    static func waitingForStore(config: BridConfig, environment: DaemonEnvironment,
                                open: @escaping @Sendable () throws -> any VintageStore) async throws -> BuiltDaemon? {
        try await withThrowingTaskGroup(of: BuiltDaemon?.self) { group in
            group.addTask { try await build(config: config, environment: environment, open: open) }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return nil }
                return nil  // cancelled: the daemon was built
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// The loop itself, without the signals (tests call it on a manual clock).
    static func build(config: BridConfig, environment: DaemonEnvironment,
                      open: @Sendable () throws -> any VintageStore) async throws -> BuiltDaemon? {
        let (clock, logger, notifier) = (environment.clock, environment.logger, environment.notifier)
        var attempt = 1
        while !Task.isCancelled {
            var opened: (any VintageStore)?
            do {
                let store = try open()
                opened = store
                let built = try buildDaemon(config: config, environment: environment, store: store)
                if attempt > 1 { logger.notice("store connected after \(attempt) attempts: \(store.location)") }
                return built
            } catch {
                opened?.close()
                guard let reason = StoreAvailability.unavailableReason(error) else { throw error }
                let wait = StoreHealth.probeWait(attempt: attempt)
                logger.error("store unavailable at start-up: \(reason); waiting for it, attempt \(attempt + 1) in \(Daemon.describe(wait))")
                // systemd's start timeout is pushed past the next attempt each time: brid waits
                // for the database as long as it takes, and says why in `systemctl status`.
                notifier.notify([("STATUS", "waiting for the store: \(reason)"),
                                 ("EXTEND_TIMEOUT_USEC", String(UInt64((wait + 60) * 1_000_000)))])
                do {
                    try await clock.sleep(until: clock.now().addingTimeInterval(wait))
                } catch {
                    return nil
                }
                attempt += 1
            }
        }
        return nil
    }
}
