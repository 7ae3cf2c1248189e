import BridPostgres
import CSQLite

/// `brid migrate-store`: copies an SQLite store into an empty PostgreSQL database with
/// every source state, series, release, version, alert, outbox entry and delivery, each
/// under its own id, in one PostgreSQL transaction (all of it or nothing).
///
/// The SQLite file is read in one snapshot, a row at a time, and each table streamed into
/// `COPY … FROM STDIN`: memory does not grow with the store. The PostgreSQL schema must be
/// current (opening a `PostgresStore` applies it); the SQLite file is brought to its newest
/// migration first by the caller (opening a `SQLiteStore`), so both have the same columns.
public enum StoreCopy {
    /// The tables in an order that keeps foreign keys satisfied, with the columns both
    /// schemas have (PostgreSQL's delivery claims start empty).
    static let tables: [(name: String, columns: [String], order: String)] = [
        ("sources", ["id", "created_at", "last_check_at", "last_success_at", "last_error", "last_error_at",
                     "consecutive_failures", "next_due_at", "etag", "last_modified", "last_payload_sha256", "paused"], "id"),
        ("series", ["id", "key", "frequency", "source_id", "name", "unit"], "id"),
        ("releases", ["id", "source_id", "ingested_at", "published_at", "origin", "sha256",
                      "added", "revised", "removed", "unchanged"], "id"),
        ("observation_versions", ["series_id", "period", "release_id", "value", "removed", "status"], "series_id, period, release_id"),
        ("release_contents", ["release_id", "series_id", "periods"], "release_id, series_id"),
        ("series_summaries", ["series_id", "latest_period", "latest_value", "last_release_id", "last_changed_at"], "series_id"),
        ("alerts", ["id", "dedup_key", "rule", "rule_when", "severity", "series", "source", "period", "state", "value",
                    "previous_value", "summary", "release_id", "fired_at", "resolved_at", "resolve_reason", "acked_at", "ack_comment"], "id"),
        ("outbox", ["id", "alert_id", "event", "created_at", "payload"], "id"),
        ("deliveries", ["outbox_id", "notifier", "attempts", "next_attempt_at", "delivered_at", "gave_up_at", "last_error"], "outbox_id, notifier"),
    ]

    /// The tables whose ids come from a sequence, which must continue past the copied ids
    /// (and past ids SQLite handed out and later deleted, such as pruned outbox entries:
    /// an id is never reused).
    static let identities = ["series", "releases", "alerts", "outbox"]

    /// What was copied: rows per table, in copy order.
    public struct Report: Sendable, Equatable {
        public var rows: [(table: String, count: Int)] = []

        public static func == (a: Report, b: Report) -> Bool {
            a.rows.map(\.table) == b.rows.map(\.table) && a.rows.map(\.count) == b.rows.map(\.count)
        }

        /// "sources 3, series 12, …" for the log and the terminal.
        public var summary: String {
            rows.map { "\($0.table) \($0.count)" }.joined(separator: ", ")
        }
    }

    /// Copies the SQLite store at `sqlitePath` into the database `target` is connected to.
    /// Refuses a target that has any source, series, release or alert (`brid migrate-store`
    /// moves a store; it does not merge two). `progress` is told of each table copied.
    public static func copy(sqlitePath: String, to target: PGConnection,
                            progress: (String, Int) -> Void = { _, _ in }) throws -> Report {
        let source = try Connection.reader(path: sqlitePath, cacheKiB: 8_192)
        defer { source.close() }
        return try source.snapshot {
            try target.transaction { pg in
                // Nobody else writes while this runs (a brid started on the target waits).
                _ = try pg.execute("LOCK TABLE sources, series, releases, alerts IN EXCLUSIVE MODE")
                let occupied = try pg.query("""
                    SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM series)
                         + (SELECT count(*) FROM releases) + (SELECT count(*) FROM alerts)
                    """).scalar ?? "0"
                guard occupied == "0" else {
                    throw StoreError("the PostgreSQL database \(pg.endpoint) already holds a store (sources, series, releases or alerts); migrate-store copies into an empty one")
                }
                var report = Report()
                for table in tables {
                    let copied = try copyTable(table, from: source, to: pg)
                    let expected = try source.prepare("SELECT count(*) FROM \(table.name)").firstRow { $0.int(0) } ?? -1
                    guard Int64(copied) == expected else {
                        throw StoreError("copying \(table.name): \(copied) rows reached PostgreSQL, the SQLite store has \(expected)")
                    }
                    report.rows.append((table.name, copied))
                    progress(table.name, copied)
                }
                // Each series' current vintage (a cache the ingest compares payloads with,
                // not copied: SQLite has none), derived from the versions just copied.
                _ = try pg.query("SELECT brid_rebuild_series_current()")
                for table in identities {
                    let used = try source.prepare("""
                        SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),
                                   coalesce((SELECT max(id) FROM \(table)), 0))
                        """).bind(.text(table)).firstRow { $0.int(0) } ?? 0
                    // setval(…, n, true): the next id is n + 1; with nothing used, the next is 1.
                    _ = try pg.query("SELECT setval(pg_get_serial_sequence($1, 'id'), $2, $3)",
                                     [table, String(max(used, 1)), used > 0 ? "true" : "false"])
                }
                return report
            }
        }
    }

    /// Streams one table's rows, in key order, into `COPY`.
    private static func copyTable(_ table: (name: String, columns: [String], order: String),
                                  from source: Connection, to pg: PGConnection) throws -> Int {
        let list = table.columns.joined(separator: ", ")
        let statement = try source.prepare("SELECT \(list) FROM \(table.name) ORDER BY \(table.order)")
        defer { statement.reset() }
        let width = Int32(table.columns.count)
        return try pg.copy("COPY \(table.name) (\(list)) FROM STDIN") { writer in
            var fields = [String?](repeating: nil, count: Int(width))
            while try statement.step() {
                for column in 0..<width { fields[Int(column)] = statement.text(column) }
                try writer.append(fields)
            }
        }
    }
}
