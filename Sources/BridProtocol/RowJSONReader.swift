#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A row of a streamed reply that reads itself from the members of its JSON object: the
/// client's side of `RowJSON`, for the same reason (JSONDecoder's per-value cost dominated
/// reading a million rows). Unknown members are ignored, as JSONDecoder ignores them.
public protocol RowJSONReadable {
    init(members: [(key: String, value: JSONScalar)]) throws
}

/// A JSON value of a row's member: rows are flat objects.
public enum JSONScalar: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null

    var string: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    func required(_ key: String) throws -> String {
        guard let text = string else { throw RowJSONError("\"\(key)\" should be text") }
        return text
    }

    func integer(_ key: String) throws -> Int64 {
        guard case let .integer(value) = self else { throw RowJSONError("\"\(key)\" should be an integer") }
        return value
    }

    func date(_ key: String) throws -> Date? {
        guard let text = string else { return nil }
        guard let date = WireTime.parse(text) else { throw RowJSONError("\"\(key)\" should be an ISO-8601 time") }
        return date
    }
}

struct RowJSONError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads `{"id":N,"rows":[{…},…],"v":V}` (the lines of rows, as `RowJSON` writes them and
/// any JSON writer could): nil when the line is anything else, which is then read the
/// general way.
struct RowsLineReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    static func rows<Row: RowJSONReadable>(_ line: Data, as _: Row.Type) throws -> [Row]? {
        try line.withUnsafeBytes { raw -> [Row]? in
            var reader = RowsLineReader(raw.bindMemory(to: UInt8.self))
            return try reader.line { reader in try reader.object().map { try Row(members: $0) } }
        }
    }

    /// Rows that are strings (the lines of an export).
    static func strings(_ line: Data) throws -> [String]? {
        try line.withUnsafeBytes { raw -> [String]? in
            var reader = RowsLineReader(raw.bindMemory(to: UInt8.self))
            return try reader.line { reader in try reader.string() }
        }
    }

    private mutating func line<Row>(_ element: (inout RowsLineReader) throws -> Row?) throws -> [Row]? {
        var rows: [Row]?
        guard take(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let key = try string() else { return nil }
            guard take(UInt8(ascii: ":")) else { return nil }
            switch key {
            case "rows":
                guard take(UInt8(ascii: "[")) else { return nil }
                var list: [Row] = []
                if !take(UInt8(ascii: "]")) {
                    repeat {
                        guard let row = try element(&self) else { return nil }
                        list.append(row)
                    } while take(UInt8(ascii: ","))
                    guard take(UInt8(ascii: "]")) else { return nil }
                }
                rows = list
            case "id", "v":
                guard case .integer = try scalar() else { return nil }
            default:
                return nil  // an end or error line
            }
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")) else { return nil }
        return rows
    }

    private mutating func object() throws -> [(key: String, value: JSONScalar)]? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var members: [(key: String, value: JSONScalar)] = []
        if take(UInt8(ascii: "}")) { return members }
        repeat {
            guard let key = try string(), take(UInt8(ascii: ":")), let value = try scalar() else { return nil }
            members.append((key, value))
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}")) ? members : nil
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    private mutating func scalar() throws -> JSONScalar? {
        skipSpace()
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "\""): return try string().map { .string($0) }
        case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return word("null") ? .null : nil
        default:
            var value: Int64 = 0
            var negative = false
            if bytes[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(Int64(bytes[i] - 0x30))
                guard !o1, !o2 else { return nil }
                value = plus
                i += 1
            }
            // Only integers travel as numbers (decimal values are text).
            guard i > start, i == bytes.count || !(bytes[i] == UInt8(ascii: ".") || bytes[i] | 0x20 == UInt8(ascii: "e")) else { return nil }
            return .integer(negative ? -value : value)
        }
    }

    private mutating func word(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard i + count <= bytes.count else { return false }
        for k in 0..<count where bytes[i + k] != text.utf8Start[k] { return false }
        i += count
        return true
    }

    private mutating func string() throws -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        }
        // Escapes: the slow way, rarely taken.
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard i < bytes.count else { return nil }
            let escaped = bytes[i]
            i += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return nil }
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard word("\\u"), let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i] | 0x20
            let digit: UInt8
            if byte >= 0x30, byte <= 0x39 { digit = byte - 0x30 } else if byte >= 0x61, byte <= 0x66 { digit = byte - 0x61 + 10 } else { return nil }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }
}

