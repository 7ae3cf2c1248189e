import BridCore
import Foundation

/// The vintage store as the rest of brid sees it: every operation the daemon, the runtime,
/// the control API and `--once` need, named by what it means, whatever keeps the data.
///
/// Each backend is the one owner of its database and keeps the invariants of CONTRACT §2
/// in named transactions: releases and observation versions are append-only, a release
/// writes exactly its changes, alert rules are judged inside the ingest's transaction and
/// the outbox is written in it. `SQLiteStore` is the backend today (a file in the state
/// folder); a PostgreSQL backend is being added (issue 11). The store suite in
/// Tests/BridStoreTests runs against every backend.
///
/// The interface is per call, never per row: an ingest hands over the whole payload
/// (`SeriesBatches`), a cursor hands out batches of rows; the loops over rows stay inside
/// the backend.
public protocol VintageStore: AnyObject, Sendable {
    // MARK: The store itself

    /// Where the store is, for people (status, logs): the database file, or the server
    /// and database name — never a password.
    var location: String { get }

    /// Names of the migrations applied to this database, in order (each backend has its
    /// own named, append-only list).
    func appliedMigrations() throws -> [String]

    /// The store's size, for `status`.
    func storageSizes() -> StorageSizes

    /// Keeps the store tidy after a write (called after each ingest, between ingests);
    /// returns what it did, in words for the log, or nil when nothing was needed. SQLite
    /// folds a write-ahead log grown large (a big release) back into the database file;
    /// a server backend, whose server keeps its own files tidy, does nothing.
    @discardableResult
    func maintain() throws -> String?

    /// A consistent copy of the whole store, taken while ingests go on, written to
    /// `target` (an absolute path) and refused when it exists unless `overwrite`. The
    /// SQLite backend writes a complete SQLite database; a server backend may answer
    /// `BackupError` of kind `.failed` saying to use the server's own tools.
    func backup(to target: String, overwrite: Bool) throws(BackupError) -> BackupResult

    /// Ends every use of the store: whatever was open is closed (for SQLite: the WAL
    /// checkpointed, so no `-wal`/`-shm` file is left); later calls throw. Safe to call twice.
    func close()

    /// Whether `close()` ran.
    var isClosed: Bool { get }

    /// Checks that the store can be used now, connecting again when its connection broke;
    /// throws an error `StoreAvailability.unavailableReason` recognises while its database
    /// cannot be reached. The daemon's probe while the store is unavailable. SQLite: a file,
    /// always there (throws only once closed).
    func ping() throws

    // MARK: Catalogue and ingest

    /// Writes the catalogue's names, units and frequencies; returns the conflicts (a
    /// stored series' frequency is never changed).
    @discardableResult
    func applyCatalogue(_ entries: [SeriesMetadata]) throws -> [String]

    /// A lookup of stored series' frequencies for one payload, one series at a time.
    func frequencyLookup() throws -> FrequencyLookup

    /// Frequencies of every stored series (tests and tools; an ingest uses `frequencyLookup`).
    func seriesFrequencies() throws -> [String: Frequency]

    /// The SHA-256 of the source's last accepted payload.
    func lastPayloadDigest(source: String) throws -> String?

    /// Records that the source's payload was byte-identical to its last one.
    func recordUnchangedPayload(source: String, sha256: String, at now: Date) throws

    /// Records `count` failed checks of the source.
    func recordFailure(source: String, message: String, at now: Date, count: Int) throws

    /// Ingests a payload in one transaction: a release with exactly its changes, or none.
    func ingest(_ payload: some SeriesBatches, source: String, recordRemovals: Bool, sha256: String, at now: Date) throws -> PayloadOutcome

    // MARK: Source states

    /// Every source the store has seen, by id.
    func sourceStates() throws -> [SourceState]
    /// One source's state, or nil when the store never saw it.
    func sourceState(_ id: String) throws -> SourceState?
    /// When the source is next due.
    func recordNextDue(source: String, at due: Date, now: Date) throws
    /// The validators of the source's last response (conditional requests).
    func recordValidators(source: String, etag: String?, lastModified: String?, now: Date) throws
    /// Forgets the last payload's digest and validators, so the next check ingests in full.
    func forgetLastPayload(source: String, now: Date) throws
    /// Records a check answered 304 Not Modified.
    func recordNotModified(source: String, at now: Date) throws
    /// Records a successful check that brought no payload.
    func recordSuccessWithoutPayload(source: String, at now: Date) throws
    /// Pauses or resumes the source.
    func setPaused(source: String, _ paused: Bool, now: Date) throws

    // MARK: Queries

