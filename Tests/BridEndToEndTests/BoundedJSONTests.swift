import BridCore
import BridTestSupport
import Foundation
import Testing

/// A JSON payload through the built `brid --once`: the document is validated whole but not
/// held as a token tape (issue 10: "JSON formats may hold their document, but at most 1.5×
/// its size").
@Suite struct BoundedJSONTests {
    /// An SDMX-JSON 1.0 message of 50 MB whose observations carry many small attribute
    /// values (a token every two bytes: a tape of 12 bytes a token would be six times the
    /// file), its data set before its structure as the ECB sends them.
    static func message(series: Int, years: Int, attributes: Int) -> String {
        let zeros = String(repeating: ",0", count: attributes)
        var text = #"{"header":{"prepared":"2024-05-01T06:00:00Z"},"dataSets":[{"action":"Information","series":{"#
        text.reserveCapacity(series * years * (attributes * 2 + 20) + 4096)
        for s in 0..<series {
            text += (s == 0 ? "" : ",") + "\n\"\(s)\":{\"observations\":{"
            for y in 0..<years { text += (y == 0 ? "" : ",") + "\"\(y)\":[\(s).\(y)\(zeros)]" }
            text += "}}"
        }
        text += #"}}],"structure":{"id":"BIG","dimensions":{"series":[{"id":"S","values":["#
        text += (0..<series).map { "{\"id\":\"s\($0)\"}" }.joined(separator: ",")
        text += #"]}],"observation":[{"id":"TIME_PERIOD","values":["#
        text += (0..<years).map { "{\"id\":\"\(1900 + $0)\"}" }.joined(separator: ",")
        text += "]}]}}}\n"
        return text
    }

    @Test func anSDMXJSONPayloadIsIngestedInLessThanOneAndAHalfTimesItsSize() async throws { try await offPool {
        let w = try Workspace(config: """
            [daemon]
            state_dir = "state"

            [[source]]
            id = "big"
            drop = "drop/big"
            format = "sdmx-json"
            """)
        let text = Self.message(series: 1_000, years: 100, attributes: 250)
        try w.write("state/drop/big/big.json", text)
        let (run, peak) = try BridProcess.measuredOnce(config: w.root + "/brid.toml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("accepted: release 1, 100000 added"), "\(run.stderr)")
        #expect(try w.sql("SELECT value FROM observation_versions v JOIN series s ON s.id = v.series_id WHERE s.key = 'BIG.s999' AND period = '1999'") == "999.99\n")
        // The whole debug brid, its own 40 MB included; the tape alone used to be 300 MB.
        let size = text.utf8.count
        #expect(peak.map { $0 < size * 3 / 2 } == true, "peak RSS \(peak.map { $0 >> 20 } ?? -1) MiB for a \(size >> 20) MiB document")
    } }
}
