import BridCore
import BridProtocol
import BridStore
import Foundation

/// The text of `export`: observations of a vintage, or the ALFRED-style vintage matrix of
/// one series (every period × every release that changed the series).
enum VintageExport {
    struct Row: Encodable {
        let series: String
        let period: String
        let value: String?
        let release: Int64

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(series, forKey: .series)
            try c.encode(period, forKey: .period)
            try c.encode(value, forKey: .value)  // null, not left out: "no value" is a value
            try c.encode(release, forKey: .release)
        }

        enum CodingKeys: String, CodingKey { case series, period, value, release }
    }

    static func observations(_ rows: [Row], format: ExportFormat) throws -> ExportResponse {
        switch format {
        case .csv:
            var text = "series,period,value,release\n"
            for row in rows { text += "\(row.series),\(row.period),\(row.value ?? ""),\(row.release)\n" }
            return ExportResponse(format: .csv, text: text)
        case .json:
            return ExportResponse(format: .json, text: try json(rows))
        }
    }

    struct Matrix: Encodable {
        struct Column: Encodable {
            let release: Int64
            let ingestedAt: String

            enum CodingKeys: String, CodingKey {
                case release
                case ingestedAt = "ingested_at"
            }
        }

        struct Line: Encodable {
            let period: String
            /// One per column: the value known after that release, `null` when none was.
            let values: [String?]
        }

        let series: String
        let vintages: [Column]
        let periods: [Line]
    }

    /// Columns are the releases that wrote a version of the series, oldest first; a cell is
    /// the value known right after that release (empty before the period was published and
    /// after it was removed; `.` for a published "no value").
    static func matrix(series key: String, store: Store, format: ExportFormat) throws -> ExportResponse {
        guard let (versions, times) = try store.versions(series: key) else { throw ControlError.notFound("no series \(key)") }
        let releases = times.keys.sorted()
        var lines: [Matrix.Line] = []
        for (period, chain) in Dictionary(grouping: versions, by: \.period).sorted(by: { $0.key < $1.key }) {
            var values: [String?] = []
            var current: String?
            var next = chain.makeIterator()
            var pending = next.next()
            for release in releases {
                while let version = pending, version.releaseID <= release {
                    current = version.removed ? nil : (version.value ?? ".")
                    pending = next.next()
                }
                values.append(current)
            }
            lines.append(Matrix.Line(period: period, values: values))
        }
        let columns = releases.map { Matrix.Column(release: $0, ingestedAt: Timestamp.format(times[$0]!)) }
        switch format {
        case .csv:
            var text = "period," + columns.map { "r\($0.release)@\($0.ingestedAt)" }.joined(separator: ",") + "\n"
            for line in lines { text += line.period + "," + line.values.map { $0 ?? "" }.joined(separator: ",") + "\n" }
            return ExportResponse(format: .csv, text: text)
        case .json:
            return ExportResponse(format: .json, text: try json(Matrix(series: key, vintages: columns, periods: lines)))
        }
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
