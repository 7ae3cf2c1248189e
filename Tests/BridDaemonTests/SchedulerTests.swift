import BridCore
@testable import BridDaemon
import BridFetch
import BridStore
import Foundation
import Testing

/// The scheduler on a manual clock with a scripted fetcher: no sleeping, no network.
@Suite struct SchedulerTests {
    static let csv1 = "series,period,value\nwb.kaz.exports,2018,8.535\n"
    static let csv2 = "series,period,value\nwb.kaz.exports,2018,8.6\n"

    static func config(sources: String, maxConcurrent: Int = 4) -> String {
        """
        [daemon]
        state_dir = "state"
        max_concurrent_fetches = \(maxConcurrent)
        \(sources)
        """
    }

    static let hourly = config(sources: """
        [[source]]
        id = "kz"
        url = "http://publisher.test/kz.csv"
        format = "csv"
        every = "1h"
        """)

    @Test func aNeverCheckedSourceIsFetchedAtOnceThenOnItsSchedule() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        try await h.start()
        try await h.settle()
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 1)
        #expect(try await h.store.releases().count == 1)
        let state = try #require(try await h.state("kz"))
        let jitter = SchedulePolicy.jitter(for: "kz", schedule: .every(.seconds(3600))).seconds
        #expect(abs(state.nextDueAt!.timeIntervalSince(h.clock.now()) - (3600 + jitter)) < 1)
        #expect(state.etag != nil)

        // Not before it is due …
        try await h.advance(by: 3000)
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 1)
        // … then conditionally: the publisher answers 304, which is a success without a release.
        try await h.advance(by: 900)
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 2)
        #expect(h.fetcher.requests.last?.etag == state.etag)
        #expect(try await h.store.releases().count == 1)
        #expect(try await h.state("kz")?.lastSuccessAt == h.clock.now())

        // A new release at the publisher: one new release in the store.
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv2)
        try await h.advance(by: 3900)
        let releases = try await h.store.releases()
        #expect(releases.count == 2)
        #expect(releases.first?.revised == 1)
        #expect(releases.first?.origin == "http://publisher.test/kz.csv")
        #expect(releases.first?.publishedAt == Date(timeIntervalSince1970: 784_111_777))  // Last-Modified
    }

    @Test func failuresBackOffFromAMinuteDoublingThenReturnToTheSchedule() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.fail("http://publisher.test/kz.csv", status: 503)
        try await h.start()
        try await h.settle()
        var seen = 1
        for (delay, failures) in [(60.0, 2), (120, 3), (240, 4)] {
            try await h.advance(by: delay - 1)
            #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == seen, "not before \(delay) s")
            try await h.advance(by: 1)
            seen += 1
            #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == seen, "after \(delay) s")
            #expect(try await h.state("kz")?.consecutiveFailures == failures)
        }
        let failing = try #require(try await h.state("kz"))
        #expect(failing.lastError?.hasPrefix("HTTP 503 from http://publisher.test/kz.csv after") == true)
        #expect(await h.daemon.statusLine().contains("1 failing"))

        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        try await h.advance(by: 480)
        let recovered = try #require(try await h.state("kz"))
        #expect(recovered.consecutiveFailures == 0)
        #expect(try await h.store.releases().count == 1)
        #expect(recovered.nextDueAt!.timeIntervalSince(h.clock.now()) > 3500)
    }

    @Test func aFailingSourceCheckedEvery15SecondsIsRetriedEvery15Seconds() async throws {
        let h = try DaemonHarness(config: Self.config(sources: """
            [[source]]
            id = "kz"
            url = "http://publisher.test/kz.csv"
            format = "csv"
            every = "15s"
            """))
        h.fetcher.fail("http://publisher.test/kz.csv", status: 503)
        try await h.start()
        try await h.settle()
        for failures in 2...4 {
            try await h.advance(by: 14)
            #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == failures - 1, "not before 15 s")
            try await h.advance(by: 1)
            #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == failures, "15 s after the last failure, not 60 s")
            #expect(try await h.state("kz")?.consecutiveFailures == failures)
        }
    }

    @Test func aRejectedPayloadIsAFailureAndItsETagIsNotKept() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", "series,period,value\nwb.kaz.exports,2018,eight\n")
        try await h.start()
        try await h.settle()
        let state = try #require(try await h.state("kz"))
        #expect(state.consecutiveFailures == 1)
        #expect(state.etag == nil)
        #expect(state.lastError?.contains("line 2: value \"eight\" is not a number") == true)
        #expect(state.nextDueAt == h.clock.now().addingTimeInterval(60))
    }

    @Test func aRestartResumesTheStoredSchedule() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        try await h.start()
        try await h.settle()
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 1)
        await h.stop()
        h.clock.advance(by: 600)
        try await h.start()  // the same database, ten minutes later
        try await h.settle()
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 1, "not refetched at start-up")
        try await h.advance(by: 3300)
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 2)
    }

    @Test func atMostMaxConcurrentFetchesRunAtOnce() async throws {
        let sources = (1...6).map { i in
            "[[source]]\nid = \"s\(i)\"\nurl = \"http://publisher.test/\(i).csv\"\nformat = \"csv\"\nevery = \"1h\"\n"
        }.joined(separator: "\n")
        let h = try DaemonHarness(config: Self.config(sources: sources, maxConcurrent: 2))
        for i in 1...6 {
            h.fetcher.answer("http://publisher.test/\(i).csv") { request in
                try await Task.sleep(for: .milliseconds(30))
                return .body(Array("series,period,value\ns\(i),2018,\(i)\n".utf8), FetchInfo(status: 200, finalURL: request.url, elapsed: .zero))
            }
        }
        try await h.start()
        try await eventually("all six fetched") { h.fetcher.requests.count == 6 }
        try await h.settle()
        #expect(h.fetcher.maxInFlight == 2)
        #expect(try await h.store.releases().count == 6)
    }

    @Test func reloadAddsRemovesAndReschedulesSources() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        h.fetcher.serve("http://publisher.test/cn.csv", "series,period,value\ncn.trains,2018,2388\n")
        try await h.start()
        try await h.settle()
        try h.writeConfig(Self.config(sources: """
            [[source]]
            id = "cn"
            url = "http://publisher.test/cn.csv"
            format = "csv"
            every = "6h"
            """))
        let report = await h.daemon.reload()
        #expect(report.applied)
        #expect(report.added == ["cn"])
        #expect(report.removed == ["kz"])
        try await eventually("the new source is fetched at once") { h.fetcher.requestCount("http://publisher.test/cn.csv") == 1 }
        try await h.advance(by: 4000)
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 1, "a removed source is no longer fetched")
        #expect(await h.daemon.config.sources.map(\.id) == ["cn"])
    }

    @Test func aBrokenReloadKeepsTheRunningConfig() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        try await h.start()
        try await h.settle()
        try h.writeConfig(Self.hourly + "\nevry = \"2h\"\n")
        let report = await h.daemon.reload()
        #expect(!report.applied)
        #expect(report.errors.first?.contains("evry") == true)
        #expect(await h.daemon.config.sources.map(\.id) == ["kz"])
        let failure = try #require(await h.daemon.lastReloadFailure)
        #expect(failure.errors.count == 1)
        #expect(await h.daemon.statusLine().contains("last reload refused"))
        try await h.advance(by: 3900)
        #expect(h.fetcher.requestCount("http://publisher.test/kz.csv") == 2, "the old schedule keeps running")
    }

    @Test func aReloadThatChangesTheStoreOrTheInstanceIsRefused() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        try await h.start()
        try await h.settle()
        let moved = Self.hourly + "\n[store]\nkind = \"postgresql\"\nurl = \"postgresql://brid@db.example/brid\"\n"
        let renamed = Self.hourly.replacingOccurrences(of: "state_dir = \"state\"", with: "state_dir = \"state\"\ninstance = \"brid-b\"")
        for text in [moved, renamed] {
            try h.writeConfig(text)
            let report = await h.daemon.reload()
            #expect(!report.applied)
            #expect(report.errors == ["\(h.configPath): [store] and [daemon] instance cannot change on reload; restart brid"])
            #expect(await h.daemon.config.store == .sqlite)
            #expect(await h.daemon.config.daemon.instance == nil)
        }
    }

    @Test func statusLineNamesTheNextFetch() async throws {
        let h = try DaemonHarness(config: Self.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", Self.csv1)
        try await h.start()
        try await h.settle()
        let line = await h.daemon.statusLine()
        #expect(line.hasPrefix("1 source, 0 failing, next fetch kz in "), "\(line)")
        #expect(line.hasSuffix("h") || line.hasSuffix("m"))
    }
}

