import BridCore
import BridStore
import Foundation
import Hummingbird
import NIOCore

/// The pages: `/`, `/series/{key}`, `/releases/{id}` (README "The pages"). Server-rendered
/// HTML, charts as inline SVG, no script: what a browser on a machine without internet shows.
enum PageRoutes {
    /// Rows of a release's changes on one page (a release with a million changes is read
    /// a page at a time, never whole).
    static let changesPerPage = 500
    /// Periods of the latest values on one page.
    static let valuesPerPage = 100
    /// Series on the front page's list, a page at a time.
    static let seriesPerPage = 100
    /// Vintages drawn in the chart: the newest.
    static let vintagesDrawn = 12
    /// Revisions listed on a series page: the newest.
    static let revisionsListed = 200
    /// Releases listed in a series page's history: the newest.
    static let vintagesListed = 100
    /// What a series page reads of a long series for its chart, history and revisions:
    /// the newest periods, up to this many, and no more versions than `versionsRead` (a
    /// whole period at a time). The latest values are paged over the whole series.
    static let periodsRead = 1_000
    static let versionsRead = 50_000

    static func register(on router: HTTPRouter, reads: HTTPReads) {
        router.get("/") { request, _ in
            try await respond(request, reads: reads) { try await home(request, reads: reads) }
        }
        router.get("/series") { request, _ in
            try await respond(request, reads: reads) { missing("Which series? The front page lists them.", links(request, reads)) }
        }
        // A key may hold `/` (its links encode it as %2F; a typed one arrives raw).
        router.get("/series/**") { request, _ in
            try await respond(request, reads: reads) { try await series(request, reads: reads) }
        }
        router.get("/releases/:id") { request, context in
            try await respond(request, reads: reads) { try await release(request, id: context.parameters.get("id"), reads: reads) }
        }
    }

    // MARK: - Pages

