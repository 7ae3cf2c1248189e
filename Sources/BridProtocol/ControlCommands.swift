/// The registry: every command of the protocol, in one place. The server dispatches from
/// it (name → type → access class); the client and the tests use it too.
public enum ControlCommands {
    /// Every request type, in the order `brictl --help` lists the commands.
    public static let all: [any ControlRequest.Type] = [
        StatusRequest.self,
        SourcesRequest.self,
        FetchRequest.self,
        IngestChunkRequest.self,
        IngestRequest.self,
        SeriesListRequest.self,
        ShowRequest.self,
        HistoryRequest.self,
        ReleasesRequest.self,
        ReleaseRequest.self,
        AlertsRequest.self,
        AckRequest.self,
        RulesRequest.self,
        RuleTestRequest.self,
        PauseRequest.self,
        ResumeRequest.self,
        ReloadRequest.self,
        BackupRequest.self,
        ExportRequest.self,
    ]

    /// The request type of each command name.
    public static let byName: [String: any ControlRequest.Type] = {
        var table: [String: any ControlRequest.Type] = [:]
        for type in all { table[type.command] = type }
        return table
    }()

    /// The request type of a command name, or nil when there is no such command.
    public static func type(named command: String) -> (any ControlRequest.Type)? { byName[command] }
}
