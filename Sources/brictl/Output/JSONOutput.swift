import Foundation

/// `--json`: the reply's `result`, exactly as brid sent it, pretty-printed with sorted keys.
enum JSONOutput {
    static func prettyResult(ofReplyLine line: Data) -> String {
        guard let envelope = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
              let result = envelope["result"],
              let data = try? JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Any JSON value pretty-printed as `prettyResult` does.
    static func pretty(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
