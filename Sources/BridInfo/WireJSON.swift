#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// brid's JSON on the wire — control protocol lines, alert notifications — written and
/// read by one configured coder pair: sorted keys, no escaped slashes, times as `WireTime`
/// ISO-8601 text, bytes as base64. Configured once: building a coder per message costs
/// more than encoding a `status` reply.
public enum WireJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(WireTime.format(date))
        }
        encoder.dataEncodingStrategy = .base64
        return encoder
    }()

    /// Times must be ISO-8601 text.
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = WireTime.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an ISO-8601 time such as 2025-11-30T10:27:00Z, got \"\(text)\"")
            }
            return date
        }
        decoder.dataDecodingStrategy = .base64
        return decoder
    }()
}
