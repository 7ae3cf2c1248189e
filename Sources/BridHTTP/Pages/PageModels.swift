import BridCore
import BridStore
import Foundation

// What the templates (PageTemplates.swift) render: plain values, every text still raw
// (`HTML`'s interpolation escapes it); an optional is shown only when present.

/// What every page's layout shows.
struct PageFrame {
    let title: String
    let css = PageStyle.css
    let home: String
    let version = BridVersion.current
    let now: String
}

struct HomePage {
    struct SourceRow {
        let id: String
        let name: String?
        let kind: String
        let format: String
        let state: String
        let lastCheck: String
        let lastSuccess: String
        let failures: Int
        let lastRelease: Int64?
        let lastReleaseLink: String
        let lastError: String
    }

    struct AlertRow {
        let id: Int64
        let severity: String
        let rule: String
        let target: String
        let seriesLink: String?
        let period: String
        let fired: String
        let acked: String
        let summary: String
    }

    struct ReleaseRow {
        let id: Int64
        let link: String
        let source: String
        let ingested: String
        let origin: String
        let added: Int
        let revised: Int
        let removed: Int
        let unchanged: Int
    }

    struct SeriesRow {
        let key: String
        let link: String
        let name: String
        let period: String
        let value: String
        let unit: String
        let frequency: String
        let source: String
    }

    let frame: PageFrame
    let sourceCount: String
    let alertCount: String
    let releaseCount: String
    let sources: [SourceRow]
    let alerts: [AlertRow]
    let releases: [ReleaseRow]
    let series: [SeriesRow]
    let afterKey: String?
    let moreSeries: String?
}

struct SeriesPage {
    struct LegendEntry {
        let id: Int64
        let link: String
        let time: String
        let latest: Bool
    }

    struct VintageRow {
        let id: Int64
        let link: String
        let time: String
        let added: Int
        let revised: Int
        let removed: Int
    }

    struct RevisionRow {
        let period: String
        let release: Int64
        let link: String
        let was: String
        let now: String
        let change: String
    }

    struct ValueRow {
        let period: String
        let value: String
        let status: String
        let release: Int64
        let link: String
    }

    let frame: PageFrame
    let key: String
    let name: String?
    let unit: String?
    let frequency: String
    let source: String?
    /// The SVG, written by `VintageChart` (escaped there).
    let chart: String
    let legend: [LegendEntry]
    let hidden: String?
    let vintages: [VintageRow]
    let revisions: [RevisionRow]
    let moreRevisions: String?
    let values: [ValueRow]
    let newer: String?
    let older: String?
}

struct ReleasePage {
    struct ChangeRow {
        let series: String
        let link: String
        let period: String
        let kind: String
        let was: String
        let now: String
        let change: String
    }

    let frame: PageFrame
    let id: Int64
    let source: String
    let ingested: String
    let published: String?
    let origin: String
    let sha256: String
    let added: Int
    let revised: Int
    let removed: Int
    let unchanged: Int
    let range: String?
    let changes: [ChangeRow]
    let pageSize: Int
    let previous: String?
    let next: String?
}

struct MissingPage {
    let frame: PageFrame
    let message: String
}
