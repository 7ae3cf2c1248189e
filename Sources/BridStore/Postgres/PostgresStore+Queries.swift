import BridCore
import BridPostgres
import Foundation

// The queries, cursors, alerts, deliveries, rule test and retention of the PostgreSQL
// store: the code both backends share (`StoreQueries`, `AlertWriter`) on its connections,
// as SQLiteStore+Queries/+Streams/+Summaries/+Alerts/+RuleTest/+NotificationRetention do
// on SQLite's. Reads run in one REPEATABLE READ, READ ONLY snapshot of the read pool;
// cursors hold a pooled connection of their own until they close; writes go through the
// writer connection.

extension PostgresStore {
    // MARK: Queries

    public func observations(series key: String, vintage: Vintage, from: String?, to: String?) throws -> [ObservationRow]? {
        try reads.readDatabase { try StoreQueries($0).observations(series: key, vintage: vintage, from: from, to: to) }
    }

    public func history(series key: String, period: String) throws -> [ObservationVersion]? {
        try reads.readDatabase { try StoreQueries($0).history(series: key, period: period) }
    }

    public func release(id: Int64) throws -> Release? {
        try reads.readDatabase { try StoreQueries($0).release(id: id) }
    }

    public func releases(source: String?, limit: Int) throws -> [Release] {
        try reads.readDatabase { try StoreQueries($0).releases(source: source, limit: limit) }
    }

    /// What a release added, revised and removed, in the order the release wrote them.
    public func changes(release id: Int64) throws -> [ObservationChange] {
        let cursor = try changesCursor(release: id)
        var changes: [ObservationChange] = []
        while case let batch = try cursor.next(10_000), !batch.isEmpty { changes += batch }
        return changes
    }

    public func latestReleaseID() throws -> Int64? {
        try reads.readDatabase { try StoreQueries($0).latestReleaseID() }
    }

    /// Counts for `status`; the size is the database's on the server, read in the same snapshot.
    public func statistics() throws -> StoreStatistics {
        try reads.readDatabase { db in
            let size = try db.connection.query("SELECT pg_database_size(current_database())").scalar.flatMap { Int64($0) } ?? 0
            return try StoreQueries(db).statistics(sizeBytes: size)
        }
    }

    public func seriesInfo(_ key: String) throws -> SeriesSummary? {
        try reads.readDatabase { try StoreQueries($0).seriesInfo(key) }
    }

    public func forEachVersion(series key: String, from: String?, to: String?, descending: Bool,
                               _ body: (SeriesVersion) throws -> Bool) throws -> Bool {
        try reads.readDatabase { try StoreQueries($0).forEachVersion(series: key, from: from, to: to, descending: descending, body) }
    }

    public func releasesWriting(series key: String) throws -> [(id: Int64, ingestedAt: Date)] {
        try reads.readDatabase { try StoreQueries($0).releasesWriting(series: key) }
    }

    public func seriesSummaries(matching filter: (@Sendable (String) -> Bool)?) throws -> [SeriesSummary] {
        try reads.readDatabase { try StoreQueries($0).seriesSummaries(matching: filter) }
    }

    // MARK: Cursors

    /// A cursor over `stream` on a pooled connection lent to it until it closes.
    private func cursor<Row>(_ stream: RowStream<PGDatabase, Row>) throws -> StoreCursor<Row> {
        guard !isClosed else { throw StoreError.closed }
        let reads = self.reads
        let (database, pooled) = try reads.checkOutForCursor()
        return try StoreCursor(database: database, stream: stream) { reads.checkInFromCursor($0, pooled: pooled) }
    }

    public func changesCursor(release id: Int64) throws -> StoreCursor<ObservationChange> {
        try cursor(StoreQueries.changesStream(release: id))
    }

    public func releasesCursor(source: String?, limit: Int) throws -> StoreCursor<Release> {
        try cursor(StoreQueries.releasesStream(source: source, limit: limit))
    }

    public func historyCursor(series key: String, period: String) throws -> StoreCursor<ObservationVersion> {
        try cursor(StoreQueries.historyStream(series: key, period: period))
    }

    public func observationsCursor(series key: String, vintage: Vintage, from: String?, to: String?) throws -> StoreCursor<ObservationRow> {
        try cursor(StoreQueries.observationsStream(series: key, vintage: vintage, from: from, to: to))
    }

    public func versionsCursor(series key: String) throws -> StoreCursor<SeriesVersion> {
        try cursor(StoreQueries.versionsStream(series: key))
    }

    public func seriesCursor(_ filter: SeriesFilter) throws -> (cursor: StoreCursor<SeriesSummary>, more: () -> Bool) {
        let (stream, more) = StoreQueries<PGDatabase>.seriesStream(filter)
        return (try cursor(stream), more)
    }

    // MARK: Alert policy and evaluation

    /// The rules and notifiers in force; set at start and on every reload. Firing alerts
    /// whose rule is gone (or no longer watches them) are resolved, with the reason.
    @discardableResult
    public func setAlertPolicy(_ policy: AlertPolicy, at now: Date) throws -> [AlertTransition] {
        self.policy.withLock { $0 = policy }
        return try alertingTransaction(at: now) { _, alerts in
            try alerts.resolveOrphans()
            return alerts.transitions
        }
    }

    public var alertPolicy: AlertPolicy { policy.withLock { $0 } }

    public func observeAlerts(_ observer: @escaping @Sendable ([AlertTransition]) -> Void) {
        alertObserver.withLock { $0 = observer }
    }

