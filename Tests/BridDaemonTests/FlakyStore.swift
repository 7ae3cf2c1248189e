import BridCore
import BridStore
import Foundation
import Synchronization

/// A real SQLite store whose database can be made to "go away" on demand, for the daemon's
/// side of an unavailable store: while down, every call throws `StoreError.unavailable`,
/// as the PostgreSQL store does while its server restarts. `goDown(at:)` takes it down at
/// the first call of a given name (mid-check: after the fetch, at the ingest); `up()`
/// brings it back. Counts the calls made of each name.
final class FlakyStore: VintageStore {
    let inner: SQLiteStore
    private struct State {
        var down = false
        var downAt: String?
        var calls: [String: Int] = [:]
    }
    private let state = Mutex(State())
    static let reason = "server closed the connection unexpectedly"

    init(_ inner: SQLiteStore) {
        self.inner = inner
    }

    /// Every call throws from now on, until `up()`.
    func goDown() { state.withLock { $0.down = true } }
    /// The first call named `call` (and every later one) throws, until `up()`.
    func goDown(at call: String) { state.withLock { $0.downAt = call } }
    func up() { state.withLock { $0.down = false; $0.downAt = nil } }
    /// While true, every pending delivery is listed as another instance's (PostgreSQL's
    /// claims): only a time to look again, never to be sent.
    let heldElsewhere = Atomic<Bool>(false)
    func calls(_ name: String) -> Int { state.withLock { $0.calls[name] ?? 0 } }

    private func gate(_ name: String) throws {
        let down: Bool = state.withLock { s in
            s.calls[name, default: 0] += 1
            if s.downAt == name { s.down = true }
            return s.down
        }
        if down { throw StoreError.unavailable(Self.reason) }
    }

    var location: String { inner.location }
    var isClosed: Bool { inner.isClosed }
    var alertPolicy: AlertPolicy { inner.alertPolicy }

