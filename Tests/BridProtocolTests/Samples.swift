import BridProtocol
import Foundation

/// One filled-in value of every request and response type, for round-trip tests.
enum Samples {
    static let t0 = Date(timeIntervalSince1970: 1_764_498_420)         // 2025-11-30T10:27:00Z
    static let t1 = Date(timeIntervalSince1970: 1_764_498_420.125)     // with milliseconds

    static let release = Release(id: 42, source: "bri-cn-kz", ingestedAt: t0, publishedAt: t1, origin: "bri-cn-kz-2019.csv",
                                 sha256: String(repeating: "ab", count: 32), added: 3, revised: 1, removed: 0, unchanged: 12)
    static let releaseMinimal = Release(id: 1, source: "wb", ingestedAt: t1, origin: "https://example.org/x?y=1",
                                        sha256: "00", added: 0, revised: 0, removed: 0, unchanged: 0)
    static let sourceOK = SourceStatus(id: "wb-kaz-exports", kind: .url, location: "https://api.worldbank.org/v2/x", format: "worldbank-json",
                                       state: .ok, lastCheckAt: t0, lastSuccessAt: t0, nextDueAt: t1, lastReleaseID: 7)
    static let sourceFailing = SourceStatus(id: "bri-cn-kz", kind: .drop, location: "/var/lib/brid/drop/bri-cn-kz", format: "csv",
                                            state: .failing, lastCheckAt: t1, lastError: "line 3: \"abc\" is not a number",
                                            lastErrorAt: t1, consecutiveFailures: 2, inFlight: true)
    static let sourceNever = SourceStatus(id: "x", kind: .url, location: "https://x", format: "csv", state: .neverChecked)
    static let sourcePaused = SourceStatus(id: "p", kind: .drop, location: "/d", format: "json", state: .paused)
    static let info = SeriesInfo(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: "A", source: "bri-cn-kz")
    static let alert = Alert(id: 17, rule: "kz-exports-jump", series: "cn-kz.exports.total", source: "bri-cn-kz", period: "2018",
                             severity: .warning, state: .firing, acked: true, ackedAt: t1, ackComment: "known: new methodology",
                             firedAt: t0, summary: "cn-kz.exports.total 2018: 30.1 (+31.0 % vs 23.0)")
    static let resolvedAlert = Alert(id: 18, rule: "feed-failing", source: "wb", severity: .critical, state: .resolved,
                                     firedAt: t0, resolvedAt: t1, summary: "wb failing 3 times")
    static let rule = Rule(id: "kz-exports-jump", when: "change_pct", target: "cn-kz.exports.*", severity: .warning,
                           condition: "above 25 or below -25, vs previous period", lastEvaluatedAt: t0, firing: 1)

    /// Every request, keyed by command name.
    static let requests: [String: any ControlRequest] = {
        let list: [any ControlRequest] = [
            StatusRequest(),
            SourcesRequest(),
            FetchRequest(sources: ["a", "b"], all: false, wait: false),
            IngestChunkRequest(source: "bri-cn-kz", fileName: "big.csv", offset: 524_288, data: Data([0, 1, 2, 255, 0x0A])),
            IngestRequest(source: "bri-cn-kz", fileName: "a b.csv", size: 5, offset: 0, data: Data("x,y\n1".utf8)),
            SeriesListRequest(glob: "cn-kz.*"),
            ShowRequest(series: "cn-kz.trade.total", asOf: t1, release: nil, from: "2015", to: "2018"),
            HistoryRequest(series: "cn-kz.trade.total", period: "2018"),
            ReleasesRequest(source: "bri-cn-kz", limit: 10),
            ReleaseRequest(id: 42),
            AlertsRequest(all: true, rule: "r", series: "cn-kz.*"),
            AckRequest(id: 17, comment: "seen — ok"),
            RulesRequest(),
            RuleTestRequest(rule: "kz-exports-jump", series: "cn-kz.exports.total"),
            PauseRequest(source: "wb"),
            ResumeRequest(source: "wb"),
            ReloadRequest(),
            BackupRequest(path: "/var/lib/brid/backups/brid-2026-12-07.sqlite", force: true),
            ExportRequest(series: ["a", "b"], asOf: nil, release: 3, format: .json, vintages: false),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { (type(of: $0).command, $0) })
    }()

