import BridCore
import BridStore
import BridTestSupport
import Foundation
import Testing

/// Rows ingested the way a payload is: through the PayloadBuilder, into the real store.
private struct Ingests {
    let store: SQLiteStore
    var clock = Date(timeIntervalSince1970: 1_543_622_400)  // 2018-12-01T00:00:00Z
    var count = 0

    /// One payload of `source`, one day after the last; `snapshot` records removals.
    @discardableResult
    mutating func ingest(_ rows: [(String, String, String?)], source: String = "src", snapshot: Bool = false) throws -> Release? {
        clock = clock.addingTimeInterval(86_400)
        count += 1
        let frequencies = try store.seriesFrequencies()
        var builder = PayloadBuilder(origin: "payload-\(count).csv") { frequencies[$0] }
        for (i, row) in rows.enumerated() {
            try builder.add(series: row.0, period: row.1, value: row.2, ordinal: Int32(i + 2), place: .line(i + 2))
        }
        let sha = String(repeating: "0", count: 56) + String(count, radix: 16).leftPadded(8)
        if case let .released(release) = try store.ingest(try builder.finish(), source: source, recordRemovals: snapshot, sha256: sha, at: clock) {
            return release
        }
        return nil
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }

    /// How often `needle` occurs.
    func occurrences(of needle: String) -> Int { components(separatedBy: needle).count - 1 }

    /// Every `href="…"` value, entities decoded as a browser would.
    var links: [String] {
        components(separatedBy: "href=\"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&") }
    }
}

@Suite("Pages: /, /series/{key}, /releases/{id}")
struct PageTests {
    @Test("a series name, unit and key are escaped everywhere, the chart's SVG included; no script anywhere")
    func escaping() async throws {
        let listener = try await RunningListener.start { store in
            _ = try store.applyCatalogue([SeriesMetadata(key: "x.evil", name: "<script>alert(\"pwn\")</script> & co", unit: "<b>bn</b>", frequency: .annual)])
            var ingests = Ingests(store: store)
            try ingests.ingest([("x.evil", "2017", "1.5"), ("x.evil", "2018", "2")], source: "s<1>")
        }
        try await listener.stopping {
            for path in ["/", "/series/x.evil", "/releases/1"] {
                let page = try await HTTPTestClient.get(port: listener.port, path)
                #expect(page.status == 200, "\(path)")
                #expect(page.headers["content-type"] == "text/html; charset=utf-8")
                #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
                #expect(!page.text.contains("<script"), "\(path) has an unescaped <script")
                #expect(!page.text.contains("<b>"), "\(path) has an unescaped <b>")
                #expect(!page.text.contains("s<1>"), "\(path) has an unescaped source id")
            }
            let series = try await HTTPTestClient.get(port: listener.port, "/series/x.evil").text
            #expect(series.contains("&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt; &amp; co"))
            // The chart's own title and unit label, written by the renderer.
            let svg = try #require(series.components(separatedBy: "<svg").last)
            #expect(svg.contains("<title id=\"chart-title\">x.evil — &lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt; &amp; co</title>"))
            #expect(svg.contains(">&lt;b&gt;bn&lt;/b&gt;</text>"))
        }
    }

