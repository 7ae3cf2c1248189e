import BridProtocol
import Foundation

/// Realistic replies for every command, with times relative to `now`, for the render tests,
/// the fake server and the examples in Docs/brictl.md.
struct Fixtures {
    let now: Date

    init(now: Date = Date(timeIntervalSince1970: 1_764_498_420)) {  // 2025-11-30T10:27:00Z
        // Whole seconds, so the wire round trip is exact.
        self.now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
    }

    func ago(_ seconds: Double) -> Date { now.addingTimeInterval(-seconds) }
    func later(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }

    var trade: SeriesInfo { SeriesInfo(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: "A", source: "bri-cn-kz") }

    var release43: Release {
        Release(id: 43, source: "bri-cn-kz", ingestedAt: ago(3 * 3600), publishedAt: ago(86_400), origin: "bri-cn-kz-2019.csv",
                sha256: "9f2c1e7a55b0c3d4e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7", added: 4, revised: 2, removed: 0, unchanged: 38)
    }

    var worldBank: SourceStatus {
        SourceStatus(id: "wb-kaz-exports", kind: .url, location: "https://api.worldbank.org/v2/country/KAZ/indicator/NE.EXP.GNFS.CD?format=json&per_page=1000",
                     format: "worldbank-json", state: .ok, lastCheckAt: ago(2 * 3600 + 60), lastSuccessAt: ago(2 * 3600 + 60),
                     nextDueAt: later(4 * 3600 - 60), lastReleaseID: 41)
    }

    var ministry: SourceStatus {
        SourceStatus(id: "kz-stat-freight", kind: .url, location: "https://stat.gov.kz/api/freight.csv", format: "csv", state: .failing,
                     lastCheckAt: ago(240), lastSuccessAt: ago(3 * 86_400), lastError: "HTTP 503 Service Unavailable from stat.gov.kz",
                     lastErrorAt: ago(240), consecutiveFailures: 3, nextDueAt: later(1_560))
    }

    var drop: SourceStatus {
        SourceStatus(id: "bri-cn-kz", kind: .drop, location: "/var/lib/brid/drop/bri-cn-kz", format: "csv", state: .ok,
                     lastCheckAt: ago(3 * 3600), lastSuccessAt: ago(3 * 3600), lastReleaseID: 43)
    }

    var paused: SourceStatus {
        SourceStatus(id: "imf-dot", kind: .url, location: "https://sdmxcentral.imf.org/ws/public/sdmxapi/rest/data/IMF,DOT/A.KZ.TXG_FOB_USD.CN",
                     format: "sdmx-csv", state: .paused, lastCheckAt: ago(9 * 86_400), lastSuccessAt: ago(9 * 86_400))
    }

    var exportsJump: Alert {
        Alert(id: 17, rule: "kz-exports-jump", series: "cn-kz.exports.total", source: "bri-cn-kz", period: "2018", severity: .warning,
              state: .firing, firedAt: ago(3 * 3600), summary: "cn-kz.exports.total 2018: 11.30 (+31.4 % vs 8.60)")
    }

    var freightFailing: Alert {
        Alert(id: 18, rule: "feeds-failing", source: "kz-stat-freight", severity: .critical, state: .firing, acked: true,
              ackedAt: ago(600), ackComment: "stat.gov.kz maintenance", firedAt: ago(1_800), summary: "kz-stat-freight: 3 failed checks in a row")
    }

    var revisedAlert: Alert {
        Alert(id: 12, rule: "trade-revised", series: "cn-kz.trade.total", source: "bri-cn-kz", period: "2017", severity: .info,
              state: .resolved, firedAt: ago(20 * 86_400), resolvedAt: ago(6 * 86_400), summary: "cn-kz.trade.total 2017 revised 17.880 → 18.010 (+0.73 %)")
    }

    var exportsRule: Rule {
        Rule(id: "kz-exports-jump", when: "change_pct", target: "cn-kz.exports.*", severity: .warning,
             condition: "above 25 or below -25, vs previous period", lastEvaluatedAt: ago(3 * 3600), firing: 1)
    }

