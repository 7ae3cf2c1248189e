/// The database schema as named, append-only migrations: a migration, once released, is
/// never edited; changes come as new entries at the end.
enum Schema {
    /// Migrations that edit a table's text in `sqlite_master` (`writable_schema`): the
    /// schema version is raised after them (`SQLiteStore.migrate`).
    static let editingTableText: Set<String> = ["2026-12-08-series-frequency-check"]

    static let migrations: [(name: String, sql: String)] = [
        ("2026-11-30-vintages", """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
            created_at INTEGER NOT NULL,
            last_check_at INTEGER,
            last_success_at INTEGER,
            last_error TEXT,
            last_error_at INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
            next_due_at INTEGER,
            etag TEXT,
            last_modified TEXT,
            last_payload_sha256 TEXT CHECK (last_payload_sha256 IS NULL OR length(last_payload_sha256) = 64),
            paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1))
        );

        CREATE TABLE releases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source_id TEXT NOT NULL REFERENCES sources(id),
            ingested_at INTEGER NOT NULL,
            published_at INTEGER,
            origin TEXT NOT NULL,
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            added INTEGER NOT NULL CHECK (added >= 0),
            revised INTEGER NOT NULL CHECK (revised >= 0),
            removed INTEGER NOT NULL CHECK (removed >= 0),
            unchanged INTEGER NOT NULL CHECK (unchanged >= 0),
            CHECK (added + revised + removed > 0)
        );
        CREATE INDEX releases_by_source ON releases(source_id, id);
        CREATE INDEX releases_by_time ON releases(ingested_at);

        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 256),
            frequency TEXT NOT NULL CHECK (frequency IN ('A', 'Q', 'M', 'W', 'D')),
            source_id TEXT REFERENCES sources(id),
            name TEXT,
            unit TEXT
        );
        CREATE INDEX series_by_source ON series(source_id);

        -- One row per version of one observation. A version is valid from its release
        -- until the next version of the same (series, period): realtime_start/_end.
        CREATE TABLE observation_versions (
            series_id INTEGER NOT NULL REFERENCES series(id),
            period TEXT NOT NULL,
            release_id INTEGER NOT NULL REFERENCES releases(id),
            value TEXT,
            removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1) AND (removed = 0 OR value IS NULL)),
            PRIMARY KEY (series_id, period, release_id)
        ) WITHOUT ROWID;

        -- Releases are immutable, and so are the versions they wrote.
        CREATE TRIGGER releases_immutable BEFORE UPDATE ON releases
            BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
        CREATE TRIGGER releases_undeletable BEFORE DELETE ON releases
            BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
        CREATE TRIGGER versions_immutable BEFORE UPDATE ON observation_versions
            BEGIN SELECT RAISE(ABORT, 'observation versions are immutable'); END;
        CREATE TRIGGER versions_undeletable BEFORE DELETE ON observation_versions
            BEGIN SELECT RAISE(ABORT, 'observation versions are immutable'); END;

        -- Read-only views for operators with the sqlite3 shell.
        CREATE VIEW latest_observations AS
            SELECT s.key AS series, v.period, v.value, v.release_id,
                   strftime('%Y-%m-%dT%H:%M:%SZ', r.ingested_at / 1000, 'unixepoch') AS ingested_at
            FROM observation_versions v
            JOIN series s ON s.id = v.series_id
            JOIN releases r ON r.id = v.release_id
            WHERE v.removed = 0
              AND v.release_id = (SELECT max(w.release_id) FROM observation_versions w
                                  WHERE w.series_id = v.series_id AND w.period = v.period);

        CREATE VIEW observation_history AS
            SELECT s.key AS series, v.period, v.value, v.removed, v.release_id,
                   strftime('%Y-%m-%dT%H:%M:%SZ', r.ingested_at / 1000, 'unixepoch') AS realtime_start,
                   (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', rn.ingested_at / 1000, 'unixepoch')
                      FROM observation_versions n JOIN releases rn ON rn.id = n.release_id
                     WHERE n.series_id = v.series_id AND n.period = v.period AND n.release_id > v.release_id
                     ORDER BY n.release_id LIMIT 1) AS realtime_end
            FROM observation_versions v
            JOIN series s ON s.id = v.series_id
            JOIN releases r ON r.id = v.release_id;

        CREATE VIEW release_log AS
            SELECT id, source_id,
                   strftime('%Y-%m-%dT%H:%M:%SZ', ingested_at / 1000, 'unixepoch') AS ingested_at,
                   strftime('%Y-%m-%dT%H:%M:%SZ', published_at / 1000, 'unixepoch') AS published_at,
                   origin, added, revised, removed, unchanged, sha256
            FROM releases;
        """),
            ("2026-12-01-alerts", """
        -- One row per alert: a rule's condition met for one series (or source) and, for
        -- rules about single observations, one period. `dedup_key` identifies the condition;
        -- at most one alert per key is firing. Resolved alerts are kept.
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dedup_key TEXT NOT NULL,
            rule TEXT NOT NULL,
            rule_when TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            series TEXT,
            source TEXT,
            period TEXT,
            state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
            value TEXT,
            previous_value TEXT,
            summary TEXT NOT NULL,
            release_id INTEGER REFERENCES releases(id),
            fired_at INTEGER NOT NULL,
            resolved_at INTEGER,
            resolve_reason TEXT,
            acked_at INTEGER,
            ack_comment TEXT,
            CHECK ((state = 'firing') = (resolved_at IS NULL))
        );
        CREATE UNIQUE INDEX alerts_one_firing ON alerts(dedup_key) WHERE state = 'firing';
        CREATE INDEX alerts_by_rule ON alerts(rule, state);
        CREATE INDEX alerts_firing_by_series ON alerts(series) WHERE state = 'firing';

        -- Every alert transition, written in the transaction that caused it; the payload is
        -- the notification JSON, delivered unchanged.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            event TEXT NOT NULL CHECK (event IN ('firing', 'resolved', 'acked')),
            created_at INTEGER NOT NULL,
            payload TEXT NOT NULL
        );

        -- One row per (transition, notifier that wants it): pending until delivered or given up.
        CREATE TABLE deliveries (
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            notifier TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at INTEGER NOT NULL,
            delivered_at INTEGER,
            gave_up_at INTEGER,
            last_error TEXT,
            PRIMARY KEY (outbox_id, notifier)
        ) WITHOUT ROWID;
        CREATE INDEX deliveries_pending ON deliveries(notifier, outbox_id) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
        CREATE INDEX deliveries_given_up ON deliveries(gave_up_at) WHERE gave_up_at IS NOT NULL;

        CREATE VIEW alert_log AS
            SELECT id, rule, severity, state, series, source, period, value, previous_value, summary,
                   strftime('%Y-%m-%dT%H:%M:%SZ', fired_at / 1000, 'unixepoch') AS fired_at,
                   strftime('%Y-%m-%dT%H:%M:%SZ', resolved_at / 1000, 'unixepoch') AS resolved_at,
                   resolve_reason,
                   strftime('%Y-%m-%dT%H:%M:%SZ', acked_at / 1000, 'unixepoch') AS acked_at, ack_comment
            FROM alerts;
        """),
            ("2026-12-07-outbox-retention", """
        -- Pruning finished notifications after `notification_retention` finds the old outbox
        -- rows by their time instead of scanning the table every minute.
        CREATE INDEX outbox_by_created ON outbox(created_at);
        """),
        ("2026-12-07-indexed-reads", """
        -- What each release wrote: one row per series, with the periods it wrote a version
        -- for, so a release's changes are found by primary-key seeks. (An index over every
        -- version by release would do it too, but costs a million-row ingest +50 %.)
        CREATE TABLE release_contents (
            release_id INTEGER NOT NULL REFERENCES releases(id),
            series_id INTEGER NOT NULL REFERENCES series(id),
            periods TEXT NOT NULL,       -- the periods, ascending, separated by ','
            PRIMARY KEY (release_id, series_id)
        ) WITHOUT ROWID;
        CREATE TRIGGER release_contents_immutable BEFORE UPDATE ON release_contents
            BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
        CREATE TRIGGER release_contents_undeletable BEFORE DELETE ON release_contents
            BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
        INSERT INTO release_contents (release_id, series_id, periods)
        SELECT release_id, series_id, group_concat(period, ',')
        FROM (SELECT release_id, series_id, period FROM observation_versions ORDER BY release_id, series_id, period)
        GROUP BY release_id, series_id;

        -- One row per series that has versions, kept current by every release that writes
        -- the series (SQLiteStore.refreshSummaries), so `series` costs by series, not by versions.
        CREATE TABLE series_summaries (
            series_id INTEGER PRIMARY KEY REFERENCES series(id),
            latest_period TEXT,          -- the newest period whose current version has a value
            latest_value TEXT,           -- that value, decimal text as published
            last_release_id INTEGER NOT NULL REFERENCES releases(id),   -- the last release that wrote the series
            last_changed_at INTEGER NOT NULL                            -- its ingested_at
        );

        INSERT INTO series_summaries (series_id, latest_period, latest_value, last_release_id, last_changed_at)
        SELECT m.series_id,
               (SELECT v.period FROM observation_versions v
                WHERE v.series_id = m.series_id AND v.value IS NOT NULL
                  AND v.release_id = (SELECT max(w.release_id) FROM observation_versions w WHERE w.series_id = v.series_id AND w.period = v.period)
                ORDER BY v.period DESC LIMIT 1),
               NULL, m.last, r.ingested_at
        FROM (SELECT series_id, max(release_id) AS last FROM observation_versions GROUP BY series_id) m
        JOIN releases r ON r.id = m.last;
        UPDATE series_summaries SET latest_value = (
            SELECT v.value FROM observation_versions v
            WHERE v.series_id = series_summaries.series_id AND v.period = series_summaries.latest_period
            ORDER BY v.release_id DESC LIMIT 1)
        WHERE latest_period IS NOT NULL;
        """),
        ("2026-12-07-observation-status", """
        -- The publisher's status of a version (Eurostat's `p`, SDMX's OBS_STATUS): short text,
        -- NULL for none. ADD COLUMN leaves the table's rows as they are (they read NULL) and
        -- fires no trigger, so versions stay immutable: an UPDATE of it is refused too.
        ALTER TABLE observation_versions ADD COLUMN status TEXT
            CHECK (status IS NULL OR (length(status) BETWEEN 1 AND 16 AND removed = 0));

        DROP VIEW latest_observations;
        CREATE VIEW latest_observations AS
            SELECT s.key AS series, v.period, v.value, v.status, v.release_id,
                   strftime('%Y-%m-%dT%H:%M:%SZ', r.ingested_at / 1000, 'unixepoch') AS ingested_at
            FROM observation_versions v
            JOIN series s ON s.id = v.series_id
            JOIN releases r ON r.id = v.release_id
            WHERE v.removed = 0
              AND v.release_id = (SELECT max(w.release_id) FROM observation_versions w
                                  WHERE w.series_id = v.series_id AND w.period = v.period);

        DROP VIEW observation_history;
        CREATE VIEW observation_history AS
            SELECT s.key AS series, v.period, v.value, v.status, v.removed, v.release_id,
                   strftime('%Y-%m-%dT%H:%M:%SZ', r.ingested_at / 1000, 'unixepoch') AS realtime_start,
                   (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', rn.ingested_at / 1000, 'unixepoch')
                      FROM observation_versions n JOIN releases rn ON rn.id = n.release_id
                     WHERE n.series_id = v.series_id AND n.period = v.period AND n.release_id > v.release_id
                     ORDER BY n.release_id LIMIT 1) AS realtime_end
            FROM observation_versions v
            JOIN series s ON s.id = v.series_id
            JOIN releases r ON r.id = v.release_id;
        """),
        ("2026-12-08-series-frequency-check", """
        -- The same CHECK on series.frequency, spelled as comparisons: SQLite evaluates a list
        -- of more than two constants through a temporary index it builds at every execution
        -- of the INSERT (a third of what adding a series cost). Only the table's text
        -- changes, to an equivalent constraint that every row already meets; the schema
        -- version is then raised (SQLiteStore.migrate), so every connection reads it again.
        PRAGMA writable_schema = ON;
        UPDATE sqlite_master
           SET sql = replace(sql, 'CHECK (frequency IN (''A'', ''Q'', ''M'', ''W'', ''D''))',
                     'CHECK (frequency = ''A'' OR frequency = ''Q'' OR frequency = ''M'' OR frequency = ''W'' OR frequency = ''D'')')
         WHERE type = 'table' AND name = 'series';
        PRAGMA writable_schema = OFF;
        """),
    ]
}
