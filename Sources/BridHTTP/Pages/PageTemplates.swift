import Mustache

/// The pages' Mustache templates, compiled into the binary (nothing to install beside it)
/// and parsed once. Every `{{value}}` is HTML-escaped by Mustache; the only unescaped
/// inserts (`{{{…}}}`) are the style sheet and the chart, which brid writes itself.
enum PageTemplates {
    /// Parsed at first use; a template that does not parse is a programming error the
    /// page tests catch.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [("layout", layout), ("home", home), ("series", series), ("release", release), ("missing", missing)] {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("page template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static func render(_ model: Any, _ name: String) -> String {
        library.render(model, withTemplate: name) ?? ""
    }

    static let layout = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <title>{{frame.title}} · brid</title>
    <link rel="icon" href="data:,">
    <style>{{{frame.css}}}</style>
    </head>
    <body>
    <header><a href="{{frame.home}}">brid</a> <span class="note">· vintages of time series, read-only</span></header>
    <main>
    {{$main}}{{/main}}
    </main>
    <footer>brid {{frame.version}} · page rendered {{frame.now}} UTC · no scripts, nothing loaded from elsewhere</footer>
    </body>
    </html>

    """

    static let home = """
    {{<layout}}{{$main}}
    <h1>brid</h1>
    <p class="sub">{{sourceCount}} · {{alertCount}} · {{releaseCount}}</p>

    <h2 id="sources">Sources</h2>
    {{#hasSources}}
    <div class="scroll"><table>
    <thead><tr><th>Source</th><th>Kind</th><th>Format</th><th>State</th><th>Last check</th><th>Last success</th><th class="n">Fails</th><th>Last release</th><th>Last error</th></tr></thead>
    <tbody>
    {{#sources}}
    <tr><td class="named"><span class="key">{{id}}</span>{{#name}}<br><span class="note">{{name}}</span>{{/name}}</td><td>{{kind}}</td><td>{{format}}</td><td class="state-{{state}}">{{state}}</td><td>{{lastCheck}}</td><td>{{lastSuccess}}</td><td class="n">{{failures}}</td><td>{{#lastRelease}}<a href="{{lastReleaseLink}}">release {{lastRelease}}</a>{{/lastRelease}}{{^lastRelease}}-{{/lastRelease}}</td><td class="wrap">{{lastError}}</td></tr>
    {{/sources}}
    </tbody></table></div>
    {{/hasSources}}
    {{^hasSources}}<p>No source is configured or known to the store.</p>{{/hasSources}}

    <h2 id="alerts">Firing alerts</h2>
    {{#hasAlerts}}
    <div class="scroll"><table>
    <thead><tr><th class="n">ID</th><th>Severity</th><th>Rule</th><th>Series / source</th><th>Period</th><th>Fired</th><th>Acked</th><th>Summary</th></tr></thead>
    <tbody>
    {{#alerts}}
    <tr><td class="n">{{id}}</td><td class="sev-{{severity}}">{{severity}}</td><td>{{rule}}</td><td>{{#seriesLink}}<a class="key" href="{{seriesLink}}">{{target}}</a>{{/seriesLink}}{{^seriesLink}}{{target}}{{/seriesLink}}</td><td>{{period}}</td><td>{{fired}}</td><td>{{acked}}</td><td class="wrap">{{summary}}</td></tr>
    {{/alerts}}
    </tbody></table></div>
    {{/hasAlerts}}
    {{^hasAlerts}}<p>No alert is firing.</p>{{/hasAlerts}}

    <h2 id="releases">Latest releases</h2>
    {{#hasReleases}}
    <div class="scroll"><table>
    <thead><tr><th class="n">Release</th><th>Source</th><th>Ingested</th><th>Origin</th><th class="n">Added</th><th class="n">Revised</th><th class="n">Removed</th><th class="n">Unchanged</th></tr></thead>
    <tbody>
    {{#releases}}
    <tr><td class="n"><a href="{{link}}">{{id}}</a></td><td>{{source}}</td><td>{{ingested}}</td><td>{{origin}}</td><td class="n">{{added}}</td><td class="n">{{revised}}</td><td class="n">{{removed}}</td><td class="n">{{unchanged}}</td></tr>
    {{/releases}}
    </tbody></table></div>
    {{/hasReleases}}
    {{^hasReleases}}<p>No release yet.</p>{{/hasReleases}}

    <h2 id="series">Series</h2>
    {{#hasSeries}}
    <div class="scroll"><table>
    <thead><tr><th>Series</th><th>Name</th><th>Latest</th><th class="n">Value</th><th>Unit</th><th>Freq</th><th>Source</th></tr></thead>
    <tbody>
    {{#series}}
    <tr><td><a class="key" href="{{link}}">{{key}}</a></td><td>{{name}}</td><td>{{period}}</td><td class="n">{{value}}</td><td>{{unit}}</td><td>{{frequency}}</td><td>{{source}}</td></tr>
    {{/series}}
    </tbody></table></div>
    {{#moreSeries}}<nav class="pages"><a href="{{moreSeries}}">more series →</a></nav>{{/moreSeries}}
    {{/hasSeries}}
    {{^hasSeries}}<p>No series {{#afterKey}}after {{afterKey}}{{/afterKey}}{{^afterKey}}yet{{/afterKey}}.</p>{{/hasSeries}}
    {{/main}}{{/layout}}
    """

    static let series = """
    {{<layout}}{{$main}}
    <h1 class="key">{{key}}</h1>
    <p class="sub">{{#name}}{{name}} · {{/name}}{{#unit}}{{unit}} · {{/unit}}{{frequency}}{{#source}} · source {{source}}{{/source}}</p>

    <h2 id="chart">Vintages</h2>
    <figure>
    {{{chart}}}
    <figcaption>
    <ul class="legend">
    {{#legend}}
    <li><span class="swatch{{#latest}} latest{{/latest}}"></span>{{#latest}}<strong>latest</strong>, thick solid line: {{/latest}}{{^latest}}earlier, thin dashed line: {{/latest}}<a href="{{link}}">release {{id}}</a>, {{time}}</li>
    {{/legend}}
    </ul>
    {{#hidden}}<p class="note">{{hidden}}</p>{{/hidden}}
    </figcaption>
    </figure>

    <h2 id="history">Revision history</h2>
    <div class="scroll"><table>
    <thead><tr><th class="n">Release</th><th>Ingested</th><th class="n">Added</th><th class="n">Revised</th><th class="n">Removed</th></tr></thead>
    <tbody>
    {{#vintages}}
    <tr><td class="n"><a href="{{link}}">{{id}}</a></td><td>{{time}}</td><td class="n">{{added}}</td><td class="n">{{revised}}</td><td class="n">{{removed}}</td></tr>
    {{/vintages}}
    </tbody></table></div>
    {{#hasRevisions}}
    <h3>Revisions and removals, newest first</h3>
    <div class="scroll"><table>
    <thead><tr><th>Period</th><th class="n">Release</th><th class="n">Was</th><th class="n">Now</th><th class="n">Change</th></tr></thead>
    <tbody>
    {{#revisions}}
    <tr><td>{{period}}</td><td class="n"><a href="{{link}}">{{release}}</a></td><td class="n">{{was}}</td><td class="n">{{now}}</td><td class="n">{{change}}</td></tr>
    {{/revisions}}
    </tbody></table></div>
    {{#moreRevisions}}<p class="note">{{moreRevisions}}</p>{{/moreRevisions}}
    {{/hasRevisions}}
    {{^hasRevisions}}<p class="note">No value has been revised or removed.</p>{{/hasRevisions}}

    <h2 id="values">Latest values</h2>
    {{#hasValues}}
    <div class="scroll"><table>
    <thead><tr><th>Period</th><th class="n">Value</th><th>Status</th><th class="n">Release</th></tr></thead>
    <tbody>
    {{#values}}
    <tr><td>{{period}}</td><td class="n">{{value}}</td><td>{{status}}</td><td class="n"><a href="{{link}}">{{release}}</a></td></tr>
    {{/values}}
    </tbody></table></div>
    {{/hasValues}}
    {{^hasValues}}<p class="note">No values on this page.</p>{{/hasValues}}
    <nav class="pages">{{#newer}}<a href="{{newer}}">← newer periods</a>{{/newer}}{{#older}}<a href="{{older}}">older periods →</a>{{/older}}</nav>
    {{/main}}{{/layout}}
    """

    static let release = """
    {{<layout}}{{$main}}
    <h1>Release {{id}}</h1>
    <p class="sub">source {{source}} · {{added}} added · {{revised}} revised · {{removed}} removed · {{unchanged}} unchanged</p>
    <dl class="facts">
    <dt>Ingested</dt><dd>{{ingested}}</dd>
    {{#published}}<dt>Published</dt><dd>{{published}}</dd>{{/published}}
    <dt>Origin</dt><dd>{{origin}}</dd>
    <dt>SHA-256</dt><dd><code>{{sha256}}</code></dd>
    </dl>

    <h2 id="changes">Changes{{#range}} {{range}}{{/range}}</h2>
    {{#hasChanges}}
    <div class="scroll"><table>
    <thead><tr><th>Series</th><th>Period</th><th>Change</th><th class="n">Was</th><th class="n">Now</th><th class="n">Change</th></tr></thead>
    <tbody>
    {{#changes}}
    <tr><td><a class="key" href="{{link}}">{{series}}</a></td><td>{{period}}</td><td>{{kind}}</td><td class="n">{{was}}</td><td class="n">{{now}}</td><td class="n">{{change}}</td></tr>
    {{/changes}}
    </tbody></table></div>
    {{/hasChanges}}
    {{^hasChanges}}<p class="note">No changes on this page.</p>{{/hasChanges}}
    <nav class="pages">{{#previous}}<a href="{{previous}}">← previous {{pageSize}}</a>{{/previous}}{{#next}}<a href="{{next}}">next {{pageSize}} →</a>{{/next}}</nav>
    {{/main}}{{/layout}}
    """

    static let missing = """
    {{<layout}}{{$main}}
    <h1>Not found</h1>
    <p>{{message}}</p>
    <p><a href="{{frame.home}}">All sources, alerts, releases and series</a></p>
    {{/main}}{{/layout}}
    """
}
