@testable import BridHTTP
import Testing

/// A fixed-seed generator (SplitMix64): the same texts on every run.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Texts made of what HTML treats specially and what it does not.
private func texts(_ count: Int, seed: UInt64 = 13) -> [String] {
    let alphabet: [String] = ["<", ">", "&", "\"", "'", "a", "Z", "0", " ", "\n", "=", "/", "é", "e\u{301}", "😀", "&amp;", "&lt;", "<script>", "{{x}}", "\u{7F}", "\\", "`"]
    var random = SplitMix(state: seed)
    return (0..<count).map { _ in
        (0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
    }
}

/// `text` with the five entities `PageText.escape` writes decoded; nil when an `&` starts anything else.
private func decoded(_ text: Substring) -> String? {
    let entities = [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'")]
    var out = ""
    var rest = text
    while let amp = rest.firstIndex(of: "&") {
        out += rest[..<amp]
        rest = rest[amp...]
        guard let entity = entities.first(where: { rest.hasPrefix($0.0) }) else { return nil }
        out += entity.1
        rest = rest.dropFirst(entity.0.count)
    }
    return out + rest
}

@Suite("HTML: every interpolated text is escaped")
struct HTMLTests {
    @Test("a text interpolated into an attribute and an element comes out with no < > \" ' and no bare &, and decodes to itself")
    func everyTextIsEscaped() {
        for text in texts(2_000) {
            let html: HTML = "<p title=\"\(text)\">\(text)</p>"
            let inner = html.text.dropFirst("<p title=\"".count).dropLast("</p>".count)
            let parts = inner.components(separatedBy: "\">")
            #expect(parts.count == 2, "\(text.debugDescription) → \(html.text.debugDescription)")
            for part in parts {
                #expect(!part.contains(where: { "<>\"'".contains($0) }), "\(text.debugDescription) → \(html.text.debugDescription)")
                #expect(decoded(Substring(part)) == text, "\(text.debugDescription) → \(part.debugDescription)")
            }
        }
    }

    @Test("numbers are digits, nil is nothing, HTML is inserted once (not escaped twice), raw: is as it is")
    func theOtherInserts() {
        let cell: HTML = "<td>\("a<b")</td>"
        let missing: HTML? = nil
        let row: HTML = "<tr>\(cell)\(missing)<td>\(Int64(-42))</td><td>\(7)</td>\(raw: "<svg>&</svg>")</tr>"
        #expect(row.text == "<tr><td>a&lt;b</td><td>-42</td><td>7</td><svg>&</svg></tr>")
        #expect(HTML([cell, cell]).text == "<td>a&lt;b</td><td>a&lt;b</td>")
        #expect((cell + "<br>").text == "<td>a&lt;b</td><br>")
        #expect(HTML("x\("&")y").text == "x&amp;y")
    }

    /// Every text field of every page's model set to one hostile text between two markers:
    /// each place the page shows a text, the whole text follows escaped (the chart and the
    /// style sheet are brid's own and not in the models' texts).
    @Test("every text of every page's model is escaped in the page", arguments: texts(12, seed: 6).map { "<'\"&>" + $0 })
    func pagesEscapeEveryText(_ hostile: String) {
        let marker = "\u{1}" + hostile + "\u{2}"
        let escaped = PageText.escape(marker)
        let frame = PageFrame(title: marker, home: marker, now: marker)
        let home = HomePage(
            frame: frame, sourceCount: marker, alertCount: marker, releaseCount: marker,
            sources: [.init(id: marker, name: marker, kind: marker, format: marker, state: marker, lastCheck: marker, lastSuccess: marker,
                            failures: 1, lastRelease: 2, lastReleaseLink: marker, lastError: marker)],
            alerts: [.init(id: 1, severity: marker, rule: marker, target: marker, seriesLink: marker, period: marker, fired: marker, acked: marker, summary: marker),
                     .init(id: 2, severity: marker, rule: marker, target: marker, seriesLink: nil, period: marker, fired: marker, acked: marker, summary: marker)],
            releases: [.init(id: 1, link: marker, source: marker, ingested: marker, origin: marker, added: 1, revised: 2, removed: 3, unchanged: 4)],
            series: [.init(key: marker, link: marker, name: marker, period: marker, value: marker, unit: marker, frequency: marker, source: marker)],
            afterKey: marker, moreSeries: marker)
        let emptyHome = HomePage(frame: frame, sourceCount: marker, alertCount: marker, releaseCount: marker, sources: [], alerts: [], releases: [], series: [],
                                 afterKey: marker, moreSeries: nil)
        let series = SeriesPage(
            frame: frame, key: marker, name: marker, unit: marker, frequency: marker, source: marker, chart: "<svg></svg>",
            legend: [.init(id: 2, link: marker, time: marker, latest: true), .init(id: 1, link: marker, time: marker, latest: false)],
            hidden: marker, vintages: [.init(id: 1, link: marker, time: marker, added: 1, revised: 2, removed: 3)],
            revisions: [.init(period: marker, release: 2, link: marker, was: marker, now: marker, change: marker)], moreRevisions: marker,
            values: [.init(period: marker, value: marker, status: marker, release: 2, link: marker)], newer: marker, older: marker)
        let release = ReleasePage(
            frame: frame, id: 3, source: marker, ingested: marker, published: marker, origin: marker, sha256: marker,
            added: 1, revised: 2, removed: 3, unchanged: 4, range: marker,
            changes: [.init(series: marker, link: marker, period: marker, kind: marker, was: marker, now: marker, change: marker)],
            pageSize: 500, previous: marker, next: marker)
        let missing = MissingPage(frame: frame, message: marker)
        // How often each page shows a text: the text fields of its model it renders, counted by hand
        // (the layout's 3; a source row's 10 with its state twice; an alert's 9, or 8 without a link; …).
        let pages: [(String, HTML, Int)] = [
            ("home", PageTemplates.home(home), 3 + 3 + 10 + 9 + 8 + 4 + 8 + 1),
            ("home without rows", PageTemplates.home(emptyHome), 3 + 3 + 1),
            ("series", PageTemplates.series(series), 3 + 1 + 4 + 2 * 2 + 1 + 2 + 5 + 1 + 4 + 2),
            ("release", PageTemplates.release(release), 3 + 1 + 4 + 1 + 7 + 2),
            ("not found", PageTemplates.missing(missing), 3 + 1 + 1),
        ]
        for (name, page, shown) in pages {
            let starts = page.text.components(separatedBy: "\u{1}").dropFirst()
            #expect(starts.count == shown, "\(name) shows a text \(starts.count) times, expected \(shown)")
            for rest in starts {
                #expect(rest.hasPrefix(escaped.dropFirst()), "\(name) shows \(hostile.debugDescription) as \(rest.prefix(80).debugDescription)")
            }
        }
    }
}
