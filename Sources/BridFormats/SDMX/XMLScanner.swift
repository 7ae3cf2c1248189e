import BridCore

/// A streaming, non-validating XML scanner over UTF-8 bytes: one event at a time, names,
/// attribute values and text as byte ranges into the payload, so a message of any size
/// needs no more memory than its deepest element.
///
/// Checks well-formedness as far as a data reader needs: tags nest and match, attributes
/// are quoted, one root element, entities are the five predefined ones or character
/// references. Comments, processing instructions and the XML declaration are skipped;
/// DOCTYPE declarations (and so custom entities) are refused, as are encodings other than
/// UTF-8. A self-closing element yields `.start` followed by `.end`.
struct XMLScanner {
    enum Event {
        /// A start tag; its attributes are in `attributes` until the next event.
        case start(name: Range<Int>)
        case end(name: Range<Int>)
        /// Character data inside the root element (entities still encoded unless `cdata`).
        case text(Range<Int>, cdata: Bool)
    }

    struct Attribute {
        var name: Range<Int>
        var value: Range<Int>
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// 1-based line of the scanner's position (of the last event's end).
    private(set) var line = 1
    /// Line on which the last event started.
    private(set) var eventLine = 1
    private(set) var attributes: [Attribute] = []
    private var open: [(name: Range<Int>, line: Int)] = []
    private var pendingEnd: Range<Int>?
    private var rootSeen = false

    /// Elements open around the current position.
    var depth: Int { open.count }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    private func fail(_ reason: String) -> XMLSyntaxError { XMLSyntaxError(line: line, reason: reason) }

    /// The next event, or nil at the end of a complete document.
    mutating func next() throws(XMLSyntaxError) -> Event? {
        if let name = pendingEnd {
            pendingEnd = nil
            open.removeLast()
            return .end(name: name)
        }
        let count = bytes.count
        while true {
            eventLine = line
            guard position < count else {
                if let innermost = open.last {
                    throw fail("the document ends inside <\(Excerpt(string(innermost.name)))> (opened on line \(innermost.line))")
                }
                if !rootSeen {
                    if count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) || bytes[0] == 0 || bytes[1] == 0 {
                        throw fail("the document is UTF-16; only UTF-8 is supported")
                    }
                    throw fail("no XML root element")
                }
                return nil
            }
            if bytes[position] != UInt8(ascii: "<") {
                let start = position
                var blank = true
                while position < count, bytes[position] != UInt8(ascii: "<") {
                    let c = bytes[position]
                    if c == 0x0A { line += 1 } else if c != 0x20, c != 0x09, c != 0x0D { blank = false }
                    position += 1
                }
                if open.isEmpty {
                    if !blank { throw XMLSyntaxError(line: eventLine, reason: rootSeen ? "text after the root element" : "text before the root element (is this XML?)") }
                    continue
                }
                return .text(start..<position, cdata: false)
            }
            guard position + 1 < count else { throw fail("the document ends inside a tag") }
            switch bytes[position + 1] {
            case UInt8(ascii: "?"):
                let start = position
                let end = try skip(past: "?>", what: "processing instruction")
                if !rootSeen, hasPrefix("<?xml ", at: start) { try checkDeclaration(start..<end) }
                continue
            case UInt8(ascii: "!"):
                if hasPrefix("<!--", at: position) {
                    _ = try skip(past: "-->", what: "comment")
                    continue
                }
                if hasPrefix("<![CDATA[", at: position) {
                    guard !open.isEmpty else { throw fail("CDATA outside the root element") }
                    position += 9
                    let start = position
                    let end = try skip(past: "]]>", what: "CDATA section", from: start)
                    return .text(start..<end, cdata: true)
                }
                if hasPrefix("<!DOCTYPE", at: position) { throw fail("DOCTYPE declarations are not accepted") }
                throw fail("unexpected markup \"<!\"")
            case UInt8(ascii: "/"):
                position += 2
                let name = scanName()
                skipSpace()
                guard position < count, bytes[position] == UInt8(ascii: ">") else { throw fail("malformed end tag </\(Excerpt(string(name)))") }
                position += 1
                guard let innermost = open.last else { throw fail("end tag </\(Excerpt(string(name)))> without a start tag") }
                guard same(innermost.name, name) else {
                    throw fail("end tag </\(Excerpt(string(name)))> does not match <\(Excerpt(string(innermost.name)))> (opened on line \(innermost.line))")
                }
                open.removeLast()
                return .end(name: name)
            default:
                return try startTag()
            }
        }
    }

