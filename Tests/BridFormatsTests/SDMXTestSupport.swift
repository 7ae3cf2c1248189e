import BridCore
@testable import BridFormats
import Foundation

/// Runs `format` over `bytes` through a `PayloadBuilder` and returns the finished payload.
func readPayload<F: PayloadFormat>(_ format: F, _ bytes: [UInt8], origin: String = "test") throws -> Payload {
    var builder = PayloadBuilder(origin: origin, ordinalKind: F.ordinalKind) { _ in nil }
    try format.read(bytes, into: &builder)
    return try builder.finish()
}

/// The bytes of a fixture in Tests/BridFormatsTests/Fixtures.
func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return [UInt8](try Data(contentsOf: url))
}

/// Settings from a `series` template and options given as plain Swift values.
func settings(series: String? = nil, _ options: [String: Any] = [:]) -> FormatSettings {
    var converted: [String: FormatOption] = [:]
    for (key, value) in options {
        switch value {
        case let s as String: converted[key] = .string(s)
        case let a as [String]: converted[key] = .stringArray(a)
        case let t as [String: String]: converted[key] = .stringTable(t)
        case let b as Bool: converted[key] = .bool(b)
        case let n as Int: converted[key] = .integer(n)
        default: fatalError("unsupported option value \(value)")
        }
    }
    return FormatSettings(seriesTemplate: series, options: converted)
}

extension Payload {
    /// Every observation as "key period value" (value "-" for none), deletions as
    /// "key period DELETE", in payload order.
    var lines: [String] {
        series.flatMap { s in
            zip(s.periods, s.values).map { "\(s.key) \($0) \($1 ?? "-")" } + s.deletedPeriods.map { "\(s.key) \($0) DELETE" }
        }
    }
}
