import BridCore
@testable import BridStore
import Foundation
import Testing

/// Issue 10 point 4: read queries that cost by what they return, not by the store's size.
@Suite struct IndexedReadTests {
    @Test func noReadQueryScansTheVersions() throws {
        let t = try TemporaryStore()
        _ = try t.ingest([("a", "2018", "1"), ("b", "2018", "2")])
        _ = try t.ingest([("a", "2018", "1.5")])
        try t.sqlite.writer.withLock { db in try db.execute("ANALYZE") }
        for (query, plan) in try t.sqlite.readQueryPlans() {
            let scans = plan.filter { $0.hasPrefix("SCAN") && !$0.hasPrefix("SCAN CONSTANT") }
            #expect(scans.isEmpty, "\(query): \(plan)")
            #expect(!plan.isEmpty, "\(query)")
        }
        let plans = try t.sqlite.readQueryPlans()
        #expect(plans["release.show"]?.contains { $0.hasPrefix("SEARCH c USING PRIMARY KEY (release_id=?)") } == true, "\(plans)")
        #expect(plans["release.show (versions)"]?.contains { $0.hasPrefix("SEARCH observation_versions USING PRIMARY KEY (series_id=? AND period=? AND release_id<?)") } == true, "\(plans)")
        // A series read in pages starts each page where the last ended, not at the period bound.
        #expect(plans["fred observations (next page)"]?.contains { $0.hasPrefix("SEARCH observation_versions USING PRIMARY KEY (series_id=? AND (period,release_id)>(?,?) AND period<?)") } == true, "\(plans)")
        #expect(plans["fred observations (next page, descending)"]?.contains { $0.hasPrefix("SEARCH observation_versions USING PRIMARY KEY (series_id=? AND period>? AND (period,release_id)<(?,?))") } == true, "\(plans)")
    }

    @Test(arguments: StoreBackend.allCases)
    func summariesFollowEveryRelease(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest([("m", "2018-01", "1"), ("m", "2018-02", "2"), ("n", "2018", "7")])
        var m = try #require(try t.store.seriesSummaries().first { $0.key == "m" })
        #expect((m.latestPeriod, m.latestValue) == ("2018-02", "2"))
        // A newer period without a value does not become the latest; its release is the last change.
        _ = try t.ingest([("m", "2018-01", "1"), ("m", "2018-02", "2"), ("m", "2018-03", nil)])
        m = try #require(try t.store.seriesSummaries().first { $0.key == "m" })
        #expect((m.latestPeriod, m.latestValue) == ("2018-02", "2"))
        #expect(m.lastChangedAt == t.clock)
        // A removal (snapshot) moves the latest period back.
        _ = try t.ingest([("m", "2018-01", "1.1"), ("n", "2018", "7")], snapshot: true)
        m = try #require(try t.store.seriesSummaries().first { $0.key == "m" })
        #expect((m.latestPeriod, m.latestValue) == ("2018-01", "1.1"))
        let n = try #require(try t.store.seriesSummaries().first { $0.key == "n" })
        #expect(n.lastChangedAt == t.clock.addingTimeInterval(-2 * 86_400))
    }