    @Test("the series chart draws one line per release that wrote the series, the latest marked and labelled")
    func oneLinePerVintage() async throws {
        let listener = try await RunningListener.start { store in
            _ = try store.applyCatalogue([SeriesMetadata(key: "gdp.q", name: "GDP", unit: "USD bn", frequency: .quarterly)])
            var ingests = Ingests(store: store)
            try ingests.ingest([("gdp.q", "2018-Q1", "100.1"), ("gdp.q", "2018-Q2", "101.25")])
            try ingests.ingest([("gdp.q", "2018-Q2", "101.5"), ("gdp.q", "2018-Q3", "102")])
            try ingests.ingest([("other", "2018", "1")])  // a release that does not write gdp.q
            try ingests.ingest([("gdp.q", "2018-Q1", "99.875"), ("gdp.q", "2018-Q4", "103")])
        }
        try await listener.stopping {
            let page = try await HTTPTestClient.get(port: listener.port, "/series/gdp.q")
            #expect(page.status == 200)
            let text = page.text
            #expect(text.occurrences(of: "<g class=\"vintage") == 3)
            #expect(text.occurrences(of: "<g class=\"vintage latest\"") == 1)
            #expect(text.contains("<g class=\"vintage\" data-release=\"1\">"))
            #expect(text.contains("<g class=\"vintage\" data-release=\"2\">"))
            #expect(text.contains("<g class=\"vintage latest\" data-release=\"4\">"))
            #expect(!text.contains("data-release=\"3\""))
            // The latest line passes through its four values, labelled with the stored text.
            let latest = try #require(text.components(separatedBy: "data-release=\"4\">").last?.components(separatedBy: "</g>").first)
            #expect(latest.occurrences(of: "<circle") == 4)
            #expect(latest.contains("2018-Q1: 99.875 (release 4, latest"))
            #expect(latest.contains(">latest: 103</text>"))
            // Release 1's vintage knew two quarters.
            let first = try #require(text.components(separatedBy: "data-release=\"1\">").last?.components(separatedBy: "</g>").first)
            #expect(first.occurrences(of: "<circle") == 2)
            #expect(first.contains("2018-Q2: 101.25"))
            // The legend says it in words; the history lists the revisions with their change.
            #expect(text.contains("<strong>latest</strong>, thick solid line: <a href=\"/releases/4\">release 4</a>"))
            #expect(text.contains("earlier, thin dashed line: <a href=\"/releases/1\">release 1</a>"))
            #expect(text.contains("<td>2018-Q1</td><td class=\"n\"><a href=\"/releases/4\">4</a></td><td class=\"n\">100.1</td><td class=\"n\">99.875</td><td class=\"n\">-0.22 %</td>"))
            #expect(text.contains("<td>2018-Q2</td><td class=\"n\"><a href=\"/releases/2\">2</a></td><td class=\"n\">101.25</td><td class=\"n\">101.5</td><td class=\"n\">+0.25 %</td>"))
            // Latest values, newest period first.
            let values = try #require(text.components(separatedBy: "id=\"values\"").last)
            let q4 = try #require(values.range(of: "<td>2018-Q4</td><td class=\"n\">103</td>"))
            let q1 = try #require(values.range(of: "<td>2018-Q1</td><td class=\"n\">99.875</td>"))
            #expect(q4.lowerBound < q1.lowerBound)
        }
    }

    @Test("unknown series and releases answer 404 pages; a key with a slash or non-ASCII letters has a page")
    func notFound() async throws {
        let listener = try await RunningListener.start { store in
            var ingests = Ingests(store: store)
            try ingests.ingest([("kz/grp", "2018", "1"), ("kz.г.Алматы", "2018", "2")])
        }
        try await listener.stopping {
            for path in ["/series/nope", "/series/", "/series/%zz", "/releases/2", "/releases/0", "/releases/abc", "/releases/-1"] {
                let page = try await HTTPTestClient.get(port: listener.port, path)
                #expect(page.status == 404, "\(path) answered \(page.status)")
                #expect(page.headers["content-type"] == "text/html; charset=utf-8", "\(path)")
                #expect(page.text.contains("<h1>Not found</h1>"), "\(path)")
            }
            let home = try await HTTPTestClient.get(port: listener.port, "/").text
            #expect(home.contains("href=\"/series/kz%2Fgrp\""))
            #expect(home.contains("href=\"/series/kz.%D0%B3.%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B\""))
            for path in ["/series/kz%2Fgrp", "/series/kz/grp", "/series/kz.%D0%B3.%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B"] {
                let page = try await HTTPTestClient.get(port: listener.port, path)
                #expect(page.status == 200, "\(path) answered \(page.status)")
            }
        }
    }

