import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--json`: the reply's `result`, exactly as brid sent it, pretty-printed with sorted keys
/// — the layout Foundation's `JSONSerialization` writes with `.prettyPrinted` and
/// `.sortedKeys` (`"key" : value`, two spaces a level, `{\n\n}` when empty), done here
/// over the reply's bytes: brictl links FoundationEssentials only, which has no
/// `JSONSerialization`, and scalars (numbers, strings) are copied as brid wrote them.
enum JSONOutput {
    static func prettyResult(ofReplyLine line: Data) -> String {
        guard case let .object(members)? = RawJSON.parse([UInt8](line)),
              let result = members.first(where: { $0.key == "result" })?.value
        else { return "null" }
        return pretty(result)
    }

    /// The `rows` of a rows line, each laid out as `prettyResult` lays out a value; nil when
    /// the line is not a JSON object with a `rows` list.
    static func prettyRows(ofLine line: Data) -> [String]? {
        guard case let .object(members)? = RawJSON.parse([UInt8](line)),
              case let .array(rows)? = members.first(where: { $0.key == "rows" })?.value
        else { return nil }
        return rows.map { pretty($0) }
    }

    /// A string as JSON text, laid out as `prettyResult` lays out a value.
    static func pretty(_ text: String) -> String {
        var out: [UInt8] = []
        JSONBytes.string(text, &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func pretty(_ value: RawJSON) -> String {
        var out: [UInt8] = []
        value.layOut(indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
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

/// A JSON value read just far enough to lay it out again: objects and lists as trees,
/// strings decoded (written again as JSONSerialization escapes them), numbers and
/// literals as the bytes brid wrote.
indirect enum RawJSON {
    case scalar(ArraySlice<UInt8>)
    case string(String)
    case array([RawJSON])
    /// Members in the order read.
    case object([(key: String, value: RawJSON)])

    /// The value `bytes` hold (whitespace around it allowed); nil when they are not JSON.
    static func parse(_ bytes: [UInt8]) -> RawJSON? {
        var reader = Reader(bytes: bytes)
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        return reader.index == bytes.count ? value : nil
    }

    func layOut(indent: Int, into out: inout [UInt8]) {
        switch self {
        case let .scalar(raw):
            out.append(contentsOf: raw)
        case let .string(text):
            out.append(contentsOf: JSONOutput.pretty(text).utf8)
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            Self.layOut(elements.count, indent: indent, into: &out) { index, out in
                elements[index].layOut(indent: indent + 2, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            let sorted = members.sorted { JSONKeyOrder.precedes($0.key, $1.key) }
            out.append(UInt8(ascii: "{"))
            Self.layOut(sorted.count, indent: indent, into: &out) { index, out in
                out.append(contentsOf: JSONOutput.pretty(sorted[index].key).utf8)
                out.append(contentsOf: " : ".utf8)
                sorted[index].value.layOut(indent: indent + 2, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `\n` + each item indented on its line, `,\n` between, `\n` + the closing indent;
    /// an empty container is `\n\n` + the closing indent, as JSONSerialization writes it.
    private static func layOut(_ count: Int, indent: Int, into out: inout [UInt8], item: (Int, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "\n"))
        for index in 0..<count {
            if index > 0 { out.append(contentsOf: ",\n".utf8) }
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent + 2))
            item(index, &out)
        }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) -> RawJSON? {
            guard depth < 512 else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(key: String, value: RawJSON)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard let rawKey = string(), let key = Self.decode(rawKey) else { return nil }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard let member = value(depth: depth + 1) else { return nil }
                    members.append((key, member))
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "["):
                index += 1
                var elements: [RawJSON] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                while true {
                    guard let element = value(depth: depth + 1) else { return nil }
                    elements.append(element)
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "]") { return .array(elements) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "\""):
                return string().flatMap(Self.decode).map { .string($0) }
            default:
                let start = index
                while index < bytes.count, !Self.ends(bytes[index]) { index += 1 }
                let token = bytes[start..<index]
                guard !token.isEmpty, token.elementsEqual("true".utf8) || token.elementsEqual("false".utf8)
                    || token.elementsEqual("null".utf8) || Double(String(decoding: token, as: UTF8.self)) != nil
                else { return nil }
                return .scalar(token)
            }
        }

        /// A quoted string, quotes included.
        mutating func string() -> ArraySlice<UInt8>? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return bytes[start..<index]
                default: index += 1
                }
            }
            return nil
        }

        static func ends(_ byte: UInt8) -> Bool {
            [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":")].contains(byte)
        }

        /// The text of a quoted string (escapes undone).
        static func decode(_ quoted: ArraySlice<UInt8>) -> String? {
            let inner = quoted.dropFirst().dropLast()
            guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
            var scalars = String.UnicodeScalarView()
            var units: [UInt8] = []
            var i = inner.startIndex
            func flush() {
                scalars.append(contentsOf: String(decoding: units, as: UTF8.self).unicodeScalars)
                units = []
            }
            func hex4(_ at: Int) -> UInt32? {
                guard at + 4 <= inner.endIndex else { return nil }
                return UInt32(String(decoding: inner[at..<(at + 4)], as: UTF8.self), radix: 16)
            }
            while i < inner.endIndex {
                guard inner[i] == UInt8(ascii: "\\"), i + 1 < inner.endIndex else {
                    units.append(inner[i])
                    i += 1
                    continue
                }
                flush()
                let escaped = inner[i + 1]
                i += 2
                switch escaped {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "u"):
                    guard var code = hex4(i) else { return nil }
                    i += 4
                    if (0xD800..<0xDC00).contains(code), i + 1 < inner.endIndex, inner[i] == UInt8(ascii: "\\"),
                       inner[i + 1] == UInt8(ascii: "u"), let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: scalars.append(Unicode.Scalar(escaped))
                }
            }
            flush()
            return String(scalars)
        }
    }
}

/// The order JSONSerialization's `.sortedKeys` puts keys in (Foundation compares them
/// with `[.numeric, .caseInsensitive, .forcedOrdering]` in the root locale, that is by
/// the Unicode collation): first without case — punctuation before digits before letters,
/// runs of digits as numbers (`a9` before `a10`) — then lowercase before uppercase at
/// the first difference, then the shorter, then code points. Exact for ASCII keys, which is what brid's
/// replies have; other characters sort after ASCII letters by code point.
enum JSONKeyOrder {
    static func precedes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let primary = compare(primaryWeights(x), primaryWeights(y))
        if primary != 0 { return primary < 0 }
        for (c, d) in zip(x, y) where c != d {
            let (p, q) = (isUpper(c), isUpper(d))
            if p != q { return !p }
            break
        }
        if x.count != y.count { return x.count < y.count }  // `a1` before `a01`
        return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    /// The DUCET's order of ASCII punctuation and symbols (all before digits and letters).
    private static let punctuation = Array("\t\n\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$".unicodeScalars)

    /// One weight per character, a run of digits as one (its value); classes apart:
    /// punctuation < digits < letters < anything else.
    private static func primaryWeights(_ scalars: [Unicode.Scalar]) -> [[UInt64]] {
        var weights: [[UInt64]] = []
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if isDigit(s) {
                var run: [UInt64] = []
                while i < scalars.count, isDigit(scalars[i]) {
                    run.append(UInt64(scalars[i].value - 0x30))
                    i += 1
                }
                while run.count > 1, run.first == 0 { run.removeFirst() }
                weights.append([1, UInt64(run.count)] + run)
                continue
            }
            if let rank = punctuation.firstIndex(of: s) {
                weights.append([0, UInt64(rank)])
            } else if isUpper(s) || (s.value >= 0x61 && s.value <= 0x7A) {
                weights.append([2, UInt64(isUpper(s) ? s.value + 0x20 : s.value)])
            } else {
                weights.append([3, UInt64(s.value)])
            }
            i += 1
        }
        return weights
    }

    private static func compare(_ x: [[UInt64]], _ y: [[UInt64]]) -> Int {
        for (p, q) in zip(x, y) where p != q {
            return p.lexicographicallyPrecedes(q) ? -1 : 1
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }
    private static func isUpper(_ s: Unicode.Scalar) -> Bool { s.value >= 0x41 && s.value <= 0x5A }
}