@Suite struct WorldBankPagingTests {
    static func page(_ n: Int, of pages: Int, years: [Int]) -> String {
        let rows = years.map { year in
            #"{"indicator":{"id":"NE.EXP.GNFS.CD","value":"Exports"},"country":{"id":"KZ","value":"Kazakhstan"},"countryiso3code":"KAZ","date":"\#(year)","value":\#(year - 2000).5,"unit":"","obs_status":"","decimal":1}"#
        }
        return #"[{"page":\#(n),"pages":\#(pages),"per_page":2,"total":\#(pages * 2),"lastupdated":"2019-07-10"},[\#(rows.joined(separator: ","))]]"#
    }

    @Test func allPagesOfAWorldBankResponseMakeOneRelease() async throws {
        let url = "http://api.test/v2/country/KAZ/indicator/NE.EXP.GNFS.CD?format=json&per_page=2"
        let h = try DaemonHarness(config: SchedulerTests.config(sources: """
            [[source]]
            id = "wb"
            url = "\(url)"
            format = "worldbank-json"
            every = "6h"
            """))
        h.fetcher.answer(url) { request in .body(Array(Self.page(1, of: 2, years: [2018, 2017]).utf8), FetchInfo(status: 200, finalURL: request.url, elapsed: .zero)) }
        h.fetcher.answer(url + "&page=2") { request in .body(Array(Self.page(2, of: 2, years: [2016, 2015]).utf8), FetchInfo(status: 200, finalURL: request.url, elapsed: .zero)) }
        try await h.start()
        try await h.settle()
        let releases = try await h.store.releases()
        #expect(releases.count == 1)
        #expect(releases.first?.added == 4)
        #expect(try await h.store.observations(series: "wb.KAZ.NE.EXP.GNFS.CD")?.map(\.period) == ["2015", "2016", "2017", "2018"])
        #expect(h.fetcher.requests.map(\.url) == [url, url + "&page=2"])
    }

