#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A row of a streamed reply that writes its own JSON: the same bytes `WireJSON.encoder`
/// writes (keys sorted, absent optionals left out, `/` unescaped), without its per-value
/// overhead, which dominated a million-row reply. A test compares both on every row type.
public protocol RowJSON {
    func writeJSON(to out: inout [UInt8])
}

/// Appends JSON pieces to a byte buffer.
public enum JSONBytes {
    /// `"key":` then the value, with a comma before every member but the first.
    static func member(_ key: StaticString, _ first: inout Bool, _ out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    static func string(_ key: StaticString, _ value: String?, _ first: inout Bool, _ out: inout [UInt8]) {
        guard let value else { return }
        member(key, &first, &out)
        string(value, &out)
    }

    static func integer(_ key: StaticString, _ value: some BinaryInteger, _ first: inout Bool, _ out: inout [UInt8]) {
        member(key, &first, &out)
        out.append(contentsOf: String(value).utf8)
    }

    static func bool(_ key: StaticString, _ value: Bool, _ first: inout Bool, _ out: inout [UInt8]) {
        member(key, &first, &out)
        out.append(contentsOf: (value ? "true" : "false").utf8)
    }

    static func date(_ key: StaticString, _ value: Date?, _ first: inout Bool, _ out: inout [UInt8]) {
        guard let value else { return }
        string(key, WireTime.format(value), &first, &out)
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A string as JSON text: `"`, `\` and control characters escaped (`\n`, `\u001f`), `/` not.
    public static func string(_ value: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[start..<i])
                start = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default: out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
                }
            }
            out.append(contentsOf: bytes[start...])
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension ReleaseChange: RowJSON {
    public func writeJSON(to out: inout [UInt8]) {
        var first = true
        out.append(UInt8(ascii: "{"))
        JSONBytes.string("kind", kind.rawValue, &first, &out)
        JSONBytes.string("period", period, &first, &out)
        JSONBytes.string("previousStatus", previousStatus, &first, &out)
        JSONBytes.string("previousValue", previousValue, &first, &out)
        JSONBytes.string("series", series, &first, &out)
        JSONBytes.string("status", status, &first, &out)
        JSONBytes.string("value", value, &first, &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension SeriesSummary: RowJSON {
    public func writeJSON(to out: inout [UInt8]) {
        var first = true
        out.append(UInt8(ascii: "{"))
        JSONBytes.string("frequency", frequency, &first, &out)
        JSONBytes.string("key", key, &first, &out)
        JSONBytes.date("lastChangedAt", lastChangedAt, &first, &out)
        JSONBytes.string("latestPeriod", latestPeriod, &first, &out)
        JSONBytes.string("latestValue", latestValue, &first, &out)
        JSONBytes.string("name", name, &first, &out)
        JSONBytes.string("source", source, &first, &out)
        JSONBytes.string("unit", unit, &first, &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension Release: RowJSON {
    public func writeJSON(to out: inout [UInt8]) {
        var first = true
        out.append(UInt8(ascii: "{"))
        JSONBytes.integer("added", added, &first, &out)
        JSONBytes.integer("id", id, &first, &out)
        JSONBytes.date("ingestedAt", ingestedAt, &first, &out)
        JSONBytes.string("origin", origin, &first, &out)
        JSONBytes.date("publishedAt", publishedAt, &first, &out)
        JSONBytes.integer("removed", removed, &first, &out)
        JSONBytes.integer("revised", revised, &first, &out)
        JSONBytes.string("sha256", sha256, &first, &out)
        JSONBytes.string("source", source, &first, &out)
        JSONBytes.integer("unchanged", unchanged, &first, &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension ObservationVersion: RowJSON {
    public func writeJSON(to out: inout [UInt8]) {
        var first = true
        out.append(UInt8(ascii: "{"))
        JSONBytes.integer("releaseID", releaseID, &first, &out)
        JSONBytes.bool("removed", removed, &first, &out)
        JSONBytes.string("source", source, &first, &out)
        JSONBytes.string("status", status, &first, &out)
        JSONBytes.date("validFrom", validFrom, &first, &out)
        JSONBytes.date("validUntil", validUntil, &first, &out)
        JSONBytes.string("value", value, &first, &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension Observation: RowJSON {
    public func writeJSON(to out: inout [UInt8]) {
        var first = true
        out.append(UInt8(ascii: "{"))
        JSONBytes.string("period", period, &first, &out)
        JSONBytes.integer("releaseID", releaseID, &first, &out)
        JSONBytes.string("status", status, &first, &out)
        JSONBytes.string("value", value, &first, &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension String: RowJSON {
    public func writeJSON(to out: inout [UInt8]) {
        JSONBytes.string(self, &out)
    }
}

extension ControlMessage {
    /// `{"id":N,"rows":[…],"v":V}` and a newline, written by the rows themselves.
    static func writeRowsLine(_ rows: [any RowJSON], id: Int) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 96 + 32)
        out.append(contentsOf: #"{"id":"#.utf8)
        out.append(contentsOf: String(id).utf8)
        out.append(contentsOf: #","rows":["#.utf8)
        for (i, row) in rows.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            row.writeJSON(to: &out)
        }
        out.append(contentsOf: #"],"v":"#.utf8)
        out.append(contentsOf: String(ControlProtocol.protocolVersion).utf8)
        out.append(contentsOf: "}\n".utf8)
        return Data(out)
    }
}