extension ReleaseChange: RowJSONReadable {
    public init(members: [(key: String, value: JSONScalar)]) throws {
        var series: String?, period: String?, kind: Kind?, value: String?, previous: String?, status: String?, previousStatus: String?
        for (key, scalar) in members {
            switch key {
            case "series": series = try scalar.required(key)
            case "period": period = try scalar.required(key)
            case "kind":
                guard let parsed = Kind(rawValue: try scalar.required(key)) else { throw RowJSONError("\"kind\" is not added, revised or removed") }
                kind = parsed
            case "value": value = scalar.string
            case "previousValue": previous = scalar.string
            case "status": status = scalar.string
            case "previousStatus": previousStatus = scalar.string
            default: break
            }
        }
        guard let series, let period, let kind else { throw RowJSONError("a change needs series, period and kind") }
        self.init(series: series, period: period, kind: kind, value: value, status: status, previousValue: previous, previousStatus: previousStatus)
    }
}

extension Observation: RowJSONReadable {
    public init(members: [(key: String, value: JSONScalar)]) throws {
        var period: String?, value: String?, releaseID: Int64?, status: String?
        for (key, scalar) in members {
            switch key {
            case "period": period = try scalar.required(key)
            case "value": value = scalar.string
            case "status": status = scalar.string
            case "releaseID": releaseID = try scalar.integer(key)
            default: break
            }
        }
        guard let period, let releaseID else { throw RowJSONError("an observation needs period and releaseID") }
        self.init(period: period, value: value, status: status, releaseID: releaseID)
    }
}

extension SeriesSummary: RowJSONReadable {
    public init(members: [(key: String, value: JSONScalar)]) throws {
        var key: String?, frequency: String?
        self.init(key: "", frequency: "")
        for (name, scalar) in members {
            switch name {
            case "key": key = try scalar.required(name)
            case "frequency": frequency = try scalar.required(name)
            case "name": self.name = scalar.string
            case "unit": unit = scalar.string
            case "source": source = scalar.string
            case "latestPeriod": latestPeriod = scalar.string
            case "latestValue": latestValue = scalar.string
            case "lastChangedAt": lastChangedAt = try scalar.date(name)
            default: break
            }
        }
        guard let key, let frequency else { throw RowJSONError("a series needs key and frequency") }
        self.key = key
        self.frequency = frequency
    }
}

extension Release: RowJSONReadable {
    public init(members: [(key: String, value: JSONScalar)]) throws {
        var id: Int64?, source: String?, ingestedAt: Date?, publishedAt: Date?, origin: String?, sha256: String?
        var counts = [Int](repeating: -1, count: 4)
        for (key, scalar) in members {
            switch key {
            case "id": id = try scalar.integer(key)
            case "source": source = try scalar.required(key)
            case "ingestedAt": ingestedAt = try scalar.date(key)
            case "publishedAt": publishedAt = try scalar.date(key)
            case "origin": origin = try scalar.required(key)
            case "sha256": sha256 = try scalar.required(key)
            case "added": counts[0] = Int(try scalar.integer(key))
            case "revised": counts[1] = Int(try scalar.integer(key))
            case "removed": counts[2] = Int(try scalar.integer(key))
            case "unchanged": counts[3] = Int(try scalar.integer(key))
            default: break
            }
        }
        guard let id, let source, let ingestedAt, let origin, let sha256, !counts.contains(-1) else {
            throw RowJSONError("a release misses one of its fields")
        }
        self.init(id: id, source: source, ingestedAt: ingestedAt, publishedAt: publishedAt, origin: origin, sha256: sha256,
                  added: counts[0], revised: counts[1], removed: counts[2], unchanged: counts[3])
    }
}

extension ObservationVersion: RowJSONReadable {
    public init(members: [(key: String, value: JSONScalar)]) throws {
        var releaseID: Int64?, source: String?, value: String?, removed = false, validFrom: Date?, validUntil: Date?, status: String?
        for (key, scalar) in members {
            switch key {
            case "releaseID": releaseID = try scalar.integer(key)
            case "source": source = try scalar.required(key)
            case "value": value = scalar.string
            case "status": status = scalar.string
            case "removed":
                guard case let .bool(flag) = scalar else { throw RowJSONError("\"removed\" should be true or false") }
                removed = flag
            case "validFrom": validFrom = try scalar.date(key)
            case "validUntil": validUntil = try scalar.date(key)
            default: break
            }
        }
        guard let releaseID, let source, let validFrom else { throw RowJSONError("a version needs releaseID, source and validFrom") }
        self.init(releaseID: releaseID, source: source, value: value, status: status, removed: removed, validFrom: validFrom, validUntil: validUntil)
    }
}
