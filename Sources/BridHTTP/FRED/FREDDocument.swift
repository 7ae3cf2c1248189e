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
    private var items = 0
    private let root: String
    private let list: String

    /// Starts the document: `root` with its attributes; items follow under `list` (JSON's key;
    /// in XML the items are the root's children).
    init(json: Bool, root: String, list: String, attributes: [(String, FREDField)], capacity: Int = 1024) {
        self.json = json
        self.root = root
        self.list = list
        bytes.reserveCapacity(capacity)
        if json {
            append("{")
            for (i, (name, value)) in attributes.enumerated() {
                if i > 0 { append(",") }
                appendJSONKey(name)
                appendJSON(value)
            }
            append(attributes.isEmpty ? "" : ",")
            appendJSONKey(list)
            append("[")
        } else {
            append("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<")
            append(root)
            for (name, value) in attributes { appendXMLAttribute(name, value) }
            append(">\n")
        }
    }

    /// One item: `<name a="…" …/>` in XML, `{"a":"…",…}` in JSON.
    mutating func element(_ name: String, _ attributes: [(String, FREDField)]) {
        if json {
            append(items == 0 ? "{" : ",{")
            for (i, (key, value)) in attributes.enumerated() {
                if i > 0 { append(",") }
                appendJSONKey(key)
                appendJSON(value)
            }
            append("}")
        } else {
            append("  <")
            append(name)
            for (key, value) in attributes { appendXMLAttribute(key, value) }
            append("/>\n")
        }
        items += 1
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
        if json {
            document.append("{")
            document.appendJSONKey("error_code")
            document.appendJSON(.number(code))
            document.append(",")
            document.appendJSONKey("error_message")
            document.appendJSON(.text(message))
            document.append("}")
        } else {
            document.append("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<error")
            document.appendXMLAttribute("code", .number(code))
            document.appendXMLAttribute("message", .text(message))
            document.append("/>\n")
        }
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

    private mutating func appendXMLAttribute(_ name: String, _ value: FREDField) {
        append(" ")
        append(name)
        append("=\"")
        switch value {
        case .text(let text): appendXMLEscaped(text)
        case .number(let n): append(String(n))
        }
        append("\"")
    }

    private mutating func appendXMLEscaped(_ text: String) {
        // Most texts (dates, decimals, keys) need no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) {
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

    private mutating func appendJSON(_ value: FREDField) {
        switch value {
        case .text(let text): appendJSONString(text)
        case .number(let n): append(String(n))
        }
    }

    private mutating func appendJSONString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most texts need no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
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
        bytes.append(UInt8(ascii: "\""))
    }
}