    @Test func aMissingPageFailsTheWholeCheck() async throws {
        let url = "http://api.test/wb?format=json"
        let h = try DaemonHarness(config: SchedulerTests.config(sources: """
            [[source]]
            id = "wb"
            url = "\(url)"
            format = "worldbank-json"
            """))
        h.fetcher.answer(url) { request in .body(Array(Self.page(1, of: 3, years: [2018]).utf8), FetchInfo(status: 200, finalURL: request.url, elapsed: .zero)) }
        h.fetcher.answer(url + "&page=2") { request in .body(Array(Self.page(2, of: 3, years: [2017]).utf8), FetchInfo(status: 200, finalURL: request.url, elapsed: .zero)) }
        h.fetcher.fail(url + "&page=3", status: 500)
        try await h.start()
        try await h.settle()
        #expect(try await h.store.releases().isEmpty)
        #expect(try await h.state("wb")?.lastError?.hasPrefix("HTTP 500 from \(url)&page=3") == true)
    }
}

@Suite struct ReloadDuringCheckTests {
    @Test func aCheckFinishingAfterAReloadIsScheduledByTheNewConfig() async throws {
        let url = "http://publisher.test/kz.csv"
        let h = try DaemonHarness(config: SchedulerTests.hourly)
        let gate = WakeSignal()
        h.fetcher.answer(url) { request in
            await gate.wait()
            return .body(Array(SchedulerTests.csv1.utf8), FetchInfo(status: 200, etag: "\"e1\"", finalURL: request.url, elapsed: .zero))
        }
        try await h.start()
        try await eventually("the check is in flight") { await h.daemon.sourcesInFlight == ["kz"] }
        try h.writeConfig(SchedulerTests.hourly.replacingOccurrences(of: "every = \"1h\"", with: "every = \"15m\""))
        #expect(await h.daemon.reload().applied)
        gate.signal()
        try await h.settle()
        let due = try #require(await h.daemon.schedule["kz"])
        #expect(due.timeIntervalSince(h.clock.now()) < 15 * 60 + 91, "scheduled by the new 15m, not the old 1h")
    }

    @Test func changingASourcesURLForgetsItsValidators() async throws {
        let h = try DaemonHarness(config: SchedulerTests.hourly)
        h.fetcher.serve("http://publisher.test/kz.csv", SchedulerTests.csv1)
        h.fetcher.serve("http://publisher.test/kz-v2.csv", SchedulerTests.csv1)
        try await h.start()
        try await h.settle()
        #expect(try await h.state("kz")?.etag != nil)
        try h.writeConfig(SchedulerTests.hourly.replacingOccurrences(of: "kz.csv", with: "kz-v2.csv"))
        #expect(await h.daemon.reload().applied)
        try await eventually("the new URL is fetched") { h.fetcher.requestCount("http://publisher.test/kz-v2.csv") == 1 }
        #expect(h.fetcher.requests.last?.etag == nil, "no If-None-Match from the old URL's payload")
    }
}