    /// Every response, keyed by the command it answers.
    static let responses: [String: any Codable & Sendable] = [
        StatusRequest.command: StatusResponse(
            version: "0.1.0", pid: 4242, startedAt: t0, configPath: "/etc/brid/brid.toml",
            database: DatabaseStatus(path: "/var/lib/brid/brid.sqlite", sizeBytes: 12_345_678, walBytes: 65_536, releases: 42, series: 18, observationVersions: 1234),
            sources: [sourceOK, sourceFailing, sourceNever, sourcePaused],
            alerts: AlertCounts(firing: SeverityCounts(info: 0, warning: 2, critical: 1), acked: 1, outboxBacklog: 3, lastDeliveryError: "webhook: 503"),
            lastReloadError: ReloadFailure(at: t1, errors: ["brid.toml:12: unknown key \"evry\""]),
            cluster: ClusterStatus(instance: "brid-a", leaseSeconds: 30, members: [
                ClusterMemberStatus(name: "brid-a", host: "db1", pid: 4242, version: "0.1.0", startedAt: t0, heartbeatAt: t1, state: .live, sources: 1),
                ClusterMemberStatus(name: "brid-b", host: "db2", pid: 77, version: "0.1.0", startedAt: t0, heartbeatAt: t0, state: .silent, sources: 0),
            ])),
        SourcesRequest.command: SourcesResponse(sources: [sourceOK, sourceFailing]),
        FetchRequest.command: FetchResponse(outcomes: [
            FetchOutcome(source: "a", outcome: .released, release: release, message: ""),
            FetchOutcome(source: "b", outcome: .unchanged, message: "not modified (304)"),
            FetchOutcome(source: "c", outcome: .rejected, message: "line 3: bad"),
            FetchOutcome(source: "d", outcome: .failed, message: "HTTP 503"),
            FetchOutcome(source: "e", outcome: .queued),
        ]),
        IngestChunkRequest.command: IngestChunkResponse(received: 1_048_576),
        IngestRequest.command: IngestResponse(fileName: "a.csv", bytes: 5, outcome: FetchOutcome(source: "bri-cn-kz", outcome: .released, release: releaseMinimal)),
        SeriesListRequest.command: SeriesListResponse(series: [
            SeriesSummary(key: "cn-kz.trade.total", name: "China–Kazakhstan trade volume", unit: "USD bn", frequency: "A", source: "bri-cn-kz",
                          latestPeriod: "2018", latestValue: "19.885", lastChangedAt: t0),
            SeriesSummary(key: "x", frequency: "M"),
        ]),
        ShowRequest.command: ShowResponse(series: info, asOf: t1, release: 9, observations: [
            Observation(period: "2017", value: "17.880", releaseID: 1),
            Observation(period: "2018", value: nil, releaseID: 2),
        ]),
        HistoryRequest.command: HistoryResponse(series: info, period: "2018", versions: [
            ObservationVersion(releaseID: 1, source: "bri-cn-kz", value: "19.885", validFrom: t0, validUntil: t1),
            ObservationVersion(releaseID: 2, source: "bri-cn-kz", value: nil, removed: true, validFrom: t1),
        ]),
        ReleasesRequest.command: ReleasesResponse(releases: [release, releaseMinimal]),
        ReleaseRequest.command: ReleaseResponse(release: release, changes: [
            ReleaseChange(series: "a", period: "2018", kind: .added, value: "1.5"),
            ReleaseChange(series: "a", period: "2017", kind: .revised, value: "19.902", previousValue: "19.885"),
            ReleaseChange(series: "b", period: "2016-Q1", kind: .removed, value: nil, previousValue: "3"),
        ]),
        AlertsRequest.command: AlertsResponse(alerts: [alert, resolvedAlert]),
        AckRequest.command: AckResponse(alert: alert, changed: true),
        RulesRequest.command: RulesResponse(rules: [rule, Rule(id: "s", when: "stale", target: "source:wb", severity: .info, condition: "no new period in 60d")]),
        RuleTestRequest.command: RuleTestResponse(rule: rule, targets: 4, evaluated: 40, hits: [
            RuleTestHit(series: "cn-kz.exports.total", period: "2018", value: "30.1", previousValue: "23.0", releaseID: 2,
                        summary: "cn-kz.exports.total 2018: 30.1 (+31.0 % vs 23.0)", firingNow: true),
            RuleTestHit(source: "wb", summary: "wb"),
        ]),
        PauseRequest.command: PauseResponse(source: "wb", paused: true, changed: true),
        ResumeRequest.command: PauseResponse(source: "wb", paused: false, changed: false),
        ReloadRequest.command: ReloadResponse(applied: false, configPath: "/etc/brid/brid.toml", errors: ["line 3: x"],
                                              sourcesAdded: ["n"], sourcesRemoved: ["o"], sourcesChanged: ["c"]),
        ExportRequest.command: ExportResponse(format: .csv, text: "series,period,value\ncn-kz.trade.total,2018,19.885\n"),
        BackupRequest.command: BackupResponse(path: "/var/lib/brid/backups/brid-2026-12-07.sqlite", sizeBytes: 12_345_678,
                                              lastReleaseID: 42, seconds: 0.8),
    ]
}
