import BridCore
@testable import BridFormats
import Foundation
import Testing

/// Shared helpers of the JSON family's tests.
enum JSONTest {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name)
        return [UInt8](try Data(contentsOf: url))
    }

    /// Reads `bytes` with a format configured by `options` (and the `series` template) into a
    /// fresh builder and finishes it, as the ingestor does.
    static func read<F: PayloadFormat>(_ format: F.Type, _ bytes: [UInt8], series: String? = nil, options: [String: FormatOption] = [:],
                                       known: [String: Frequency] = [:], origin: String = "test.json") throws -> Payload {
        let reader = try F(settings: FormatSettings(seriesTemplate: series, options: options))
        var builder = PayloadBuilder(origin: origin, ordinalKind: F.ordinalKind) { known[$0] }
        try reader.read(bytes, into: &builder)
        return try builder.finish()
    }

    static func read<F: PayloadFormat>(_ format: F.Type, _ text: String, series: String? = nil, options: [String: FormatOption] = [:],
                                       known: [String: Frequency] = [:]) throws -> Payload {
        try read(format, Array(text.utf8), series: series, options: options, known: known)
    }

    /// The input error reading (or finishing) the payload raises, as text; nil if it is accepted.
    static func error<F: PayloadFormat>(_ format: F.Type, _ text: String, series: String? = nil, options: [String: FormatOption] = [:],
                                        known: [String: Frequency] = [:]) throws -> String? {
        do {
            _ = try read(format, Array(text.utf8), series: series, options: options, known: known)
            return nil
        } catch let error as InputError {
            return error.description
        }
    }

    /// The settings error a configuration raises, as (key, message).
    static func settingsError<F: PayloadFormat>(_ format: F.Type, series: String? = nil, options: [String: FormatOption] = [:]) -> FormatSettingsError? {
        do {
            _ = try F(settings: FormatSettings(seriesTemplate: series, options: options))
            return nil
        } catch {
            return error as? FormatSettingsError
        }
    }
}

extension Payload {
    /// series key → [(period, value)], for compact expectations.
    var table: [String: [String]] {
        Dictionary(uniqueKeysWithValues: series.map { s in
            (s.key, zip(s.periods, s.values).map { "\($0)=\($1 ?? "nil")" })
        })
    }
}
