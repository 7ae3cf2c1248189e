/// A value in a FRED document: text, or a number (a number in JSON, an attribute's text in XML).
enum FREDField: Sendable {
    case text(String)
    case number(Int)
}

/// Writes FRED's documents in either of its layouts: XML (a root element whose attributes
/// describe the request, one empty element per item, `<?xml …?>` first) or JSON (one object:
/// the same attributes as keys, in the same order, then the items as an array under the
/// list's name). Bytes are appended as they are written; nothing is parsed back.
struct FREDDocument {
    let json: Bool
    private(set) var bytes: [UInt8] = []
    private(set) var items = 0
    private var fields = 0
    private let root: String
    private let list: String

    /// Starts the document: `root` with its attributes; items follow under `list` (JSON's key;
    /// in XML the items are the root's children).
    init(json: Bool, root: String, list: String, attributes: [(String, FREDField)], capacity: Int = 1024) {
        self.json = json
        self.root = root
        self.list = list
        bytes.reserveCapacity(capacity)
        // The root's attributes are written as an item's fields are.
        append(json ? "{" : "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<" + root)
        for (name, value) in attributes { field(name, value) }
        if json {
            append(attributes.isEmpty ? "" : ",")
            appendJSONKey(list)
            append("[")
        } else {
            append(">\n")
        }
        fields = 0
    }

    /// One item: `<name a="…" …/>` in XML, `{"a":"…",…}` in JSON.
    mutating func element(_ name: String, _ attributes: [(String, FREDField)]) {
        beginItem(name)
        for (key, value) in attributes { field(key, value) }
        endItem()
    }

    /// A text or number field of the item begun (or of the root, while it is written).
    mutating func field(_ key: String, _ value: FREDField) {
        switch value {
        case .text(let text): field(key, text)
        case .number(let n): field(key, number: n)
        }
    }

    /// An item written field by field: `beginItem`, `field`s, `endItem`.
    mutating func beginItem(_ name: String) {
        if json {
            append(items == 0 ? "{" : ",{")
        } else {
            append("  <")
            append(name)
        }
        fields = 0
    }

    /// A text field of the item begun.
    mutating func field(_ key: String, _ text: String) {
        fieldKey(key)
        if json { appendJSONString(text) } else { appendXMLEscaped(text); bytes.append(UInt8(ascii: "\"")) }
    }