    /// A series' observations as of `vintage`, between `from` and `to`; nil for an unknown series.
    func observations(series key: String, vintage: Vintage, from: String?, to: String?) throws -> [ObservationRow]?
    /// Every version of one observation; nil for an unknown series.
    func history(series key: String, period: String) throws -> [ObservationVersion]?
    /// One release.
    func release(id: Int64) throws -> Release?
    /// The newest releases, of one source or all.
    func releases(source: String?, limit: Int) throws -> [Release]
    /// Every change a release wrote.
    func changes(release id: Int64) throws -> [ObservationChange]
    /// The newest release's id.
    func latestReleaseID() throws -> Int64?
    /// Counts for `status`.
    func statistics() throws -> StoreStatistics
    /// One series' summary.
    func seriesInfo(_ key: String) throws -> SeriesSummary?
    /// A series' versions in (period, release) order — the reverse when `descending` — of
    /// the periods between `from` and `to` (inclusive; nil: open), read a page at a time in
    /// one snapshot and handed to `body` until it returns false. False for an unknown series.
    func forEachVersion(series key: String, from: String?, to: String?, descending: Bool,
                        _ body: (SeriesVersion) throws -> Bool) throws -> Bool
    /// The releases that wrote the series, oldest first.
    func releasesWriting(series key: String) throws -> [(id: Int64, ingestedAt: Date)]
    /// Every series' summary, optionally only keys `filter` accepts.
    func seriesSummaries(matching filter: (@Sendable (String) -> Bool)?) throws -> [SeriesSummary]

    // MARK: Cursors (streamed replies)

    /// A release's changes, streamed.
    func changesCursor(release id: Int64) throws -> StoreCursor<ObservationChange>
    /// The newest releases, streamed.
    func releasesCursor(source: String?, limit: Int) throws -> StoreCursor<Release>
    /// One observation's versions, streamed.
    func historyCursor(series key: String, period: String) throws -> StoreCursor<ObservationVersion>
    /// A series' observations as of `vintage`, streamed.
    func observationsCursor(series key: String, vintage: Vintage, from: String?, to: String?) throws -> StoreCursor<ObservationRow>
    /// Every version of a series, streamed.
    func versionsCursor(series key: String) throws -> StoreCursor<SeriesVersion>
    /// The series summaries `filter` selects, streamed; `more` says after the last batch
    /// whether `limit` cut the list short.
    func seriesCursor(_ filter: SeriesFilter) throws -> (cursor: StoreCursor<SeriesSummary>, more: () -> Bool)

    // MARK: Alerts, outbox, deliveries

    /// Sets the rules and notifiers; judges the rules at once.
    @discardableResult
    func setAlertPolicy(_ policy: AlertPolicy, at now: Date) throws -> [AlertTransition]
    /// The rules and notifiers in force.
    var alertPolicy: AlertPolicy { get }
    /// Told of every committed alert transition.
    func observeAlerts(_ observer: @escaping @Sendable ([AlertTransition]) -> Void)
    /// Judges the rules that depend on time.
    @discardableResult
    func evaluateTimedRules(at now: Date) throws -> [AlertTransition]
    /// When each rule was last judged.
    func lastRuleEvaluations() -> [String: Date]
    /// Alerts, newest first.
    func alerts(includeResolved: Bool, rule: String?, series: Glob?, limit: Int) throws -> [StoredAlert]
    /// One alert.
    func alert(id: Int64) throws -> StoredAlert?
    /// Acknowledges an alert; nil for an unknown one.
    func ack(alert id: Int64, comment: String?, at now: Date) throws -> (alert: StoredAlert, changed: Bool)?
    /// Counts for `status`.
    func alertStatistics() throws -> AlertStatistics
    /// Firing alerts by rule.
    func firingCounts() throws -> [String: Int]
    /// The outbox entries due for one notifier.
    func pendingDeliveries(notifier: String, limit: Int) throws -> [PendingDelivery]
    /// Just before sending a listed delivery: whether this instance may still send it. On
    /// PostgreSQL its claim is renewed for another lease, and false means the claim ran out
    /// and another instance took it (it sends it, not this one); on SQLite, always true.
    func renewDeliveryClaim(outboxID: Int64, notifier: String) throws -> Bool
    /// Records a delivery.
    func recordDelivered(outboxID: Int64, notifier: String, at now: Date) throws
    /// Records a failed delivery, retried at `retryAt` (nil: given up).
    func recordDeliveryFailure(outboxID: Int64, notifier: String, error: String, retryAt: Date?, at now: Date) throws
    /// Abandons the deliveries to notifiers no longer configured.
    @discardableResult
    func abandonDeliveries(keeping notifiers: Set<String>, at now: Date) throws -> Int
    /// The firing alerts a notifier would be sent.
    func firingAlerts(for notifier: NotifierConfig) throws -> [StoredAlert]
    /// Judges a rule against the stored data without writing anything.
    func testRule(_ rule: AlertRule, series filter: Glob?, at now: Date, limit: Int) throws -> RuleTestResult

