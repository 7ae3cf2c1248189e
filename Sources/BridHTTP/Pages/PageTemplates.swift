/// The pages' HTML, written by Swift functions over the models (PageModels.swift) and
/// compiled into the binary: nothing to install beside it, nothing parsed at run time, and a
/// missing field is a compile error. Every text is escaped by `HTML`'s interpolation; the
/// only unescaped inserts (`raw:`) are the style sheet and the chart, which brid writes itself.
enum PageTemplates {
    static func layout(_ frame: PageFrame, main: HTML) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>\(frame.title) · brid</title>
        <link rel="icon" href="data:,">
        <style>\(raw: frame.css)</style>
        </head>
        <body>
        <header><a href="\(frame.home)">brid</a> <span class="note">· vintages of time series, read-only</span></header>
        <main>
        \(main)
        </main>
        <footer>brid \(frame.version) · page rendered \(frame.now) UTC · no scripts, nothing loaded from elsewhere</footer>
        </body>
        </html>

        """
    }

    static func home(_ page: HomePage) -> HTML {
        let sources = table(
            head: #"<th>Source</th><th>Kind</th><th>Format</th><th>State</th><th>Last check</th><th>Last success</th><th class="n">Fails</th><th>Last release</th><th>Last error</th>"#,
            rows: page.sources.map { row in
                let name = row.name.map { name -> HTML in #"<br><span class="note">\#(name)</span>"# }
                let release = row.lastRelease.map { id -> HTML in #"<a href="\#(row.lastReleaseLink)">release \#(id)</a>"# } ?? "-"
                return #"<tr><td class="named"><span class="key">\#(row.id)</span>\#(name)</td><td>\#(row.kind)</td><td>\#(row.format)</td><td class="state-\#(row.state)">\#(row.state)</td><td>\#(row.lastCheck)</td><td>\#(row.lastSuccess)</td><td class="n">\#(row.failures)</td><td>\#(release)</td><td class="wrap">\#(row.lastError)</td></tr>"#
            })
        let alerts = table(
            head: #"<th class="n">ID</th><th>Severity</th><th>Rule</th><th>Series / source</th><th>Period</th><th>Fired</th><th>Acked</th><th>Summary</th>"#,
            rows: page.alerts.map { row in
                let target = row.seriesLink.map { link -> HTML in #"<a class="key" href="\#(link)">\#(row.target)</a>"# } ?? "\(row.target)"
                return #"<tr><td class="n">\#(row.id)</td><td class="sev-\#(row.severity)">\#(row.severity)</td><td>\#(row.rule)</td><td>\#(target)</td><td>\#(row.period)</td><td>\#(row.fired)</td><td>\#(row.acked)</td><td class="wrap">\#(row.summary)</td></tr>"#
            })
        let releases = table(
            head: #"<th class="n">Release</th><th>Source</th><th>Ingested</th><th>Origin</th><th class="n">Added</th><th class="n">Revised</th><th class="n">Removed</th><th class="n">Unchanged</th>"#,
            rows: page.releases.map { row in
                #"<tr><td class="n"><a href="\#(row.link)">\#(row.id)</a></td><td>\#(row.source)</td><td>\#(row.ingested)</td><td>\#(row.origin)</td><td class="n">\#(row.added)</td><td class="n">\#(row.revised)</td><td class="n">\#(row.removed)</td><td class="n">\#(row.unchanged)</td></tr>"#
            })
        let series = table(
            head: #"<th>Series</th><th>Name</th><th>Latest</th><th class="n">Value</th><th>Unit</th><th>Freq</th><th>Source</th>"#,
            rows: page.series.map { row in
                #"<tr><td><a class="key" href="\#(row.link)">\#(row.key)</a></td><td>\#(row.name)</td><td>\#(row.period)</td><td class="n">\#(row.value)</td><td>\#(row.unit)</td><td>\#(row.frequency)</td><td>\#(row.source)</td></tr>"#
            })
        let moreSeries = page.moreSeries.map { link -> HTML in #"<nav class="pages"><a href="\#(link)">more series →</a></nav>"# }
        let noSeries: HTML = "<p>No series \(page.afterKey.map { key -> HTML in "after \(key)" } ?? "yet").</p>"
        return layout(page.frame, main: """
            <h1>brid</h1>
            <p class="sub">\(page.sourceCount) · \(page.alertCount) · \(page.releaseCount)</p>

            <h2 id="sources">Sources</h2>
            \(either(page.sources.isEmpty, "<p>No source is configured or known to the store.</p>", sources))

            <h2 id="alerts">Firing alerts</h2>
            \(either(page.alerts.isEmpty, "<p>No alert is firing.</p>", alerts))

            <h2 id="releases">Latest releases</h2>
            \(either(page.releases.isEmpty, "<p>No release yet.</p>", releases))

            <h2 id="series">Series</h2>
            \(either(page.series.isEmpty, noSeries, "\(series)\(moreSeries)\n"))