    /// A date field (`YYYY-MM-DD`) of the item begun.
    mutating func field(_ key: String, day: FREDDay) {
        fieldKey(key)
        if json { bytes.append(UInt8(ascii: "\"")) }
        day.write(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A number field of the item begun (an attribute's text in XML).
    mutating func field(_ key: String, number: Int) {
        fieldKey(key)
        append(String(number))
        if !json { bytes.append(UInt8(ascii: "\"")) }
    }

    mutating func endItem() {
        append(json ? "}" : "/>\n")
        items += 1
    }

    /// One observation of output types 1 and 4 (`realtime_start`, `realtime_end`, `date`,
    /// `value`), as `element` would write it: the fixed parts as bytes, the days written
    /// from their numbers (the real-time days, the same row after row, kept written).
    mutating func observation(start: FREDDay, end: FREDDay, date: FREDDay, value: String) {
        let row = json ? Self.jsonRow : Self.xmlRow
        if json, items > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: row.start)
        appendDay(start, slot: 0)
        bytes.append(contentsOf: row.end)
        appendDay(end, slot: 1)
        bytes.append(contentsOf: row.date)
        date.write(to: &bytes)
        bytes.append(contentsOf: row.value)
        if json { appendJSONEscaped(value) } else { appendXMLEscaped(value) }
        bytes.append(contentsOf: row.close)
        items += 1
    }

    /// The fixed parts of an observation row, around its four values.
    private struct RowParts: Sendable {
        let start, end, date, value, close: [UInt8]
        init(_ parts: [String]) {
            (start, end, date, value, close) = (Array(parts[0].utf8), Array(parts[1].utf8), Array(parts[2].utf8), Array(parts[3].utf8), Array(parts[4].utf8))
        }
    }

    private static let jsonRow = RowParts([#"{"realtime_start":""#, #"","realtime_end":""#, #"","date":""#, #"","value":""#, #""}"#])
    private static let xmlRow = RowParts([#"  <observation realtime_start=""#, #"" realtime_end=""#, #"" date=""#, #"" value=""#, "\"/>\n"])

    /// Two days kept written (`slot` 0 and 1), for the days that repeat row after row.
    private var writtenDays: [(day: FREDDay, bytes: [UInt8])] = [(FREDDay(number: .min), []), (FREDDay(number: .min), [])]

    private mutating func appendDay(_ day: FREDDay, slot: Int) {
        if writtenDays[slot].day != day {
            var written: [UInt8] = []
            written.reserveCapacity(10)
            day.write(to: &written)
            writtenDays[slot] = (day, written)
        }
        bytes.append(contentsOf: writtenDays[slot].bytes)
    }

    /// `"key":` after a comma, or ` key="`.
    private mutating func fieldKey(_ key: String) {
        if json {
            if fields > 0 { bytes.append(UInt8(ascii: ",")) }
            appendJSONKey(key)
        } else {
            bytes.append(UInt8(ascii: " "))
            appendXMLEscaped(key)
            append("=\"")
        }
        fields += 1
    }

    /// A document of items only, to be appended to one whose attributes (a count) are
    /// known only once its items are written.
    init(itemsOnly json: Bool, capacity: Int) {
        self.init(empty: json)
        bytes.reserveCapacity(capacity)
    }

    /// The items of an `itemsOnly` document, after this one's.
    mutating func append(items other: consuming FREDDocument) {
        if json, items > 0, other.items > 0 { bytes.append(UInt8(ascii: ",")) }
        // The other's first item was written as a first item (no comma).
        bytes.append(contentsOf: other.bytes)
        items += other.items
    }

    /// One item with text only: `<name>text</name>` in XML, `"text"` in JSON.
    mutating func textElement(_ name: String, _ text: String) {
        if json {
            if items > 0 { append(",") }
            appendJSONString(text)
        } else {
            append("  <")
            append(name)
            append(">")
            appendXMLEscaped(text)
            append("</")
            append(name)
            append(">\n")
        }
        items += 1
    }

    /// FRED's error document, whole: `<error code="…" message="…"/>` in XML,
    /// `{"error_code":…,"error_message":"…"}` in JSON.
    static func error(json: Bool, code: Int, message: String) -> [UInt8] {
        var document = FREDDocument(empty: json)
        document.append(json ? "{" : "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<error")
        document.field(json ? "error_code" : "code", number: code)
        document.field(json ? "error_message" : "message", message)
        document.append(json ? "}" : "/>\n")
        return document.bytes
    }

    private init(empty json: Bool) {
        self.json = json
        root = ""
        list = ""
    }

    /// Closes the document and hands over its bytes.
    consuming func finish() -> [UInt8] {
        if json {
            append("]}")
        } else {
            append("</")
            append(root)
            append(">\n")
        }
        return bytes
    }

    // MARK: Writing

    private mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    private mutating func appendXMLEscaped(_ text: String) {
        // Most texts (dates, decimals, keys) need no escape: copied whole.
        if Self.isClean(text, xml: true) {
            bytes.append(contentsOf: text.utf8)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): append("&amp;")
            case UInt8(ascii: "<"): append("&lt;")
            case UInt8(ascii: ">"): append("&gt;")
            case UInt8(ascii: "\""): append("&quot;")
            case UInt8(ascii: "'"): append("&apos;")
            case UInt8(ascii: "\n"): append("&#10;")
            case UInt8(ascii: "\r"): append("&#13;")
            case UInt8(ascii: "\t"): append("&#9;")
            case 0..<0x20: break  // not allowed in XML 1.0 at all
            default: bytes.append(byte)
            }
        }
    }

    private mutating func appendJSONKey(_ name: String) {
        appendJSONString(name)
        append(":")
    }

    private mutating func appendJSONString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        appendJSONEscaped(text)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON string's content, without its quotes.
    private mutating func appendJSONEscaped(_ text: String) {
        // Most texts need no escape: copied whole.
        if Self.isClean(text, xml: false) {
            bytes.append(contentsOf: text.utf8)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            case UInt8(ascii: "\r"): append("\\r")
            case UInt8(ascii: "\t"): append("\\t")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                append("\\u00")
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
    }

    /// Whether `text` needs no escape: no control character, quote or backslash (JSON), or
    /// none of `&<>"'` (XML). Read over the string's contiguous bytes.
    private static func isClean(_ text: String, xml: Bool) -> Bool {
        let check = { (byte: UInt8) -> Bool in
            if byte < 0x20 { return false }
            if xml {
                return byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">")
                    && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
            }
            return byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
        }
        if let clean = text.utf8.withContiguousStorageIfAvailable({ buffer in
            for byte in buffer where !check(byte) { return false }
            return true
        }) {
            return clean
        }
        return text.utf8.allSatisfy(check)
    }
}