    /// Evaluates `stale` and `fetch_failing` for every target: the timer's work.
    @discardableResult
    public func evaluateTimedRules(at now: Date) throws -> [AlertTransition] {
        guard alertPolicy.rules.contains(where: \.isTimed) else { return [] }
        return try alertingTransaction(at: now) { _, alerts in
            try alerts.evaluateTimed()
            return alerts.transitions
        }
    }

    public func lastRuleEvaluations() -> [String: Date] {
        ruleEvaluations.withLock { $0 }
    }

    // MARK: Alerts

    public func alerts(includeResolved: Bool, rule: String?, series: Glob?, limit: Int) throws -> [StoredAlert] {
        try reads.readDatabase { try StoreQueries($0).alerts(includeResolved: includeResolved, rule: rule, series: series, limit: limit) }
    }

    public func alert(id: Int64) throws -> StoredAlert? {
        try reads.readDatabase { try StoreQueries($0).alert(id: id) }
    }

    /// Acknowledges a firing alert: nil when there is no such alert; `changed` is false when
    /// it was acked already. Throws when the alert is resolved.
    public func ack(alert id: Int64, comment: String?, at now: Date) throws -> (alert: StoredAlert, changed: Bool)? {
        try alertingTransaction(at: now) { _, alerts in try alerts.ack(alert: id, comment: comment) }
    }

    public func alertStatistics() throws -> AlertStatistics {
        try reads.readDatabase { try StoreQueries($0).alertStatistics() }
    }

    public func firingCounts() throws -> [String: Int] {
        try reads.readDatabase { try StoreQueries($0).firingCounts() }
    }

    public func firingAlerts(for notifier: NotifierConfig) throws -> [StoredAlert] {
        let policy = alertPolicy
        return try reads.readDatabase { try StoreQueries($0).firingAlerts(for: notifier, policy: policy) }
    }

    // MARK: Deliveries (claimed per instance)

    /// The notifier's deliveries this instance may send now, claimed for it for `lease`
    /// (`PGDeliveryClaims.claim`), oldest first. When the next delivery after them is not
    /// claimable yet (not due, or claimed by another live instance), it is listed last,
    /// unclaimed (`mayBeSent` false), with `nextAttemptAt` the time it may become
    /// claimable: `AlertService` stops there and looks again then, whatever its own clock says.
    public func pendingDeliveries(notifier: String, limit: Int) throws -> [PendingDelivery] {
        try claims.with { db in
            guard !isClosed else { throw StoreError.closed }
            let claim = try PGDeliveryClaims.claim(on: db, notifier: notifier, instance: instance, lease: lease, limit: limit)
            // More were due than `limit`: AlertService asks again at once.
            guard claim.claimed.count < limit, let waiting = claim.waiting,
                  !claim.claimed.contains(where: { $0.outboxID == waiting.outboxID }) else { return claim.claimed }
            return claim.claimed + [waiting]
        }
    }

    /// Renews this instance's claim of a delivery it is about to send; false when the
    /// claim ran out and another instance claimed it since (or it was delivered).
    public func renewDeliveryClaim(outboxID: Int64, notifier: String) throws -> Bool {
        try claims.with { db in
            guard !isClosed else { throw StoreError.closed }
            return try PGDeliveryClaims.renew(on: db, outboxID: outboxID, notifier: notifier, instance: instance, lease: lease)
        }
    }

    /// A delivery sent: recorded, and this instance's claim of it ended.
    public func recordDelivered(outboxID: Int64, notifier: String, at now: Date) throws {
        try claims.with { db in
            guard !isClosed else { throw StoreError.closed }
            try PGDeliveryClaims.delivered(on: db, outboxID: outboxID, notifier: notifier, at: now)
        }
    }

    /// A delivery failed: retried at `retryAt` by whichever instance claims it then, or
    /// given up on when that is nil; the claim ended.
    public func recordDeliveryFailure(outboxID: Int64, notifier: String, error: String, retryAt: Date?, at now: Date) throws {
        try claims.with { db in
            guard !isClosed else { throw StoreError.closed }
            try PGDeliveryClaims.failed(on: db, outboxID: outboxID, notifier: notifier, error: error, retryAt: retryAt, at: now)
        }
    }

    @discardableResult
    public func abandonDeliveries(keeping notifiers: Set<String>, at now: Date) throws -> Int {
        try writer.withDatabase { db in
            guard !isClosed else { throw StoreError.closed }
            return try StoreQueries(db).abandonDeliveries(keeping: notifiers, at: now)
        }
    }

    // MARK: Rule test

    /// Evaluates one rule against the stored history without firing anything (see
    /// `StoreQueries.testRule`), on a connection of its own in one read snapshot, so the
    /// pool's connections stay free for `status` and the other queries.
    public func testRule(_ rule: AlertRule, series filter: Glob?, at now: Date, limit: Int) throws -> RuleTestResult {
        let policy = alertPolicy
        let connection = try openConnection()
        defer { connection.close() }
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        return try StoreQueries(PGDatabase(connection)).testRule(rule, series: filter, at: now, limit: limit, policy: policy)
    }

    // MARK: Retention

    /// Deletes one batch of finished notifications (see `StoreQueries.pruneNotifications`).
    public func pruneNotifications(before cutoff: Date, limit: Int) throws -> Int {
        try writer.withDatabase { db in
            guard !isClosed else { throw StoreError.closed }
            return try StoreQueries(db).pruneNotifications(before: cutoff, limit: limit)
        }
    }

    /// Prunes in batches of `batch` until nothing older than `cutoff` is left.
    @discardableResult
    public func pruneAllNotifications(before cutoff: Date, batch: Int) throws -> Int {
        try pruneInBatches(batch) { try pruneNotifications(before: cutoff, limit: $0) }
    }
}
