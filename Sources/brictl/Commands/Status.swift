import ArgumentParser
import BridProtocol

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon, its database, every source's state and the firing alerts.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try options.perform(StatusRequest(), render: Self.render)
    }

    static func render(_ status: StatusResponse, _ terminal: Terminal) -> String {
        var lines: [String] = []
        let uptime = Formats.duration(max(0, terminal.now.timeIntervalSince(status.startedAt)))
        let head = Formats.fitted("brid \(status.version)  ", ["pid \(status.pid)", "up \(uptime) (since \(WireTime.format(status.startedAt)))"],
                                  width: terminal.width)
        lines.append(terminal.paint("brid \(status.version)", .bold) + head.dropFirst("brid \(status.version)".count))
        if let outage = status.storeUnavailable { lines += storeUnavailableLines(outage, terminal) }
        lines.append("config    \(status.configPath)")
        let db = status.database
        lines.append(Formats.fitted("database  ", [db.path, "\(Formats.bytes(db.sizeBytes)) + WAL \(Formats.bytes(db.walBytes))",
                                                   Formats.plural(db.releases, "release"), Formats.plural(db.series, "series", "series"),
                                                   Formats.plural(db.observationVersions, "observation version")], width: terminal.width))
        lines.append("alerts    " + alertLine(status.alerts, terminal))
        if let failure = status.lastReloadError {
            lines.append(terminal.paint("reload    refused \(Formats.time(failure.at, terminal)):", .red))
            lines += failure.errors.map { "            " + $0 }
        }
        if let cluster = status.cluster { lines += clusterLines(cluster, terminal) }
        lines.append("")
        if status.sources.isEmpty {
            lines.append("no sources configured")
        } else {
            // In a cluster, which instance checks each URL source.
            let holders = status.cluster != nil
            var table = Table([.init("SOURCE"), .init("KIND", drop: 1), .init("FORMAT", drop: 2), .init("STATE"), .init("LAST CHECK"),
                               .init("NEXT DUE")] + (holders ? [.init("HELD BY", drop: 3)] : [])
                              + [.init("LAST ERROR", flexible: true, minimum: 20)])
            for source in status.sources {
                let holder: [Table.Cell] = holders ? [.init(source.kind == .drop ? "(local)" : source.heldBy ?? "-")] : []
                table.add([.init(source.id), .init(source.kind.rawValue), .init(source.format),
                           .init(Palette.sourceState(source), Palette.style(source.state)),
                           Formats.timeCell(source.lastCheckAt, terminal), Formats.timeCell(source.nextDueAt, terminal)] + holder
                          + [.init(source.state == .failing ? source.lastError ?? "" : "", .red)])
            }
            lines.append(table.render(terminal))
        }
        return lines.joined(separator: "\n")
    }

    /// First, so it is not missed: the store cannot be reached, and the figures below are old.
    static func storeUnavailableLines(_ outage: StoreUnavailable, _ terminal: Terminal) -> [String] {
        [
            terminal.paint("STORE UNAVAILABLE since \(Formats.time(outage.since, terminal)): \(outage.reason)", .boldRed),
            "          checks, drop folders and alert deliveries wait; brid carries on when the store answers",
            "          " + (outage.figuresFrom.map { "the figures below were read \(Formats.time($0, terminal))" }
                ?? "no figures read from the store yet"),
        ]
    }

    /// The instances sharing the store: a line, then one row per instance with its last
    /// heartbeat, "silent" past the lease without a clean stop, "stopped" after one.
    static func clusterLines(_ cluster: ClusterStatus, _ terminal: Terminal) -> [String] {
        let lease = Formats.duration(cluster.leaseSeconds)
        var lines = ["cluster   \(Formats.plural(cluster.members.count, "instance")), this one \(cluster.instance), lease \(lease)"]
        var table = Table([.init("  INSTANCE"), .init("HOST", drop: 2), .init("PID", .right, drop: 1), .init("STATE"),
                           .init("LAST HEARTBEAT"), .init("SOURCES", .right)])
        for member in cluster.members {
            let style: Style = switch member.state {
            case .live: .green
            case .silent: .red
            case .stopped: .dim
            }
            table.add([.init("  " + member.name), .init(member.host), .init(String(member.pid)), .init(member.state.rawValue, style),
                       Formats.timeCell(member.heartbeatAt, terminal), .init(String(member.sources))])
        }
        lines.append(table.render(terminal))
        return lines
    }

    /// `3 firing (1 critical, 2 warning), 1 acked, outbox 0`.
    static func alertLine(_ alerts: AlertCounts, _ terminal: Terminal) -> String {
        let firing = alerts.firing
        var text: String
        if firing.total == 0 {
            text = terminal.paint("none firing", .green)
        } else {
            let parts = [(firing.critical, Severity.critical), (firing.warning, .warning), (firing.info, .info)]
                .filter { $0.0 > 0 }
                .map { terminal.paint("\($0.0) \($0.1.rawValue)", Palette.style($0.1)) }
            text = "\(firing.total) firing (\(parts.joined(separator: ", ")))"
        }
        text += ", \(alerts.acked) acked, outbox \(alerts.outboxBacklog)"
        if let error = alerts.lastDeliveryError { text += ", " + terminal.paint("last delivery error: \(error)", .red) }
        return text
    }
}
