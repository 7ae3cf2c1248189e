import ArgumentParser
import BridProtocol

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Mark a firing alert as seen; it stays firing until its condition is gone.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The alert id (from brictl alerts).", valueName: "alert-id"))
    var id: Int64

    @Option(name: .long, help: ArgumentHelp("Why, for the record.", valueName: "text"))
    var comment: String?

    func validate() throws {
        if id < 1 { throw ValidationError("an alert id is 1 or more") }
    }

    func run() throws {
        try options.perform(AckRequest(id: id, comment: comment), render: Self.render)
    }

    static func render(_ response: AckResponse, _ terminal: Terminal) -> String {
        let alert = response.alert
        let what = "alert \(alert.id) (\(alert.rule)\(alert.series.map { ", \($0)" } ?? "")\(alert.period.map { " \($0)" } ?? ""))"
        return response.changed ? "acked \(what)" : "\(what) was already acked"
    }
}