    @Test func theMigrationBackFillsSummaries() throws {
        let t = try TemporaryStore()
        _ = try t.ingest([("m", "2018-01", "1"), ("m", "2018-02", "2"), ("n", "2018", "7")])
        _ = try t.ingest([("m", "2018-01", "1"), ("m", "2018-02", nil), ("m", "2018-03", "3")], snapshot: true)
        _ = try t.store.applyCatalogue([SeriesMetadata(key: "empty", name: "No data yet", unit: nil, frequency: .annual)])
        let before = try t.store.seriesSummaries()
        let changesBefore = try (1...2).map { try t.store.changes(release: Int64($0)) }
        #expect(changesBefore[1].map(\.kind) == [.revised, .added, .removed])
        try t.sqlite.writer.withLock { db in
            try db.execute("""
                DROP TABLE release_contents; DROP TABLE series_summaries;
                DELETE FROM schema_migrations WHERE name = '2026-12-07-indexed-reads';
                """)
        }
        let reopened = try SQLiteStore(path: t.sqlite.path)
        #expect(try reopened.seriesSummaries() == before)
        for release in 1...2 { #expect(try reopened.changes(release: Int64(release)) == changesBefore[release - 1]) }
        #expect(before.map(\.key) == ["empty", "m", "n"])
        #expect(before[0].latestPeriod == nil && before[0].lastChangedAt == nil)
        #expect((before[1].latestPeriod, before[1].latestValue) == ("2018-03", "3"))
    }

    @Test("a series' versions read in pages by key: the same rows as the whole history, either way, within period bounds, stopping when asked",
          arguments: StoreBackend.allCases)
    func versionsInPages(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        let periods = (0..<300).map { String(format: "%04d-%02d", 2000 + $0 / 12, $0 % 12 + 1) }
        _ = try t.ingest(periods.map { ("m", $0, "1") } + [("other", "2018", "5")])
        // Three revisions of every other, third and fifth period, and a removal: 1,000 versions, several pages.
        for step in [2, 3, 5] {
            _ = try t.ingest(periods.enumerated().map { i, p in ("m", p, i % step == 0 ? "\(step)" : "1") })
        }
        _ = try t.ingest(periods.dropLast().map { ("m", $0, "9") }, snapshot: true)
        let whole = try #require(try t.store.versions(series: "m")).versions
        #expect(whole.count > 1_000)
        func read(from: String? = nil, to: String? = nil, descending: Bool = false, stopAfter: Int = .max) throws -> [SeriesVersion] {
            var rows: [SeriesVersion] = []
            #expect(try t.store.forEachVersion(series: "m", from: from, to: to, descending: descending) { rows.append($0); return rows.count < stopAfter })
            return rows
        }
        #expect(try read() == whole)
        #expect(try read(descending: true) == whole.reversed())
        #expect(try read(from: "2005", to: "2010-06") == whole.filter { $0.period >= "2005" && $0.period <= "2010-06" })
        #expect(try read(from: "2020", descending: true) == whole.filter { $0.period >= "2020" }.reversed())
        #expect(try read(stopAfter: 70) == Array(whole.prefix(70)))
        #expect(try read(to: "1999") == [])
        #expect(try !t.store.forEachVersion(series: "nope", from: nil, to: nil, descending: false) { _ in Issue.record("no rows"); return true })
    }

    @Test(arguments: StoreBackend.allCases)
    func seriesFiltersAndPages(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest((0..<30).map { ("cn-kz.s\(String(format: "%02d", $0))", "2018", "\($0)") })
        _ = try t.ingest([("cn-eu.trains", "2018", "1"), ("other", "2018", "2")], source: "other-src")
        func keys(_ filter: SeriesFilter) throws -> ([String], Bool) {
            let (cursor, more) = try t.store.seriesCursor(filter)
            var all: [String] = []
            while case let batch = try cursor.next(7), !batch.isEmpty { all += batch.map(\.key) }
            return (all, more())
        }
        #expect(try keys(SeriesFilter(glob: try Glob("cn-kz.s1?"))).0 == (10...19).map { "cn-kz.s\($0)" })
        #expect(try keys(SeriesFilter(glob: try Glob("*trains"))).0 == ["cn-eu.trains"])
        #expect(try keys(SeriesFilter(source: "other-src")).0 == ["cn-eu.trains", "other"])
        let first = try keys(SeriesFilter(glob: try Glob("cn-*"), limit: 10))
        #expect(first.0 == ["cn-eu.trains"] + (0...8).map { "cn-kz.s0\($0)" } && first.1)
        let second = try keys(SeriesFilter(glob: try Glob("cn-*"), after: first.0.last, limit: 100))
        #expect(second.0 == (9...29).map { "cn-kz.s\(String(format: "%02d", $0))" } && !second.1)
    }

    @Test(arguments: StoreBackend.allCases)
    func cursorsReassembleAndClose(backend: StoreBackend) throws {
        let t = try TemporaryStore(backend)
        _ = try t.ingest((0..<50).flatMap { s in (2000..<2010).map { ("s\(s)", "\($0)", "\(s).\($0)") } })
        _ = try t.ingest((0..<50).flatMap { s in (2000..<2011).map { ("s\(s)", "\($0)", $0 == 2005 ? "9" : "\(s).\($0)") } }, snapshot: true)
        let openBefore = StoreCursors.open
        let cursor = try t.store.changesCursor(release: 2)
        #expect(StoreCursors.open == openBefore + 1)
        var streamed: [ObservationChange] = []
        while case let batch = try cursor.next(33), !batch.isEmpty { streamed += batch }
        #expect(streamed == (try t.store.changes(release: 2)))
        #expect(streamed.count == 100)
        #expect(StoreCursors.open == openBefore)
        // Closed early (a client gone): the connection is freed.
        let early = try t.store.observationsCursor(series: "s3", vintage: .release(1))
        #expect(try early.next(4).map(\.period) == ["2000", "2001", "2002", "2003"])
        early.close()
        #expect(StoreCursors.open == openBefore)
        let observations = try t.store.observationsCursor(series: "s3", vintage: .latest)
        var rows: [ObservationRow] = []
        while case let batch = try observations.next(3), !batch.isEmpty { rows += batch }
        #expect(rows == (try t.store.observations(series: "s3")))
        let history = try t.store.historyCursor(series: "s3", period: "2005")
        #expect(try history.next(10) == (try t.store.history(series: "s3", period: "2005")))
    }
}
