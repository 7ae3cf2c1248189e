import BridProtocol

/// The colours of brictl's states, in one place.
enum Palette {
    static func style(_ state: SourceStatus.State) -> Style {
        switch state {
        case .ok: return .green
        case .failing: return .red
        case .paused: return .yellow
        case .neverChecked: return .dim
        }
    }

    static func style(_ severity: Severity, state: Alert.State = .firing) -> Style {
        guard state == .firing else { return .dim }
        switch severity {
        case .critical: return .boldRed
        case .warning: return .yellow
        case .info: return .cyan
        }
    }

    static func style(_ outcome: FetchOutcome.Kind) -> Style {
        switch outcome {
        case .released: return .green
        case .unchanged: return .plain
        case .rejected, .failed: return .red
        case .queued: return .cyan
        }
    }

    static func style(_ kind: ReleaseChange.Kind) -> Style {
        switch kind {
        case .added: return .green
        case .revised: return .yellow
        case .removed: return .red
        }
    }

    /// `ok`, `failing`, `ok, checking`.
    static func sourceState(_ source: SourceStatus) -> String {
        source.state.rawValue + (source.inFlight ? ", checking" : "")
    }
}
