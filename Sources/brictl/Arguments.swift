import ArgumentParser
import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Readers of argument values shared by several commands.
enum Arguments {
    /// An `--as-of` time: an ISO-8601 date-time (UTC unless it carries an offset), or a date,
    /// which means the end of that day in UTC: everything known on that day.
    static func asOf(_ text: String) -> Date? {
        WireTime.parse(text, datesAllowed: true, dateMeans: .endOfDay)
    }

    static func checkAsOf(_ text: String?) throws {
        if let text, asOf(text) == nil {
            throw ValidationError("--as-of \(text) is not an ISO-8601 date or time, such as 2019-03-01 or 2019-03-01T06:00:00Z")
        }
    }
}

/// `--as-of TIME | --release N`: which vintage `show` and `export` read.
struct VintageOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("What was known at this time: 2019-03-01 (end of that day, UTC) or 2019-03-01T06:00:00Z.", valueName: "time"))
    var asOf: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("What was known right after this release.", valueName: "id"))
    var release: Int64?

    func validate() throws {
        if asOf != nil && release != nil { throw ValidationError("--as-of and --release do not go together: pick one vintage") }
        try Arguments.checkAsOf(asOf)
        if let release, release < 1 { throw ValidationError("--release must be a release id (1 or more), not \(release)") }
    }

    var isSet: Bool { asOf != nil || release != nil }

    /// `--as-of` as a time (validated already).
    var asOfDate: Date? { asOf.flatMap(Arguments.asOf) }
}
