/// The pages' one style sheet, inlined in each page (no request for it, nothing to install
/// beside the binary). Light and dark by `prefers-color-scheme`; the latest vintage is told
/// from earlier ones by width and dash as well as colour; tables scroll sideways on a phone.
enum PageStyle {
    static let css = """
    :root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfc;--muted:#5a5a5a;--rule:#d9d9d6;--grid:#e8e8e5;--accent:#0b57d0;--old:#6f6f6f;--firing:#a1150b;--ok:#1e6b2f}
    @media (prefers-color-scheme:dark){:root{--fg:#e6e6e3;--bg:#141414;--muted:#a9a9a5;--rule:#3a3a38;--grid:#262625;--accent:#8ab4f8;--old:#9c9c98;--firing:#ff9b8f;--ok:#8fd19e}}
    *{box-sizing:border-box}
    body{margin:0;color:var(--fg);background:var(--bg);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
    header,main,footer{max-width:66rem;margin:0 auto;padding:0 1rem}
    header{padding-top:.75rem;padding-bottom:.5rem;border-bottom:1px solid var(--rule)}
    header a{font-weight:600;text-decoration:none}
    footer{color:var(--muted);font-size:.85rem;padding-top:1.5rem;padding-bottom:1.5rem}
    a{color:var(--accent)}
    h1{font-size:1.5rem;margin:1rem 0 .25rem;overflow-wrap:anywhere}
    h1.key{font-size:1.4rem}
    h2{font-size:1.15rem;margin:1.75rem 0 .5rem}
    p.sub{margin:0 0 1rem;color:var(--muted)}
    .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
    table{border-collapse:collapse;font-size:.92rem}
    th,td{text-align:left;padding:.3rem .65rem .3rem 0;border-bottom:1px solid var(--rule);white-space:nowrap;vertical-align:top}
    th{font-weight:600;color:var(--muted)}
    td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
    td.wrap{white-space:normal;min-width:14rem}
    td.named{white-space:normal;min-width:9rem;max-width:18rem}
    code,.key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
    .state-failing,.sev-critical{color:var(--firing);font-weight:600}
    .sev-warning{font-weight:600}
    .state-ok{color:var(--ok)}
    .note{color:var(--muted);font-size:.9rem}
    nav.pages{margin:.75rem 0;display:flex;gap:1rem}
    dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
    dl.facts dt{color:var(--muted)}
    dl.facts dd{margin:0;overflow-wrap:anywhere}
    figure{margin:0}
    svg.chart{display:block;width:100%;height:auto;max-width:54rem}
    .chart text{fill:var(--fg);font-size:13px;font-family:system-ui,sans-serif}
    .chart .unit{fill:var(--muted)}
    .chart .grid{stroke:var(--grid);stroke-width:1}
    .chart .axis-line,.chart .tick{stroke:var(--muted);stroke-width:1}
    .chart .vintage path{fill:none;stroke:var(--old);stroke-width:1.5;stroke-dasharray:6 4;stroke-opacity:.75}
    .chart .vintage circle{fill:var(--bg);stroke:var(--old);stroke-width:1.5}
    .chart .vintage.latest path{stroke:var(--accent);stroke-width:3.5;stroke-dasharray:none;stroke-opacity:1}
    .chart .vintage.latest circle{fill:var(--accent);stroke:var(--accent)}
    .chart .label{font-weight:600}
    ul.legend{list-style:none;padding:0;margin:.5rem 0 0;font-size:.92rem}
    ul.legend li{margin:.15rem 0}
    .swatch{display:inline-block;width:2.2rem;height:0;vertical-align:middle;margin-right:.5rem;border-top:1.5px dashed var(--old)}
    .swatch.latest{border-top:3.5px solid var(--accent)}
    .chart .label.earlier{fill:var(--muted);font-weight:400}
    @media (max-width:40rem){body{font-size:15px}.chart text{font-size:24px}.chart text.alt{display:none}
    .chart .vintage path{stroke-width:3}.chart .vintage.latest path{stroke-width:6}.chart .vintage circle{r:8;stroke-width:3}.chart .vintage.latest circle{r:10}}
    """
}