    // MARK: Retention

    /// Deletes up to `limit` delivered or abandoned notifications older than `cutoff`.
    func pruneNotifications(before cutoff: Date, limit: Int) throws -> Int
    /// Deletes every such notification, `batch` at a time.
    @discardableResult
    func pruneAllNotifications(before cutoff: Date, batch: Int) throws -> Int
}

/// The store's size, for `status`.
public struct StorageSizes: Sendable, Equatable {
    /// The database itself (`brid.sqlite`; a server backend: the database's size).
    public let databaseBytes: Int64
    /// The write-ahead log not yet folded into the database (`brid.sqlite-wal`): 0 when
    /// there is none (after a clean stop, a checkpoint), and for a server backend, whose
    /// log is the server's.
    public let walBytes: Int64

    public init(databaseBytes: Int64, walBytes: Int64) {
        self.databaseBytes = databaseBytes
        self.walBytes = walBytes
    }
}

/// The marker that keeps the usual-arguments overloads below from being taken for the
/// requirements they wrap: each overload has one more parameter (this one, never passed),
/// so it cannot satisfy a requirement, and a backend that leaves a requirement out does not
/// compile. A call with every argument picks the requirement itself (no default is needed
/// for it); a call that leaves some out picks the overload.
public struct UsualArguments: Sendable {
    public init() {}
}

// The usual arguments (a protocol requirement cannot have defaults).
extension VintageStore {
    /// Every version of every period of a series (period, then release order), with the
    /// ingest time of each release that wrote one; nil for an unknown series. Whole in
    /// memory: for small series and tests; a reader of any size uses `forEachVersion`.
    public func versions(series key: String) throws -> (versions: [SeriesVersion], releases: [Int64: Date])? {
        var versions: [SeriesVersion] = []
        guard try forEachVersion(series: key, from: nil, to: nil, descending: false, { versions.append($0); return true }) else { return nil }
        let times = try releasesWriting(series: key).map { ($0.id, $0.ingestedAt) }
        return (versions, Dictionary(times, uniquingKeysWith: { a, _ in a }))
    }

    public func backup(to target: String, overwrite: Bool = false, _: UsualArguments = UsualArguments()) throws(BackupError) -> BackupResult {
        try backup(to: target, overwrite: overwrite)
    }

    public func recordFailure(source: String, message: String, at now: Date, count: Int = 1, _: UsualArguments = UsualArguments()) throws {
        try recordFailure(source: source, message: message, at: now, count: count)
    }

    public func observations(series key: String, vintage: Vintage = .latest, from: String? = nil, to: String? = nil, _: UsualArguments = UsualArguments()) throws -> [ObservationRow]? {
        try observations(series: key, vintage: vintage, from: from, to: to)
    }

    public func releases(source: String? = nil, limit: Int = 50, _: UsualArguments = UsualArguments()) throws -> [Release] {
        try releases(source: source, limit: limit)
    }

    public func seriesSummaries(matching filter: (@Sendable (String) -> Bool)? = nil, _: UsualArguments = UsualArguments()) throws -> [SeriesSummary] {
        try seriesSummaries(matching: filter)
    }

    public func observationsCursor(series key: String, vintage: Vintage, from: String? = nil, to: String? = nil, _: UsualArguments = UsualArguments()) throws -> StoreCursor<ObservationRow> {
        try observationsCursor(series: key, vintage: vintage, from: from, to: to)
    }

    public func alerts(includeResolved: Bool = false, rule: String? = nil, series: Glob? = nil, limit: Int = 1_000, _: UsualArguments = UsualArguments()) throws -> [StoredAlert] {
        try alerts(includeResolved: includeResolved, rule: rule, series: series, limit: limit)
    }

    public func pendingDeliveries(notifier: String, limit: Int = 100, _: UsualArguments = UsualArguments()) throws -> [PendingDelivery] {
        try pendingDeliveries(notifier: notifier, limit: limit)
    }

    public func testRule(_ rule: AlertRule, series filter: Glob? = nil, at now: Date, limit: Int = 1_000, _: UsualArguments = UsualArguments()) throws -> RuleTestResult {
        try testRule(rule, series: filter, at: now, limit: limit)
    }

    public func pruneNotifications(before cutoff: Date, limit: Int = 500, _: UsualArguments = UsualArguments()) throws -> Int {
        try pruneNotifications(before: cutoff, limit: limit)
    }

    @discardableResult
    public func pruneAllNotifications(before cutoff: Date, batch: Int = 500, _: UsualArguments = UsualArguments()) throws -> Int {
        try pruneAllNotifications(before: cutoff, batch: batch)
    }
}
