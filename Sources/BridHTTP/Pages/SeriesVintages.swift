import BridCore
import BridStore
import Foundation

/// A series' versions turned into what its page shows: the vintage after each release that
/// wrote it (ALFRED's vintages), the revisions, and the latest values. Pure: built from
/// a window of `VintageStore.forEachVersion` (see `SeriesRead`).
struct SeriesVintages {
    /// The releases that wrote the series, oldest first.
    let releases: [(id: Int64, ingestedAt: Date?)]
    /// Every period with a version, in order.
    let periods: [String]
    /// Each period's versions, oldest first (parallel to `periods`).
    private let history: [[SeriesVersion]]

    init(versions: [SeriesVersion], releaseTimes: [Int64: Date]) {
        var periods: [String] = []
        var history: [[SeriesVersion]] = []
        // The store orders versions by period, then release.
        for version in versions {
            if periods.last == version.period {
                history[history.count - 1].append(version)
            } else {
                periods.append(version.period)
                history.append([version])
            }
        }
        let ids = Set(versions.map(\.releaseID)).sorted()
        self.releases = ids.map { ($0, releaseTimes[$0]) }
        self.periods = periods
        self.history = history
    }

    /// The value text of every period as known right after `release`: nil where the period
    /// did not exist yet, was removed, or has no value.
    func vintage(after release: Int64) -> [String?] {
        history.map { versions in
            guard let current = versions.last(where: { $0.releaseID <= release }), !current.removed else { return nil }
            return current.value
        }
    }

    /// What each release did to this series: periods added, revised, removed.
    func counts() -> [Int64: (added: Int, revised: Int, removed: Int)] {
        var counts: [Int64: (added: Int, revised: Int, removed: Int)] = [:]
        for versions in history {
            var existed = false
            for version in versions {
                var count = counts[version.releaseID] ?? (0, 0, 0)
                if version.removed { count.removed += 1; existed = false }
                else if existed { count.revised += 1 }
                else { count.added += 1; existed = true }
                counts[version.releaseID] = count
            }
        }
        return counts
    }

    /// One change of an existing observation: a revision or a removal.
    struct Revision {
        let period: String
        let releaseID: Int64
        let previousValue: String?
        let previousReleaseID: Int64
        let value: String?
        let removed: Bool
    }

    /// Every revision and removal, the newest release first (then by period).
    func revisions() -> [Revision] {
        var out: [Revision] = []
        for (i, versions) in history.enumerated() {
            for (j, version) in versions.enumerated() where j > 0 && !versions[j - 1].removed {
                out.append(Revision(period: periods[i], releaseID: version.releaseID, previousValue: versions[j - 1].value,
                                    previousReleaseID: versions[j - 1].releaseID, value: version.value, removed: version.removed))
            }
        }
        return out.sorted { ($0.releaseID, $1.period) > ($1.releaseID, $0.period) }
    }

    /// The chart of the newest `limit` vintages (ALFRED draws every one; past a dozen the
    /// lines are a blur, and the page says how many are left out).
    func chart(title: String, unit: String?, frequency: Frequency?, limit: Int) -> VintageChart {
        // A period's place is its end in time when every period reads as the series'
        // frequency (gaps then show as gaps), its rank otherwise.
        var positions: [Double] = []
        if let frequency {
            for period in periods {
                guard let end = Period.end(of: period, frequency: frequency) else { positions = []; break }
                positions.append(end.timeIntervalSince1970 / 86_400)
            }
        }
        if positions.count != periods.count { positions = periods.indices.map(Double.init) }
        let drawn = releases.suffix(limit)
        let lines = drawn.enumerated().map { offset, release in
            let values = vintage(after: release.id)
            var points: [(period: Int, text: String, value: Double)] = []
            for (i, text) in values.enumerated() {
                guard let text, let number = Double(text), number.isFinite else { continue }
                points.append((i, text, number))
            }
            let isLatest = offset == drawn.count - 1
            let label = "release \(release.id)\(isLatest ? ", latest" : ""), \(PageText.time(release.ingestedAt))"
            return VintageChart.Line(releaseID: release.id, label: label, isLatest: isLatest, points: points)
        }
        return VintageChart(periods: periods, positions: positions, lines: lines, title: title, unit: unit)
    }
}