    func appliedMigrations() throws -> [String] {
        try gate("appliedMigrations")
        return try inner.appliedMigrations()
    }
    func storageSizes() -> StorageSizes { inner.storageSizes() }
    @discardableResult func maintain() throws -> String? {
        try gate("maintain")
        return try inner.maintain()
    }
    func backup(to target: String, overwrite: Bool) throws(BackupError) -> BackupResult {
        try inner.backup(to: target, overwrite: overwrite)
    }
    func close() { inner.close() }
    func ping() throws {
        try gate("ping")
        return try inner.ping()
    }
    @discardableResult func applyCatalogue(_ entries: [SeriesMetadata]) throws -> [String] {
        try gate("applyCatalogue")
        return try inner.applyCatalogue(entries)
    }
    func frequencyLookup() throws -> FrequencyLookup {
        try gate("frequencyLookup")
        return try inner.frequencyLookup()
    }
    func seriesFrequencies() throws -> [String: Frequency] {
        try gate("seriesFrequencies")
        return try inner.seriesFrequencies()
    }
    func lastPayloadDigest(source: String) throws -> String? {
        try gate("lastPayloadDigest")
        return try inner.lastPayloadDigest(source: source)
    }
    func recordUnchangedPayload(source: String, sha256: String, at now: Date) throws {
        try gate("recordUnchangedPayload")
        return try inner.recordUnchangedPayload(source: source, sha256: sha256, at: now)
    }
    func recordFailure(source: String, message: String, at now: Date, count: Int) throws {
        try gate("recordFailure")
        return try inner.recordFailure(source: source, message: message, at: now, count: count)
    }
    func ingest(_ payload: some SeriesBatches, source: String, recordRemovals: Bool, sha256: String, at now: Date) throws -> PayloadOutcome {
        try gate("ingest")
        return try inner.ingest(payload, source: source, recordRemovals: recordRemovals, sha256: sha256, at: now)
    }
    func sourceStates() throws -> [SourceState] {
        try gate("sourceStates")
        return try inner.sourceStates()
    }
    func sourceState(_ id: String) throws -> SourceState? {
        try gate("sourceState")
        return try inner.sourceState(id)
    }
    func recordNextDue(source: String, at due: Date, now: Date) throws {
        try gate("recordNextDue")
        return try inner.recordNextDue(source: source, at: due, now: now)
    }
    func recordValidators(source: String, etag: String?, lastModified: String?, now: Date) throws {
        try gate("recordValidators")
        return try inner.recordValidators(source: source, etag: etag, lastModified: lastModified, now: now)
    }
    func forgetLastPayload(source: String, now: Date) throws {
        try gate("forgetLastPayload")
        return try inner.forgetLastPayload(source: source, now: now)
    }
    func recordNotModified(source: String, at now: Date) throws {
        try gate("recordNotModified")
        return try inner.recordNotModified(source: source, at: now)
    }
    func recordSuccessWithoutPayload(source: String, at now: Date) throws {
        try gate("recordSuccessWithoutPayload")
        return try inner.recordSuccessWithoutPayload(source: source, at: now)
    }
    func setPaused(source: String, _ paused: Bool, now: Date) throws {
        try gate("setPaused")
        return try inner.setPaused(source: source, paused, now: now)
    }
    func observations(series key: String, vintage: Vintage, from: String?, to: String?) throws -> [ObservationRow]? {
        try gate("observations")
        return try inner.observations(series: key, vintage: vintage, from: from, to: to)
    }
    func history(series key: String, period: String) throws -> [ObservationVersion]? {
        try gate("history")
        return try inner.history(series: key, period: period)
    }
    func release(id: Int64) throws -> Release? {
        try gate("release")
        return try inner.release(id: id)
    }
    func releases(source: String?, limit: Int) throws -> [Release] {
        try gate("releases")
        return try inner.releases(source: source, limit: limit)
    }
    func changes(release id: Int64) throws -> [ObservationChange] {
        try gate("changes")
        return try inner.changes(release: id)
    }
    func latestReleaseID() throws -> Int64? {
        try gate("latestReleaseID")
        return try inner.latestReleaseID()
    }
    func statistics() throws -> StoreStatistics {
        try gate("statistics")
        return try inner.statistics()
    }
    func seriesInfo(_ key: String) throws -> SeriesSummary? {
        try gate("seriesInfo")
        return try inner.seriesInfo(key)
    }
    func forEachVersion(series key: String, from: String?, to: String?, descending: Bool,
                        _ body: (SeriesVersion) throws -> Bool) throws -> Bool {
        try gate("forEachVersion")
        return try inner.forEachVersion(series: key, from: from, to: to, descending: descending, body)
    }
    func releasesWriting(series key: String) throws -> [(id: Int64, ingestedAt: Date)] {
        try gate("releasesWriting")
        return try inner.releasesWriting(series: key)
    }
    func seriesSummaries(matching filter: (@Sendable (String) -> Bool)?) throws -> [SeriesSummary] {
        try gate("seriesSummaries")
        return try inner.seriesSummaries(matching: filter)
    }
    func changesCursor(release id: Int64) throws -> StoreCursor<ObservationChange> {
        try gate("changesCursor")
        return try inner.changesCursor(release: id)
    }
    func releasesCursor(source: String?, limit: Int) throws -> StoreCursor<Release> {
        try gate("releasesCursor")
        return try inner.releasesCursor(source: source, limit: limit)
    }
    func historyCursor(series key: String, period: String) throws -> StoreCursor<ObservationVersion> {
        try gate("historyCursor")
        return try inner.historyCursor(series: key, period: period)
    }
    func observationsCursor(series key: String, vintage: Vintage, from: String?, to: String?) throws -> StoreCursor<ObservationRow> {
        try gate("observationsCursor")
        return try inner.observationsCursor(series: key, vintage: vintage, from: from, to: to)
    }
    func versionsCursor(series key: String) throws -> StoreCursor<SeriesVersion> {
        try gate("versionsCursor")
        return try inner.versionsCursor(series: key)
    }
    func seriesCursor(_ filter: SeriesFilter) throws -> (cursor: StoreCursor<SeriesSummary>, more: () -> Bool) {
        try gate("seriesCursor")
        return try inner.seriesCursor(filter)
    }
    @discardableResult func setAlertPolicy(_ policy: AlertPolicy, at now: Date) throws -> [AlertTransition] {
        try gate("setAlertPolicy")
        return try inner.setAlertPolicy(policy, at: now)
    }
    func observeAlerts(_ observer: @escaping @Sendable ([AlertTransition]) -> Void) { inner.observeAlerts(observer) }
    @discardableResult func evaluateTimedRules(at now: Date) throws -> [AlertTransition] {
        try gate("evaluateTimedRules")
        return try inner.evaluateTimedRules(at: now)
    }
    func lastRuleEvaluations() -> [String: Date] { inner.lastRuleEvaluations() }
    func alerts(includeResolved: Bool, rule: String?, series: Glob?, limit: Int) throws -> [StoredAlert] {
        try gate("alerts")
        return try inner.alerts(includeResolved: includeResolved, rule: rule, series: series, limit: limit)
    }
    func alert(id: Int64) throws -> StoredAlert? {
        try gate("alert")
        return try inner.alert(id: id)
    }
    func ack(alert id: Int64, comment: String?, at now: Date) throws -> (alert: StoredAlert, changed: Bool)? {
        try gate("ack")
        return try inner.ack(alert: id, comment: comment, at: now)
    }
    func alertStatistics() throws -> AlertStatistics {
        try gate("alertStatistics")
        return try inner.alertStatistics()
    }
    func firingCounts() throws -> [String: Int] {
        try gate("firingCounts")
        return try inner.firingCounts()
    }
    func pendingDeliveries(notifier: String, limit: Int) throws -> [PendingDelivery] {
        try gate("pendingDeliveries")
        let rows = try inner.pendingDeliveries(notifier: notifier, limit: limit)
        guard heldElsewhere.load(ordering: .relaxed) else { return rows }
        return rows.map {
            PendingDelivery(outboxID: $0.outboxID, notifier: $0.notifier, notification: $0.notification, attempts: $0.attempts,
                            createdAt: $0.createdAt, nextAttemptAt: $0.nextAttemptAt, mayBeSent: false)
        }
    }
    /// While true, a listed delivery's claim ran out and another instance took it.
    let claimLost = Atomic<Bool>(false)
    func renewDeliveryClaim(outboxID: Int64, notifier: String) throws -> Bool {
        try gate("renewDeliveryClaim")
        return try inner.renewDeliveryClaim(outboxID: outboxID, notifier: notifier) && !claimLost.load(ordering: .relaxed)
    }
    func recordDelivered(outboxID: Int64, notifier: String, at now: Date) throws {
        try gate("recordDelivered")
        return try inner.recordDelivered(outboxID: outboxID, notifier: notifier, at: now)
    }
    func recordDeliveryFailure(outboxID: Int64, notifier: String, error: String, retryAt: Date?, at now: Date) throws {
        try gate("recordDeliveryFailure")
        return try inner.recordDeliveryFailure(outboxID: outboxID, notifier: notifier, error: error, retryAt: retryAt, at: now)
    }
    @discardableResult func abandonDeliveries(keeping notifiers: Set<String>, at now: Date) throws -> Int {
        try gate("abandonDeliveries")
        return try inner.abandonDeliveries(keeping: notifiers, at: now)
    }
    func firingAlerts(for notifier: NotifierConfig) throws -> [StoredAlert] {
        try gate("firingAlerts")
        return try inner.firingAlerts(for: notifier)
    }
    func testRule(_ rule: AlertRule, series filter: Glob?, at now: Date, limit: Int) throws -> RuleTestResult {
        try gate("testRule")
        return try inner.testRule(rule, series: filter, at: now, limit: limit)
    }
    func pruneNotifications(before cutoff: Date, limit: Int) throws -> Int {
        try gate("pruneNotifications")
        return try inner.pruneNotifications(before: cutoff, limit: limit)
    }
    @discardableResult func pruneAllNotifications(before cutoff: Date, batch: Int) throws -> Int {
        try gate("pruneAllNotifications")
        return try inner.pruneAllNotifications(before: cutoff, batch: batch)
    }

}