    /// The reply to each command.
    var replies: [String: any Encodable & Sendable] {
        [
            StatusRequest.command: StatusResponse(
                version: "0.1.0", pid: 4242, startedAt: ago(26 * 3600), configPath: "/etc/brid/brid.toml",
                database: DatabaseStatus(path: "/var/lib/brid/brid.sqlite", sizeBytes: 12_582_912, walBytes: 4_210_688, releases: 43, series: 18, observationVersions: 1_234),
                sources: [worldBank, ministry, drop, paused],
                alerts: AlertCounts(firing: SeverityCounts(info: 0, warning: 1, critical: 1), acked: 1, outboxBacklog: 0)),
            SourcesRequest.command: SourcesResponse(sources: [worldBank, ministry, drop, paused]),
            FetchRequest.command: FetchResponse(outcomes: [
                FetchOutcome(source: "wb-kaz-exports", outcome: .released,
                             release: Release(id: 44, source: "wb-kaz-exports", ingestedAt: now, publishedAt: ago(86_400),
                                              origin: "https://api.worldbank.org/v2/country/KAZ/indicator/NE.EXP.GNFS.CD?format=json&per_page=1000",
                                              sha256: "41c0", added: 1, revised: 1, removed: 0, unchanged: 62)),
                FetchOutcome(source: "kz-stat-freight", outcome: .failed, message: "HTTP 503 Service Unavailable from stat.gov.kz"),
            ]),
            IngestChunkRequest.command: IngestChunkResponse(received: ControlProtocol.maxChunkBytes),
            IngestRequest.command: IngestResponse(fileName: "bri-cn-kz-2019.csv", bytes: 2_417, outcome: FetchOutcome(source: "bri-cn-kz", outcome: .released, release: release43)),
            SeriesListRequest.command: SeriesListResponse(series: [
                SeriesSummary(key: "cn-kz.exports.total", name: "Kazakh exports to China", unit: "USD bn", frequency: "A", source: "bri-cn-kz",
                              latestPeriod: "2018", latestValue: "11.30", lastChangedAt: ago(3 * 3600)),
                SeriesSummary(key: "cn-kz.freight.trains.alataw", name: "China–Europe freight trains through Alataw Pass", unit: "trains",
                              frequency: "M", source: "kz-stat-freight", latestPeriod: "2019-02", latestValue: "412", lastChangedAt: ago(3 * 86_400)),
                SeriesSummary(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: "A", source: "bri-cn-kz",
                              latestPeriod: "2018", latestValue: "19.902", lastChangedAt: ago(3 * 3600)),
            ]),
            ShowRequest.command: ShowResponse(series: trade, observations: [
                Observation(period: "2012", value: "25.682", releaseID: 1), Observation(period: "2013", value: "28.596", releaseID: 1),
                Observation(period: "2014", value: "22.452", releaseID: 1), Observation(period: "2015", value: "14.290", releaseID: 1),
                Observation(period: "2016", value: "13.096", releaseID: 1), Observation(period: "2017", value: "18.010", releaseID: 12),
                Observation(period: "2018", value: "19.902", releaseID: 43),
            ]),
            HistoryRequest.command: HistoryResponse(series: trade, period: "2018", versions: [
                ObservationVersion(releaseID: 31, source: "bri-cn-kz", value: "19.885", validFrom: ago(40 * 86_400), validUntil: ago(3 * 3600)),
                ObservationVersion(releaseID: 43, source: "bri-cn-kz", value: "19.902", validFrom: ago(3 * 3600)),
            ]),
            ReleasesRequest.command: ReleasesResponse(releases: [
                release43,
                Release(id: 42, source: "wb-kaz-exports", ingestedAt: ago(8 * 3600), origin: "https://api.worldbank.org/v2/country/KAZ/indicator/NE.EXP.GNFS.CD?format=json&per_page=1000",
                        sha256: "77aa", added: 0, revised: 1, removed: 0, unchanged: 62),
            ]),
            ReleaseRequest.command: ReleaseResponse(release: release43, changes: [
                ReleaseChange(series: "cn-kz.exports.total", period: "2018", kind: .added, value: "11.30"),
                ReleaseChange(series: "cn-kz.trade.total", period: "2018", kind: .revised, value: "19.902", previousValue: "19.885"),
                ReleaseChange(series: "cn-kz.trade.total", period: "2017", kind: .revised, value: "18.010", previousValue: "17.880"),
            ]),
            AlertsRequest.command: AlertsResponse(alerts: [freightFailing, exportsJump, revisedAlert]),
            AckRequest.command: AckResponse(alert: exportsJump, changed: true),
            RulesRequest.command: RulesResponse(rules: [
                exportsRule,
                Rule(id: "trade-revised", when: "revision_pct", target: "cn-kz.trade.*", severity: .info, condition: "above 0.5 or below -0.5",
                     lastEvaluatedAt: ago(3 * 3600)),
                Rule(id: "feeds-failing", when: "fetch_failing", target: "source:*", severity: .critical, condition: "3 failed checks in a row",
                     lastEvaluatedAt: ago(60), firing: 1),
            ]),
            RuleTestRequest.command: RuleTestResponse(rule: exportsRule, targets: 2, evaluated: 14, hits: [
                RuleTestHit(series: "cn-kz.exports.total", period: "2015", value: "5.80", previousValue: "9.60", releaseID: 1,
                            summary: "cn-kz.exports.total 2015: 5.80 (-39.6 % vs 9.60)"),
                RuleTestHit(series: "cn-kz.exports.total", period: "2018", value: "11.30", previousValue: "8.60", releaseID: 43,
                            summary: "cn-kz.exports.total 2018: 11.30 (+31.4 % vs 8.60)", firingNow: true),
            ]),
            PauseRequest.command: PauseResponse(source: "imf-dot", paused: true, changed: true),
            ResumeRequest.command: PauseResponse(source: "imf-dot", paused: false, changed: true),
            ReloadRequest.command: ReloadResponse(applied: true, configPath: "/etc/brid/brid.toml", sourcesAdded: ["kz-customs"], sourcesChanged: ["wb-kaz-exports"]),
            ExportRequest.command: ExportResponse(format: .csv, text: "series,period,value,release,status\ncn-kz.trade.total,2016,13.096,1,\ncn-kz.trade.total,2017,18.010,12,\ncn-kz.trade.total,2018,19.902,43,\n"),
            BackupRequest.command: BackupResponse(path: "/var/lib/brid/backups/brid-2026-12-07.sqlite", sizeBytes: 12_591_104,
                                                  lastReleaseID: 43, seconds: 0.41),
        ]
    }
}
