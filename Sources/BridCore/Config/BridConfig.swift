/// The whole, validated configuration of a brid daemon; an immutable value that a reload swaps in.
public struct BridConfig: Sendable, Equatable {
    /// Absolute path of the configuration file.
    public let path: String
    public let daemon: DaemonConfig
    /// `[store]`: SQLite under `state_dir` unless it says otherwise.
    public let store: StoreConfig
    public let sources: [SourceConfig]
    /// The optional catalogue of series names, units and frequencies.
    public let series: [SeriesDefinition]
    public let alerts: [AlertRule]
    public let notifiers: [NotifierConfig]
    /// `[http]`: the read-only HTTP listener; nil (the section absent) keeps it off.
    public let http: HTTPConfig?

    public init(path: String, daemon: DaemonConfig, store: StoreConfig = .sqlite, sources: [SourceConfig], series: [SeriesDefinition],
                alerts: [AlertRule], notifiers: [NotifierConfig], http: HTTPConfig? = nil) {
        self.path = path
        self.daemon = daemon
        self.store = store
        self.sources = sources
        self.series = series
        self.alerts = alerts
        self.notifiers = notifiers
        self.http = http
    }

    /// The source with this id.
    public func source(id: String) -> SourceConfig? {
        sources.first { $0.id == id }
    }

    /// The catalogue entry for this series key.
    public func seriesDefinition(key: String) -> SeriesDefinition? {
        series.first { $0.key == key }
    }
}