    static func home(_ request: Request, reads: HTTPReads) async throws -> Response {
        let links = links(request, reads)
        let config = await reads.config()
        let after = request.uri.queryParameters["after"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let perPage = seriesPerPage
        let (states, statistics, alerts, firingTotal, releases, series, more) = try await reads.read { store in
            let (cursor, more) = try store.seriesCursor(SeriesFilter(after: after, limit: perPage))
            defer { cursor.close() }
            var series: [SeriesSummary] = []
            while true {
                let batch = try cursor.next(perPage + 1)
                if batch.isEmpty { break }
                series += batch
            }
            return (try store.sourceStates(), try store.statistics(), try store.alerts(includeResolved: false, limit: 200),
                    try store.firingCounts().values.reduce(0, +), try store.releases(limit: 20), series, more())
        }
        let stateByID = Dictionary(states.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Configured sources first (in the config's order), then any the store knows that
        // the config no longer has.
        var rows: [HomePage.SourceRow] = []
        func row(id: String, name: String?, kind: String, format: String, state: SourceState?) -> HomePage.SourceRow {
            let condition = state?.paused == true ? "paused"
                : (state?.consecutiveFailures ?? 0) > 0 ? "failing"
                : state?.lastCheckAt == nil ? "never-checked" : "ok"
            let last = statistics.lastRelease[id]
            return HomePage.SourceRow(id: id, name: name, kind: kind, format: format, state: condition,
                                      lastCheck: PageText.time(state?.lastCheckAt), lastSuccess: PageText.time(state?.lastSuccessAt),
                                      failures: state?.consecutiveFailures ?? 0, lastRelease: last,
                                      lastReleaseLink: last.map(links.release) ?? "", lastError: state?.lastError ?? "")
        }
        for source in config.sources {
            let kind: String
            switch source.location {
            case .url: kind = "url"
            case .drop: kind = "drop"
            }
            rows.append(row(id: source.id, name: source.name, kind: kind, format: source.format, state: stateByID[source.id]))
        }
        let configured = Set(config.sources.map(\.id))
        for state in states where !configured.contains(state.id) {
            rows.append(row(id: state.id, name: nil, kind: "not configured", format: "-", state: state))
        }
        let firing = alerts.filter { $0.state == .firing }
        let alertRows = firing.map { alert in
            HomePage.AlertRow(id: alert.id, severity: alert.severity.rawValue, rule: alert.rule,
                              target: alert.series ?? alert.source ?? "-", seriesLink: alert.series.map(links.series),
                              period: alert.period ?? "-", fired: PageText.time(alert.firedAt),
                              acked: alert.ackedAt.map { "acked " + PageText.time($0) } ?? "no", summary: alert.summary)
        }
        let releaseRows = releases.map { release in
            HomePage.ReleaseRow(id: release.id, link: links.release(release.id), source: release.sourceID,
                                ingested: PageText.time(release.ingestedAt), origin: release.origin, added: release.added,
                                revised: release.revised, removed: release.removed, unchanged: release.unchanged)
        }
        let seriesRows = series.map { summary in
            HomePage.SeriesRow(key: summary.key, link: links.series(summary.key), name: summary.name ?? "",
                               period: summary.latestPeriod ?? "-", value: summary.latestValue ?? "-", unit: summary.unit ?? "",
                               frequency: summary.frequency.code, source: summary.sourceID ?? "-")
        }
        let moreSeries = more ? series.last.map { links.withQuery("/", "after=" + PageText.queryValue($0.key)) } : nil
        let page = HomePage(
            frame: frame("Sources, alerts, releases", links), sourceCount: plural(rows.count, "source"),
            alertCount: plural(max(firingTotal, firing.count), "alert") + " firing", releaseCount: plural(statistics.releases, "release"),
            sources: rows, alerts: alertRows, releases: releaseRows, series: seriesRows, afterKey: after, moreSeries: moreSeries)
        return html(PageTemplates.home(page).text)
    }

    static func series(_ request: Request, reads: HTTPReads) async throws -> Response {
        let links = links(request, reads)
        let raw = request.uri.path.dropFirst("/series/".count)
        guard let key = PageText.percentDecoded(raw), !key.isEmpty else {
            return missing("There is no series \(String(raw)).", links)
        }
        let offset = max(0, offsetParameter(request))
        let found = try await reads.read { store -> SeriesRead? in
            guard let summary = try store.seriesInfo(key) else { return nil }
            return try SeriesRead(key: key, summary: summary, store: store, offset: offset)
        }
        guard let found else {
            return missing("There is no series \(key).", links)
        }
        let summary = found.summary
        let vintages = SeriesVintages(versions: found.window, releaseTimes: found.releaseTimes)
        let title = "\(key)\(summary.name.map { " — \($0)" } ?? "")"
        let chart = vintages.chart(title: title, unit: summary.unit, frequency: summary.frequency, limit: vintagesDrawn)
        let drawn = vintages.releases.suffix(vintagesDrawn)
        let legend = drawn.reversed().map { release in
            SeriesPage.LegendEntry(id: release.id, link: links.release(release.id), time: PageText.time(release.ingestedAt),
                                   latest: release.id == drawn.last?.id)
        }
        var notes: [String] = []
        if found.partial {
            notes.append("This series is long: the chart, the history and the revisions cover its newest \(plural(vintages.periods.count, "period")); `brictl export --vintages \(key)` writes every version.")
        }
        let hiddenCount = vintages.releases.count - drawn.count
        if hiddenCount > 0 {
            notes.append("The \(plural(hiddenCount, "earlier vintage")) before these are not drawn; the history below lists \(vintages.releases.count > vintagesListed ? "the newest \(vintagesListed) releases" : "every release").")
        }
        let counts = vintages.counts()
        let vintageRows = vintages.releases.suffix(vintagesListed).reversed().map { release in
            let count = counts[release.id] ?? (0, 0, 0)
            return SeriesPage.VintageRow(id: release.id, link: links.release(release.id), time: PageText.time(release.ingestedAt),
                                         added: count.added, revised: count.revised, removed: count.removed)
        }
        let revisions = vintages.revisions()
        let revisionRows = revisions.prefix(revisionsListed).map { revision in
            SeriesPage.RevisionRow(period: revision.period, release: revision.releaseID, link: links.release(revision.releaseID),
                                   was: revision.previousValue ?? "no value",
                                   now: revision.removed ? "removed" : revision.value ?? "no value",
                                   change: revision.removed ? "" : PageText.change(from: revision.previousValue, to: revision.value) ?? "")
        }
        let valueRows = found.values.map { version in
            SeriesPage.ValueRow(period: version.period, value: version.value ?? "no value", status: version.status ?? "",
                                release: version.releaseID, link: links.release(version.releaseID))
        }
        let path = "/series/" + PageText.pathSegment(key)
        let page = SeriesPage(
            frame: frame(key, links), key: key, name: summary.name, unit: summary.unit, frequency: frequencyName(summary.frequency),
            source: summary.sourceID, chart: chart.svg(), legend: Array(legend),
            hidden: notes.isEmpty ? nil : notes.joined(separator: " "),
            vintages: Array(vintageRows), revisions: Array(revisionRows),
            moreRevisions: revisions.count > revisionsListed
                ? "The newest \(revisionsListed) of \(revisions.count) are listed; `brictl history \(key) PERIOD` shows any period's." : nil,
            values: Array(valueRows),
            newer: offset > 0 ? links.page(path, offset: max(0, offset - valuesPerPage)) : nil,
            older: found.moreValues ? links.page(path, offset: offset + valuesPerPage) : nil)
        return html(PageTemplates.series(page).text)
    }

    static func release(_ request: Request, id text: String?, reads: HTTPReads) async throws -> Response {
        let links = links(request, reads)
        guard let text, let id = Int64(text), id > 0 else {
            return missing("There is no release \(text ?? "").", links)
        }
        let offset = max(0, offsetParameter(request))
        let perPage = changesPerPage
        // One page of the changes, read through a cursor: the rows before the page are
        // stepped over, never held.
        let found = try await reads.read { store -> (Release, [ObservationChange], Bool)? in
            guard let release = try store.release(id: id) else { return nil }
            let cursor = try store.changesCursor(release: id)
            defer { cursor.close() }
            var skipped = 0
            var page: [ObservationChange] = []
            while page.count <= perPage {
                let batch = try cursor.next(min(1_000, perPage + 1))
                if batch.isEmpty { break }
                for change in batch {
                    if skipped < offset { skipped += 1; continue }
                    page.append(change)
                    if page.count > perPage { break }
                }
            }
            let more = page.count > perPage
            return (release, Array(page.prefix(perPage)), more)
        }
        guard let (release, changes, more) = found else {
            return missing("There is no release \(id).", links)
        }
        let rows = changes.map { change in
            ReleasePage.ChangeRow(series: change.series, link: links.series(change.series), period: change.period, kind: change.kind.rawValue,
                                  was: change.kind == .added ? "" : change.previousValue ?? "no value",
                                  now: change.kind == .removed ? "removed" : change.value ?? "no value",
                                  change: change.kind == .revised ? PageText.change(from: change.previousValue, to: change.value) ?? "" : "")
        }
        let path = "/releases/\(id)"
        let total = release.added + release.revised + release.removed
        let page = ReleasePage(
            frame: frame("Release \(id)", links), id: id, source: release.sourceID, ingested: PageText.time(release.ingestedAt),
            published: release.publishedAt.map(PageText.time), origin: release.origin, sha256: release.sha256,
            added: release.added, revised: release.revised, removed: release.removed, unchanged: release.unchanged,
            range: rows.isEmpty || (offset == 0 && !more) ? nil : "\(offset + 1)–\(offset + rows.count) of \(total)",
            changes: rows, pageSize: perPage,
            previous: offset > 0 ? links.page(path, offset: max(0, offset - perPage)) : nil,
            next: more ? links.page(path, offset: offset + perPage) : nil)
        return html(PageTemplates.release(page).text)
    }

    // MARK: - Pieces

    private static func frame(_ title: String, _ links: PageLinks) -> PageFrame {
        PageFrame(title: title, home: links.home, now: PageText.time(links.now))
    }

    private static func missing(_ message: String, _ links: PageLinks) -> Response {
        html(PageTemplates.missing(MissingPage(frame: frame("Not found", links), message: message)).text, status: .notFound)
    }

    private static func links(_ request: Request, _ reads: HTTPReads) -> PageLinks {
        PageLinks(now: reads.now())
    }

    /// A store that cannot be read answers 503 with a page saying so (never a stack trace).
    /// A page asked for with `api_key=` is answered by `signIn`.
    private static func respond(_ request: Request, reads: HTTPReads, _ page: () async throws -> Response) async throws -> Response {
        if let signedIn = signIn(request) { return signedIn }
        do {
            return try await page()
        } catch {
            let page: HTML = #"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Store unavailable · brid</title></head>"#
                + "<body><h1>The store cannot be read</h1><p>\(reads.failed(request, error))</p></body></html>"
            return html(page.text, status: .serviceUnavailable)
        }
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // Nothing but the page itself: no script runs, nothing is fetched from elsewhere,
        // and a token in a link's query is not sent on as a referrer.
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPFields.Element.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A page asked for with `?api_key=TOKEN` (accepted by then: the token middleware
    /// runs first) is sent to the same address without it (303), with the token as an
    /// HttpOnly, SameSite=Strict cookie: the links of the pages then carry no token, and the
    /// browser's history and bookmarks keep none past the first address.
    static func signIn(_ request: Request) -> Response? {
        guard let token = request.uri.queryParameters["api_key"] else { return nil }
        let rest = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("api_key=") && $0 != "api_key" }
        var headers = HTTPFields()
        // One leading slash: `//host/…` would send the browser to another host.
        headers[.location] = "/" + request.uri.path.drop { $0 == "/" } + (rest.isEmpty ? "" : "?" + rest.joined(separator: "&"))
        headers[.setCookie] = "\(TokenMiddleware.cookie)=\(PageText.queryValue(String(token))); Path=/; HttpOnly; SameSite=Strict"
        headers[.cacheControl] = "no-store"
        headers[HTTPFields.Element.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .seeOther, headers: headers)
    }

    private static func offsetParameter(_ request: Request) -> Int {
        request.uri.queryParameters["offset"].flatMap { Int(String($0)) } ?? 0
    }

    private static func plural(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    private static func frequencyName(_ frequency: Frequency) -> String {
        switch frequency {
        case .annual: "annual"
        case .quarterly: "quarterly"
        case .monthly: "monthly"
        case .weekly: "weekly"
        case .daily: "daily"
        }
    }
}

/// What a series page reads, bounded whatever the series' length: the newest periods'
/// versions (at most `PageRoutes.periodsRead` periods and about `versionsRead` versions,
/// read newest first and stopped there) and one page of the latest values, both from the
/// ends of the series' index; and the times of the releases that wrote it.
struct SeriesRead {
    let summary: SeriesSummary
    /// Oldest first, as `SeriesVintages` takes them.
    let window: [SeriesVersion]
    /// Whether older periods were left out of `window`.
    let partial: Bool
    /// The current version of each period not removed, newest period first, from `offset`.
    let values: [SeriesVersion]
    let moreValues: Bool
    let releaseTimes: [Int64: Date]

    init(key: String, summary: SeriesSummary, store: any VintageStore, offset: Int) throws {
        self.summary = summary
        var window: [SeriesVersion] = []
        var periods = 0
        var period: String?
        var partial = false
        // The values page is gathered from the same pass; only a page past what the window
        // read (a deep offset into a long series) reads the series again.
        var page = ValuesPage(offset: offset)
        _ = try store.forEachVersion(series: key, from: nil, to: nil, descending: true) { version in
            if version.period != period {
                period = version.period
                periods += 1
                if periods > PageRoutes.periodsRead || window.count >= PageRoutes.versionsRead {
                    partial = true
                    return false
                }
            }
            window.append(version)
            _ = page.take(version)
            return true
        }
        self.window = window.reversed()
        self.partial = partial
        if partial, !page.more {
            page = ValuesPage(offset: offset)
            _ = try store.forEachVersion(series: key, from: nil, to: nil, descending: true) { page.take($0) }
        }
        values = page.values
        moreValues = page.more
        releaseTimes = Dictionary(try store.releasesWriting(series: key).map { ($0.id, $0.ingestedAt) }, uniquingKeysWith: { a, _ in a })
    }
}

/// One page of a series' latest values, gathered from its versions newest first (newest
/// first within each period too, so a period's first version is its current one).
private struct ValuesPage {
    let offset: Int
    private(set) var values: [SeriesVersion] = []
    /// The page is full and more values follow (then the page needs nothing further).
    private(set) var more = false
    private var skipped = 0
    private var period: String?

    init(offset: Int) { self.offset = offset }

    /// Takes the next version; false once the page is complete.
    mutating func take(_ version: SeriesVersion) -> Bool {
        guard !more else { return false }
        guard version.period != period else { return true }
        period = version.period
        guard !version.removed else { return true }
        if skipped < offset { skipped += 1; return true }
        guard values.count < PageRoutes.valuesPerPage else { more = true; return false }
        values.append(version)
        return true
    }
}
