/// The character level of brid's TOML reader: a cursor over the text that reads keys,
/// strings and numbers and knows the line and column of every position.
struct TOMLLexer {
    private let scalars: [Unicode.Scalar]
    private(set) var index = 0
    private(set) var line = 1
    private var lineStart = 0

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        // One byte-order mark may start the file; a second is text (and an error).
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.scalars = scalars
    }

    /// 1-based column of the current position.
    var column: Int { index - lineStart + 1 }
    var atEnd: Bool { index >= scalars.count }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = index + offset
        return i < scalars.count ? scalars[i] : nil
    }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < scalars.count {
            if scalars[index] == "\n" {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
    }

    func error(_ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(line: line, column: column, message: message)
    }

    func starts(with s: String) -> Bool {
        var i = index
        for c in s.unicodeScalars {
            guard i < scalars.count, scalars[i] == c else { return false }
            i += 1
        }
        return true
    }

    // MARK: White space, comments, newlines

    mutating func skipWhitespace() {
        while let c = peek(), c == " " || c == "\t" { advance() }
    }

    /// Skips a `#` comment up to (not including) the end of the line.
    mutating func skipComment() throws(TOMLSyntaxError) {
        guard peek() == "#" else { return }
        advance()
        while let c = peek(), c != "\n" {
            if c == "\r" && peek(1) == "\n" { break }
            if Self.isForbiddenControl(c) { throw error("control character \(Self.show(c)) is not allowed in a comment") }
            advance()
        }
    }

    /// Consumes `\n` or `\r\n`; false when the next characters are not a newline.
    mutating func consumeNewline() -> Bool {
        if peek() == "\n" { advance(); return true }
        if peek() == "\r" && peek(1) == "\n" { advance(2); return true }
        return false
    }

    /// Skips white space, comments and newlines (inside arrays).
    mutating func skipBlank() throws(TOMLSyntaxError) {
        while true {
            skipWhitespace()
            try skipComment()
            if !consumeNewline() { return }
        }
    }

    /// After a key/value pair or a table header: only white space and a comment may follow on the line.
    mutating func expectEndOfLine(after what: String) throws(TOMLSyntaxError) {
        skipWhitespace()
        try skipComment()
        if atEnd || consumeNewline() { return }
        throw error("expected a newline after \(what), found \(Self.show(peek()!))")
    }

    // MARK: Keys

    static func isBareKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }

    /// Reads a possibly dotted key: `a`, `"quoted key"`, `a.'b'.c`.
    mutating func readKey() throws(TOMLSyntaxError) -> [String] {
        var parts: [String] = []
        while true {
            skipWhitespace()
            parts.append(try readSimpleKey())
            skipWhitespace()
            guard peek() == "." else { return parts }
            advance()
        }
    }

    private mutating func readSimpleKey() throws(TOMLSyntaxError) -> String {
        guard let c = peek() else { throw error("expected a key, found the end of the file") }
        if c == "\"" {
            if starts(with: "\"\"\"") { throw error("a key cannot be a multi-line string") }
            return try readBasicString()
        }
        if c == "'" {
            if starts(with: "'''") { throw error("a key cannot be a multi-line string") }
            return try readLiteralString()
        }
        var key = String.UnicodeScalarView()
        while let c = peek(), Self.isBareKeyCharacter(c) {
            key.append(c)
            advance()
        }
        if key.isEmpty { throw error("expected a key, found \(Self.show(c))") }
        return String(key)
    }

    // MARK: Strings

    /// Reads `"…"` with escapes.
    mutating func readBasicString() throws(TOMLSyntaxError) -> String {
        advance()  // opening quote
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw error("unterminated string: missing closing \"") }
            switch c {
            case "\"":
                advance()
                return String(out)
            case "\\":
                out.append(try readEscape())
            case "\n", "\r":
                throw error("unterminated string: a basic string cannot span lines (use \"\"\" for multi-line)")
            default:
                if Self.isForbiddenControl(c) { throw error("control character \(Self.show(c)) must be escaped in a string") }
                out.append(c)
                advance()
            }
        }
    }

    /// Reads `'…'` verbatim.
    mutating func readLiteralString() throws(TOMLSyntaxError) -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw error("unterminated literal string: missing closing '") }
            switch c {
            case "'":
                advance()
                return String(out)
            case "\n", "\r":
                throw error("unterminated literal string: a literal string cannot span lines (use ''' for multi-line)")
            default:
                if Self.isForbiddenControl(c) { throw error("control character \(Self.show(c)) is not allowed in a literal string") }
                out.append(c)
                advance()
            }
        }
    }

    /// Reads `"""…"""`; a newline right after the opening quotes is dropped and a
    /// line-ending backslash swallows the newline and the white space after it.
    mutating func readMultilineBasicString() throws(TOMLSyntaxError) -> String {
        advance(3)
        _ = consumeNewline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw error("unterminated multi-line string: missing closing \"\"\"") }
            if starts(with: "\"\"\"") {
                // Up to two quotes may sit right before the closing delimiter.
                var quotes = 3
                while quotes < 5 && peek(quotes) == "\"" { quotes += 1 }
                for _ in 0..<(quotes - 3) { out.append("\"") }
                advance(quotes)
                return String(out)
            }
            if c == "\\" {
                if try skipLineEndingBackslash() { continue }
                out.append(try readEscape())
                continue
            }
            if consumeNewline() {
                out.append("\n")
                continue
            }
            if Self.isForbiddenControl(c) { throw error("control character \(Self.show(c)) must be escaped in a string") }
            out.append(c)
            advance()
        }
    }

    /// Reads `'''…'''` verbatim.
    mutating func readMultilineLiteralString() throws(TOMLSyntaxError) -> String {
        advance(3)
        _ = consumeNewline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw error("unterminated multi-line literal string: missing closing '''") }
            if starts(with: "'''") {
                var quotes = 3
                while quotes < 5 && peek(quotes) == "'" { quotes += 1 }
                for _ in 0..<(quotes - 3) { out.append("'") }
                advance(quotes)
                return String(out)
            }
            if consumeNewline() {
                out.append("\n")
                continue
            }
            if Self.isForbiddenControl(c) { throw error("control character \(Self.show(c)) is not allowed in a literal string") }
            out.append(c)
            advance()
        }
    }

    /// At a backslash: if only white space follows up to the end of the line, skips it
    /// and all white space and newlines after it, and returns true.
    private mutating func skipLineEndingBackslash() throws(TOMLSyntaxError) -> Bool {
        var i = 1
        while let c = peek(i), c == " " || c == "\t" { i += 1 }
        let next = peek(i)
        guard next == "\n" || (next == "\r" && peek(i + 1) == "\n") else { return false }
        advance(i)
        while true {
            skipWhitespace()
            if !consumeNewline() { return true }
        }
    }

    private mutating func readEscape() throws(TOMLSyntaxError) -> Unicode.Scalar {
        let startColumn = column
        advance()  // backslash
        guard let c = peek() else { throw error("unterminated escape sequence") }
        advance()
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u": return try readUnicodeEscape(digits: 4, startColumn: startColumn)
        case "U": return try readUnicodeEscape(digits: 8, startColumn: startColumn)
        default:
            throw TOMLSyntaxError(line: line, column: startColumn, message: "invalid escape sequence \\\(c) (use \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX)")
        }
    }

    private mutating func readUnicodeEscape(digits: Int, startColumn: Int) throws(TOMLSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek(), let d = Self.hexValue(c) else {
                throw TOMLSyntaxError(line: line, column: startColumn, message: "\\\(digits == 4 ? "u" : "U") needs exactly \(digits) hexadecimal digits")
            }
            value = value * 16 + d
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw TOMLSyntaxError(line: line, column: startColumn, message: "escape \\\(digits == 4 ? "u" : "U") names U+\(String(value, radix: 16, uppercase: true)), which is not a Unicode scalar value")
        }
        return scalar
    }

    // MARK: Scalars other than strings

    /// Reads the run of characters that can make up a number, boolean, inf/nan or a date.
    mutating func readAtom() -> String {
        var out = String.UnicodeScalarView()
        while let c = peek() {
            switch c {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "+", "-", ".", ":":
                out.append(c)
                advance()
            default:
                return String(out)
            }
        }
        return String(out)
    }

    // MARK: Helpers

    static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": c.value - 48
        case "a"..."f": c.value - 87
        case "A"..."F": c.value - 55
        default: nil
        }
    }

    /// Control characters other than tab are not allowed raw in strings and comments.
    static func isForbiddenControl(_ c: Unicode.Scalar) -> Bool {
        (c.value < 0x20 && c != "\t") || c.value == 0x7F
    }

    /// A character as shown in an error message.
    static func show(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\n": "a newline"
        case "\r": "a carriage return"
        case "\t": "a tab"
        case "\u{FEFF}": "a byte-order mark (U+FEFF)"
        default:
            c.value < 0x20 || c.value == 0x7F
                ? "U+\(String(c.value, radix: 16, uppercase: true))"
                : "'\(Character(c))'"
        }
    }
}