            """)
    }

    static func series(_ page: SeriesPage) -> HTML {
        let sub: HTML = "\(page.name.map { name -> HTML in "\(name) · " })\(page.unit.map { unit -> HTML in "\(unit) · " })\(page.frequency)\(page.source.map { source -> HTML in " · source \(source)" })"
        let legend = HTML(page.legend.map { entry -> HTML in
            let line: HTML = entry.latest ? "<strong>latest</strong>, thick solid line: " : "earlier, thin dashed line: "
            let swatch: HTML = entry.latest ? "swatch latest" : "swatch"
            let item: HTML = #"<li><span class="\#(swatch)"></span>\#(line)<a href="\#(entry.link)">release \#(entry.id)</a>, \#(entry.time)</li>"#
            return "\(item)\n"
        })
        let hidden = page.hidden.map { text -> HTML in #"<p class="note">\#(text)</p>"# }
        let vintages = table(
            head: #"<th class="n">Release</th><th>Ingested</th><th class="n">Added</th><th class="n">Revised</th><th class="n">Removed</th>"#,
            rows: page.vintages.map { row in
                #"<tr><td class="n"><a href="\#(row.link)">\#(row.id)</a></td><td>\#(row.time)</td><td class="n">\#(row.added)</td><td class="n">\#(row.revised)</td><td class="n">\#(row.removed)</td></tr>"#
            })
        let revisions = table(
            head: #"<th>Period</th><th class="n">Release</th><th class="n">Was</th><th class="n">Now</th><th class="n">Change</th>"#,
            rows: page.revisions.map { row in
                #"<tr><td>\#(row.period)</td><td class="n"><a href="\#(row.link)">\#(row.release)</a></td><td class="n">\#(row.was)</td><td class="n">\#(row.now)</td><td class="n">\#(row.change)</td></tr>"#
            })
        let moreRevisions = page.moreRevisions.map { text -> HTML in #"<p class="note">\#(text)</p>"# }
        let values = table(
            head: #"<th>Period</th><th class="n">Value</th><th>Status</th><th class="n">Release</th>"#,
            rows: page.values.map { row in
                #"<tr><td>\#(row.period)</td><td class="n">\#(row.value)</td><td>\#(row.status)</td><td class="n"><a href="\#(row.link)">\#(row.release)</a></td></tr>"#
            })
        let newer = page.newer.map { link -> HTML in #"<a href="\#(link)">← newer periods</a>"# }
        let older = page.older.map { link -> HTML in #"<a href="\#(link)">older periods →</a>"# }
        return layout(page.frame, main: """
            <h1 class="key">\(page.key)</h1>
            <p class="sub">\(sub)</p>

            <h2 id="chart">Vintages</h2>
            <figure>
            \(raw: page.chart)
            <figcaption>
            <ul class="legend">
            \(legend)</ul>
            \(hidden)
            </figcaption>
            </figure>

            <h2 id="history">Revision history</h2>
            \(vintages)\(either(page.revisions.isEmpty, #"<p class="note">No value has been revised or removed.</p>"#, "<h3>Revisions and removals, newest first</h3>\n\(revisions)\(moreRevisions)\n"))

            <h2 id="values">Latest values</h2>
            \(either(page.values.isEmpty, #"<p class="note">No values on this page.</p>"#, values))
            <nav class="pages">\(newer)\(older)</nav>

            """)
    }

    static func release(_ page: ReleasePage) -> HTML {
        let published = page.published.map { time -> HTML in "<dt>Published</dt><dd>\(time)</dd>" }
        let changes = table(
            head: #"<th>Series</th><th>Period</th><th>Change</th><th class="n">Was</th><th class="n">Now</th><th class="n">Change</th>"#,
            rows: page.changes.map { row in
                #"<tr><td><a class="key" href="\#(row.link)">\#(row.series)</a></td><td>\#(row.period)</td><td>\#(row.kind)</td><td class="n">\#(row.was)</td><td class="n">\#(row.now)</td><td class="n">\#(row.change)</td></tr>"#
            })
        let previous = page.previous.map { link -> HTML in #"<a href="\#(link)">← previous \#(page.pageSize)</a>"# }
        let next = page.next.map { link -> HTML in #"<a href="\#(link)">next \#(page.pageSize) →</a>"# }
        return layout(page.frame, main: """
            <h1>Release \(page.id)</h1>
            <p class="sub">source \(page.source) · \(page.added) added · \(page.revised) revised · \(page.removed) removed · \(page.unchanged) unchanged</p>
            <dl class="facts">
            <dt>Ingested</dt><dd>\(page.ingested)</dd>
            \(published)
            <dt>Origin</dt><dd>\(page.origin)</dd>
            <dt>SHA-256</dt><dd><code>\(page.sha256)</code></dd>
            </dl>

            <h2 id="changes">Changes\(page.range.map { range -> HTML in " \(range)" })</h2>
            \(either(page.changes.isEmpty, #"<p class="note">No changes on this page.</p>"#, changes))
            <nav class="pages">\(previous)\(next)</nav>

            """)
    }

    static func missing(_ page: MissingPage) -> HTML {
        layout(page.frame, main: """
            <h1>Not found</h1>
            <p>\(page.message)</p>
            <p><a href="\(page.frame.home)">All sources, alerts, releases and series</a></p>

            """)
    }

    // MARK: - Pieces

    /// A table that scrolls sideways on a phone: the header's cells, then one row a line.
    private static func table(head: HTML, rows: [HTML]) -> HTML {
        """
        <div class="scroll"><table>
        <thead><tr>\(head)</tr></thead>
        <tbody>
        \(HTML(rows.map { row -> HTML in "\(row)\n" }))</tbody></table></div>

        """
    }

    /// `empty` when the condition holds, else `full`.
    private static func either(_ condition: Bool, _ empty: HTML, _ full: HTML) -> HTML {
        condition ? empty : full
    }
}