    @Test("the release page counts what it added, revised and removed and lists each change")
    func releaseCounts() async throws {
        let listener = try await RunningListener.start { store in
            var ingests = Ingests(store: store)
            try ingests.ingest([("a", "2017", "1"), ("a", "2018", "2"), ("b", "2018", "5")], snapshot: true)
            try ingests.ingest([("a", "2017", "1"), ("a", "2018", "2.5"), ("c", "2018", "7"), ("c", "2019", "8")], snapshot: true)
        }
        try await listener.stopping {
            let page = try await HTTPTestClient.get(port: listener.port, "/releases/2")
            #expect(page.status == 200)
            let text = page.text
            #expect(text.contains("<h1>Release 2</h1>"))
            #expect(text.contains("source src · 2 added · 1 revised · 1 removed · 1 unchanged"))
            #expect(text.occurrences(of: "<td>added</td>") == 2)
            #expect(text.occurrences(of: "<td>revised</td>") == 1)
            #expect(text.occurrences(of: "<td>removed</td>") == 1)
            #expect(text.contains("<td><a class=\"key\" href=\"/series/a\">a</a></td><td>2018</td><td>revised</td><td class=\"n\">2</td><td class=\"n\">2.5</td><td class=\"n\">+25.00 %</td>"))
            #expect(text.contains("<td><a class=\"key\" href=\"/series/b\">b</a></td><td>2018</td><td>removed</td><td class=\"n\">5</td><td class=\"n\">removed</td>"))
            #expect(!text.contains("next "))
        }
    }

    @Test("a big release is shown a page at a time, with links to the next and previous pages")
    func releasePaged() async throws {
        let total = 1_234
        let listener = try await RunningListener.start { store in
            var ingests = Ingests(store: store)
            try ingests.ingest((0..<total).map { ("s.\(String($0).leftPadded(5))", "2018", "\($0)") })
        }
        try await listener.stopping {
            let first = try await HTTPTestClient.get(port: listener.port, "/releases/1").text
            #expect(first.occurrences(of: "<td>added</td>") == 500)
            #expect(first.contains("Changes 1–500 of \(total)"))
            #expect(first.contains("href=\"/releases/1?offset=500\""))
            let last = try await HTTPTestClient.get(port: listener.port, "/releases/1?offset=1000").text
            #expect(last.occurrences(of: "<td>added</td>") == total - 1_000)
            #expect(last.contains("Changes 1001–\(total) of \(total)"))
            #expect(last.contains("href=\"/releases/1?offset=500\""))
            #expect(!last.contains("?offset=1500"))
            #expect(last.contains(">s.01233</a>"))
            #expect(!last.contains(">s.00999</a>"))
        }
    }

    @Test("a long series' page reads its newest 1,000 periods for the chart and history, and pages the latest values over all of it")
    func longSeries() async throws {
        let periods = (0..<1_500).map { String(format: "%04d-%02d", 1900 + $0 / 12, $0 % 12 + 1) }
        let listener = try await RunningListener.start { store in
            var ingests = Ingests(store: store)
            try ingests.ingest(periods.map { ("m.long", $0, "1") })
            // The oldest period revised (outside what the page reads), and the newest.
            try ingests.ingest(periods.enumerated().map { i, p in ("m.long", p, i == 0 || i == 1_499 ? "2" : "1") })
        }
        try await listener.stopping {
            let first = try await HTTPTestClient.get(port: listener.port, "/series/m.long")
            #expect(first.status == 200)
            #expect(first.text.contains("the chart, the history and the revisions cover its newest 1000 periods"))
            #expect(first.text.contains(">2024-12</td>") && !first.text.contains(">1900-01</td>"))
            #expect(first.text.contains("href=\"/series/m.long?offset=100\""))
            // The oldest values, 1,400 periods back: the last page, no older one.
            let last = try await HTTPTestClient.get(port: listener.port, "/series/m.long?offset=1400").text
            #expect(last.contains(">1900-01</td>") && last.contains(">1908-04</td>") && !last.contains(">1908-05</td>"))
            #expect(!last.contains("?offset=1500"))
            #expect(last.contains("href=\"/series/m.long?offset=1300\""))
        }
    }