    private mutating func startTag() throws(XMLSyntaxError) -> Event {
        let count = bytes.count
        position += 1
        let name = scanName()
        guard !name.isEmpty else { throw fail("\"<\" is not followed by an element name") }
        if open.isEmpty, rootSeen { throw fail("a second root element <\(Excerpt(string(name)))>") }
        attributes.removeAll(keepingCapacity: true)
        while true {
            skipSpace()
            guard position < count else { throw fail("the document ends inside <\(Excerpt(string(name)))>") }
            let c = bytes[position]
            if c == UInt8(ascii: ">") {
                position += 1
                break
            }
            if c == UInt8(ascii: "/") {
                guard position + 1 < count, bytes[position + 1] == UInt8(ascii: ">") else { throw fail("malformed tag <\(Excerpt(string(name)))>") }
                position += 2
                pendingEnd = name
                break
            }
            let attribute = scanName()
            guard !attribute.isEmpty else { throw fail("unexpected \"\(Character(Unicode.Scalar(c)))\" in <\(Excerpt(string(name)))>") }
            skipSpace()
            guard position < count, bytes[position] == UInt8(ascii: "=") else { throw fail("attribute \(Excerpt(string(attribute))) of <\(Excerpt(string(name)))> has no value") }
            position += 1
            skipSpace()
            guard position < count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                throw fail("the value of attribute \(Excerpt(string(attribute))) of <\(Excerpt(string(name)))> is not quoted")
            }
            let quote = bytes[position]
            position += 1
            let start = position
            while position < count, bytes[position] != quote {
                if bytes[position] == UInt8(ascii: "<") { throw fail("\"<\" in the value of attribute \(Excerpt(string(attribute))) of <\(Excerpt(string(name)))>") }
                if bytes[position] == 0x0A { line += 1 }
                position += 1
            }
            guard position < count else { throw fail("the value of attribute \(Excerpt(string(attribute))) of <\(Excerpt(string(name)))> is not closed") }
            attributes.append(Attribute(name: attribute, value: start..<position))
            position += 1
        }
        rootSeen = true
        open.append((name, eventLine))
        return .start(name: name)
    }

    private mutating func scanName() -> Range<Int> {
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "/"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "<"),
                 UInt8(ascii: "\""), UInt8(ascii: "'"):
                return start..<position
            default:
                position += 1
            }
        }
        return start..<position
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x0A: line += 1; position += 1
            case 0x20, 0x09, 0x0D: position += 1
            default: return
            }
        }
    }

    private func hasPrefix(_ text: StaticString, at i: Int) -> Bool {
        let n = text.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        for k in 0..<n where bytes[i + k] != text.utf8Start[k] { return false }
        return true
    }

    /// Moves past `terminator`; returns where it started.
    private mutating func skip(past terminator: StaticString, what: String, from start: Int? = nil) throws(XMLSyntaxError) -> Int {
        var i = start ?? position + 2
        while i < bytes.count {
            if bytes[i] == terminator.utf8Start[0], hasPrefix(terminator, at: i) {
                position = i + terminator.utf8CodeUnitCount
                return i
            }
            if bytes[i] == 0x0A { line += 1 }
            i += 1
        }
        throw fail("a \(what) is not closed")
    }

    /// `<?xml version="1.0" encoding="…"?>`: only UTF-8 (or its subset ASCII) is read.
    private func checkDeclaration(_ range: Range<Int>) throws(XMLSyntaxError) {
        let declaration = string(range)
        guard let key = declaration.firstRange(of: "encoding") else { return }
        let rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return }
        let name = rest.dropFirst().prefix { $0 != quote }
        switch name.lowercased() {
        case "utf-8", "utf8", "us-ascii", "ascii": return
        default: throw XMLSyntaxError(line: eventLine, reason: "the document is encoded as \(Excerpt(name)); only UTF-8 is supported")
        }
    }

    /// Whether two byte ranges hold the same bytes.
    func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where bytes[a.lowerBound + k] != bytes[b.lowerBound + k] { return false }
        return true
    }

    /// Whether a name's local part (after any `prefix:`) is `local`.
    func isLocal(_ name: Range<Int>, _ local: StaticString) -> Bool {
        let n = local.utf8CodeUnitCount
        guard name.count >= n else { return false }
        let start = name.upperBound - n
        if start > name.lowerBound, bytes[start - 1] != UInt8(ascii: ":") { return false }
        for k in 0..<n where bytes[start + k] != local.utf8Start[k] { return false }
        return true
    }

    /// Whether a name has a namespace prefix (`xsi:type`).
    func isPrefixed(_ name: Range<Int>) -> Bool {
        name.contains { bytes[$0] == UInt8(ascii: ":") }
    }

    /// Raw text of a range (names), invalid UTF-8 repaired.
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// A local name (after any prefix).
    func localName(_ name: Range<Int>) -> String {
        var start = name.lowerBound
        for i in name where bytes[i] == UInt8(ascii: ":") { start = i + 1 }
        return string(start..<name.upperBound)
    }

    /// Attribute or text content with entities decoded; throws for invalid UTF-8 or an
    /// unknown entity.
    func decode(_ range: Range<Int>, cdata: Bool = false) throws(XMLSyntaxError) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        guard let text = String(validating: slice, as: UTF8.self) else { throw XMLSyntaxError(line: line, reason: "text is not valid UTF-8") }
        if cdata || !slice.contains(UInt8(ascii: "&")) { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { throw XMLSyntaxError(line: line, reason: "\"&\" without an entity (write &amp;)") }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
                guard let scalar else { throw XMLSyntaxError(line: line, reason: "unknown entity &\(Excerpt(entity));") }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
