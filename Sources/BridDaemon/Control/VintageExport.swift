import BridCore
import BridProtocol
import BridStore
import Foundation

/// The text of `export`: observations of a vintage, or the ALFRED-style vintage matrix of
/// one series (every period × every release that changed the series).
enum VintageExport {
    static func observations(_ rows: [(series: String, period: String, value: String?, release: Int64)], format: ExportFormat) -> ExportResponse {
        switch format {
        case .csv:
            var text = "series,period,value,release\n"
            for row in rows { text += "\(row.series),\(row.period),\(row.value ?? ""),\(row.release)\n" }
            return ExportResponse(format: .csv, text: text)
        case .json:
            let objects = rows.map { row in
                "{\"series\":\(quote(row.series)),\"period\":\(quote(row.period)),\"value\":\(row.value.map(quote) ?? "null"),\"release\":\(row.release)}"
            }
            return ExportResponse(format: .json, text: "[" + objects.joined(separator: ",\n") + "]\n")
        }
    }

    /// Columns are the releases that wrote a version of the series, oldest first; a cell is
    /// the value known right after that release (empty before the period was published and
    /// after it was removed; `.` for a published "no value").
    static func matrix(series key: String, store: Store, format: ExportFormat) throws -> ExportResponse {
        guard let (versions, times) = try store.versions(series: key) else { throw ControlError.notFound("no series \(key)") }
        let releases = times.keys.sorted()
        var periods: [String] = []
        var cells: [String: [Int64: String]] = [:]
        for (period, chain) in Dictionary(grouping: versions, by: \.period).sorted(by: { $0.key < $1.key }) {
            periods.append(period)
            var row: [Int64: String] = [:]
            var current: String?
            var next = chain.makeIterator()
            var pending = next.next()
            for release in releases {
                while let version = pending, version.releaseID <= release {
                    current = version.removed ? nil : (version.value ?? ".")
                    pending = next.next()
                }
                if let current { row[release] = current }
            }
            cells[period] = row
        }
        let headers = releases.map { "r\($0)@\(Timestamp.format(times[$0]!))" }
        switch format {
        case .csv:
            var text = "period," + headers.joined(separator: ",") + "\n"
            for period in periods {
                text += period + "," + releases.map { cells[period]?[$0] ?? "" }.joined(separator: ",") + "\n"
            }
            return ExportResponse(format: .csv, text: text)
        case .json:
            let columns = releases.map { "{\"release\":\($0),\"ingested_at\":\(quote(Timestamp.format(times[$0]!)))}" }
            let rows = periods.map { period in
                "{\"period\":\(quote(period)),\"values\":[" + releases.map { cells[period]?[$0].map(quote) ?? "null" }.joined(separator: ",") + "]}"
            }
            return ExportResponse(format: .json, text: "{\"series\":\(quote(key)),\"vintages\":[\(columns.joined(separator: ","))],\n\"periods\":[\n" + rows.joined(separator: ",\n") + "]}\n")
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