    @Test("the front page lists sources with their state, firing alerts, releases and series; every link answers 200")
    func homeAndLinks() async throws {
        let listener = try await RunningListener.start { store in
            _ = try store.applyCatalogue([SeriesMetadata(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: .annual)])
            var ingests = Ingests(store: store)
            try ingests.ingest([("cn-kz.trade.total", "2018", "19.885")], source: "bri")
            try ingests.ingest([("cn-kz.trade.total", "2018", "20.2")], source: "bri")
            try store.recordFailure(source: "broken", message: "HTTP 503 from the publisher", at: ingests.clock, count: 3)
        }
        try await listener.stopping {
            let home = try await HTTPTestClient.get(port: listener.port, "/")
            #expect(home.status == 200)
            let text = home.text
            #expect(text.contains("<td class=\"state-failing\">failing</td>"))
            #expect(text.contains("HTTP 503 from the publisher"))
            #expect(text.contains("<a href=\"/releases/2\">2</a>"))
            #expect(text.contains("<a class=\"key\" href=\"/series/cn-kz.trade.total\">cn-kz.trade.total</a>"))
            #expect(text.contains("<meta name=\"viewport\""))
            #expect(text.contains("prefers-color-scheme:dark"))
            var seen: Set<String> = []
            var queue = ["/"]
            while let path = queue.popLast() {
                guard seen.insert(path).inserted else { continue }
                let page = try await HTTPTestClient.get(port: listener.port, path)
                #expect(page.status == 200, "\(path) answered \(page.status)")
                queue += page.text.links.filter { $0.hasPrefix("/") && !seen.contains($0) }
            }
            #expect(seen.contains("/series/cn-kz.trade.total"))
            #expect(seen.contains("/releases/1"))
            let head = try await HTTPTestClient.get(port: listener.port, "/series/cn-kz.trade.total", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test("with tokens, /?api_key= sets the pages' cookie and sends the browser on without the key; links carry none, the cookie is accepted, a wrong one is not")
    func tokenCookie() async throws {
        let listener = try await RunningListener.start(tokens: ["t&k; x"]) { store in
            var ingests = Ingests(store: store)
            try ingests.ingest([("a", "2018", "1")])
        }
        try await listener.stopping {
            let refused = try await HTTPTestClient.get(port: listener.port, "/")
            #expect(refused.status == 401)
            let signIn = try await HTTPTestClient.get(port: listener.port, "/series/a?offset=0&api_key=t%26k%3B%20x")
            #expect(signIn.status == 303)
            #expect(signIn.headers["location"] == "/series/a?offset=0")
            let cookie = try #require(signIn.headers["set-cookie"])
            #expect(cookie == "brid_token=t%26k%3B%20x; Path=/; HttpOnly; SameSite=Strict")
            #expect(signIn.headers["referrer-policy"] == "no-referrer")
            // `//series/a` reaches the series page; sent on as `//series/a` the browser would go to host "series".
            let elsewhere = try await HTTPTestClient.get(port: listener.port, "//series/a?api_key=t%26k%3B%20x")
            #expect(elsewhere.status == 303 && elsewhere.headers["location"] == "/series/a", "\(elsewhere.status) \(elsewhere.headers)")
            let wrongKey = try await HTTPTestClient.get(port: listener.port, "/?api_key=nope")
            #expect(wrongKey.status == 401 && wrongKey.headers["set-cookie"] == nil)

            let sent = [("Cookie", "theme=dark; " + cookie.prefix { $0 != ";" })]
            let home = try await HTTPTestClient.get(port: listener.port, "/", headers: sent)
            #expect(home.status == 200)
            let links = home.text.links.filter { $0.hasPrefix("/") }
            #expect(!links.isEmpty)
            for link in links {
                #expect(!link.contains("api_key"), "\(link)")
                let page = try await HTTPTestClient.get(port: listener.port, link, headers: sent)
                #expect(page.status == 200, "\(link) answered \(page.status)")
            }
            // The cookie serves the API too; a wrong one is refused.
            #expect(try await HTTPTestClient.get(port: listener.port, "/fred/series?series_id=a", headers: sent).status == 200)
            #expect(try await HTTPTestClient.get(port: listener.port, "/", headers: [("Cookie", "brid_token=t%26k")]).status == 401)
        }
    }
}
