import BridCore
import Glibc

/// Splits CSV text into records of fields (RFC 4180 quoting) without copying: fields are
/// byte ranges into the payload. Handles `,` `;` and tab, LF and CRLF, and quoted
/// fields with separators, doubled quotes and newlines inside.
struct CSVTokenizer {
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var hasDoubledQuote: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    private(set) var position: Int
    /// 1-based line of the next unread byte.
    private(set) var line = 1

    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, start: Int, line: Int = 1) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.position = start
        self.line = line
    }

    /// Reads the next record into `fields`; returns the line it started on, or nil at the end.
    /// Throws a reason (without place) for an unterminated quote or stray characters.
    mutating func next(into fields: inout [Field]) throws(CSVSyntaxError) -> Int? {
        fields.removeAll(keepingCapacity: true)
        guard position < bytes.count else { return nil }
        let startLine = line
        let count = bytes.count
        var i = position
        while true {
            if i < count, bytes[i] == UInt8(ascii: "\"") {
                // Quoted field: runs to the closing quote; "" is a literal quote.
                var j = i + 1
                var doubled = false
                while true {
                    guard j < count else { throw CSVSyntaxError(line: startLine, reason: "a quoted field is not closed") }
                    let c = bytes[j]
                    if c == UInt8(ascii: "\"") {
                        if j + 1 < count, bytes[j + 1] == UInt8(ascii: "\"") { doubled = true; j += 2; continue }
                        break
                    }
                    if c == 0x0A { line += 1 }
                    j += 1
                }
                fields.append(Field(start: i + 1, end: j, quoted: true, hasDoubledQuote: doubled))
                i = j + 1
                if i < count, bytes[i] == 0x0D { i += 1 }
                if i >= count || bytes[i] == 0x0A { break }
                guard bytes[i] == delimiter else {
                    throw CSVSyntaxError(line: line, reason: "unexpected character after a closing quote (a quote inside a quoted field must be doubled)")
                }
                i += 1
                if i >= count { fields.append(Field(start: i, end: i, quoted: false, hasDoubledQuote: false)); break }
                continue
            }
            var j = i
            while j < count {
                let c = bytes[j]
                if c == delimiter || c == 0x0A { break }
                j += 1
            }
            var end = j
            if end > i, bytes[end - 1] == 0x0D { end -= 1 }
            fields.append(Field(start: i, end: end, quoted: false, hasDoubledQuote: false))
            if j < count, bytes[j] == delimiter {
                i = j + 1
                if i >= count { fields.append(Field(start: i, end: i, quoted: false, hasDoubledQuote: false)); break }
                continue
            }
            i = j
            break
        }
        // i is at a newline or at the end.
        if i < count { i += 1; line += 1 }
        position = i
        return startLine
    }

    /// The text of a field, validated as UTF-8.
    func string(_ field: Field) -> String? {
        let slice = UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
        var ascii = true
        for b in slice where b >= 0x80 { ascii = false; break }
        var text: String
        if ascii {
            text = String(decoding: slice, as: UTF8.self)
        } else {
            guard let valid = String(validating: slice, as: UTF8.self) else { return nil }
            text = valid
        }
        if field.hasDoubledQuote {
            // Inside a quoted field every quote is doubled: keep one of each pair.
            var unescaped: [UInt8] = []
            var skip = false
            for b in text.utf8 {
                if b == UInt8(ascii: "\""), skip { skip = false; continue }
                skip = b == UInt8(ascii: "\"")
                unescaped.append(b)
            }
            text = String(decoding: unescaped, as: UTF8.self)
        }
        return text
    }

    /// Whether two fields (of any rows of this payload) hold the same bytes.
    func sameBytes(_ a: Field, _ b: Field) -> Bool {
        let count = a.end - a.start
        guard count == b.end - b.start else { return false }
        guard count > 0, let base = bytes.baseAddress else { return true }
        return memcmp(base + a.start, base + b.start, count) == 0
    }

    /// Whether a field is empty after trimming spaces.
    func isBlank(_ field: Field) -> Bool {
        for i in field.start..<field.end where bytes[i] != 0x20 && bytes[i] != 0x09 && bytes[i] != 0x0D { return false }
        return true
    }

    /// The delimiter of a header line: the most frequent of `,` `;` tab outside quotes.
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, 0x09: 0]
        var inQuotes = false
        var i = start
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { inQuotes.toggle() }
            else if !inQuotes, c == 0x0A { break }
            else if !inQuotes, counts[c] != nil { counts[c, default: 0] += 1 }
            i += 1
        }
        let best = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }
        return (best?.value ?? 0) > 0 ? best!.key : UInt8(ascii: ",")
    }
}

struct CSVSyntaxError: Error {
    let line: Int
    let reason: String
}
