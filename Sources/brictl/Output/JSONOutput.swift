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

    /// The elements of a rows line `{"id":N,"rows":[…],"v":V}` as raw bytes, when each is a
    /// flat object or a string (as brid writes them); nil for anything else.
    static func rawRows(_ line: Data) -> [ArraySlice<UInt8>]? {
        let bytes = [UInt8](line)
        let marker = Array(#","rows":["#.utf8)
        guard bytes.starts(with: Array(#"{"id":"#.utf8)),
              var i = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }).map({ $0 + marker.count }) else { return nil }
        var rows: [ArraySlice<UInt8>] = []
        while i < bytes.count, bytes[i] != UInt8(ascii: "]") {
            let start = i
            var inString = false
            var depth = 0
            while i < bytes.count {
                let byte = bytes[i]
                if inString {
                    if byte == UInt8(ascii: "\\") { i += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    depth += 1
                    if depth > 1 { return nil }  // not flat
                } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { break }
                    depth -= 1
                } else if byte == UInt8(ascii: ","), depth == 0 {
                    break
                }
                i += 1
            }
            rows.append(bytes[start..<i])
            if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1 }
        }
        return rows
    }

    /// A flat object (or a scalar) laid out as `prettyResult` lays it out: a member per
    /// line, `"key" : value`, indented by `indent` + 2 inside.
    static func prettyFlat(_ raw: ArraySlice<UInt8>, indent: Int, into out: inout [UInt8]) {
        guard raw.first == UInt8(ascii: "{") else {
            out.append(contentsOf: raw)
            return
        }
        let inner = [UInt8](repeating: 0x20, count: indent + 2)
        if raw.count == 2 {
            out.append(contentsOf: "{\n\n".utf8)
            out.append(contentsOf: [UInt8](repeating: 0x20, count: indent))
            out.append(UInt8(ascii: "}"))
            return
        }
        out.append(contentsOf: "{\n".utf8)
        out.append(contentsOf: inner)
        var inString = false
        var escaped = false
        for byte in raw.dropFirst().dropLast() {
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: ":"):
                out.append(contentsOf: " : ".utf8)
            case UInt8(ascii: ","):
                out.append(contentsOf: ",\n".utf8)
                out.append(contentsOf: inner)
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: [UInt8](repeating: 0x20, count: indent))
        out.append(UInt8(ascii: "}"))
    }
}
