/// brid's own TOML 1.0 reader. Every key and value keeps its line so configuration
/// errors can name both; a syntax error stops reading and names line and column.
///
/// Offset date-times, local date-times, dates and times are rejected: brid's
/// configuration never needs them.
public enum TOML {
    /// How deep tables and arrays may nest — header and dotted key parts, arrays and
    /// inline tables together. A guard against hostile files (the reader and `freeze()`
    /// recurse once a level); a real config nests three or four levels.
    public static let maximumDepth = 64

    /// Parses a whole document into its root table.
    public static func parse(_ text: String) throws(TOMLSyntaxError) -> TOMLTable {
        var reader = TOMLDocumentReader(text)
        return try reader.read()
    }
}

/// A table while the document is being read; tables are shared and extended in place
/// by headers and dotted keys, so they are reference types until `freeze()`.
private final class TableBuilder {
    enum Origin {
        /// Created on the way to a deeper header (`[a.b]` creates `a`); may be defined later.
        case implicit
        /// Defined by its own `[header]` or as an element of `[[header]]`.
        case header
        /// Created by a dotted key (`a.b = 1` creates `a`), or the body of an inline table
        /// (which is stored as a value once written, so nothing can extend it).
        case dottedKey
    }

    enum Slot {
        case value(TOMLValue)
        case table(TableBuilder)
        case tableArray([TableBuilder])
    }

    var origin: Origin
    let line: Int
    /// How many tables and arrays enclose it (the root is 0); at most `TOML.maximumDepth`,
    /// which bounds the recursion of `freeze()`.
    let depth: Int
    private(set) var order: [String] = []
    private(set) var slots: [String: (line: Int, slot: Slot)] = [:]

    init(origin: Origin, line: Int, depth: Int) {
        self.origin = origin
        self.line = line
        self.depth = depth
    }

    subscript(key: String) -> Slot? { slots[key]?.slot }

    func set(_ key: String, _ slot: Slot, line: Int) {
        if slots[key] == nil { order.append(key) }
        slots[key] = (slots[key]?.line ?? line, slot)
    }

    func freeze() -> TOMLTable {
        TOMLTable(entries: order.map { key in
            let (line, slot) = slots[key]!
            let value: TOMLValue
            switch slot {
            case .value(let v): value = v
            case .table(let t): value = TOMLValue(.table(t.freeze()), line: t.line)
            case .tableArray(let ts):
                value = TOMLValue(.array(ts.map { TOMLValue(.table($0.freeze()), line: $0.line) }), line: line)
            }
            return TOMLEntry(key: key, line: line, value: value)
        })
    }
}

/// Reads the document structure — headers, key/value pairs, arrays, inline tables — on
/// top of `TOMLLexer`.
private struct TOMLDocumentReader {
    private var lexer: TOMLLexer
    private let root: TableBuilder

    init(_ text: String) {
        lexer = TOMLLexer(text)
        root = TableBuilder(origin: .header, line: 1, depth: 0)
    }

    mutating func read() throws(TOMLSyntaxError) -> TOMLTable {
        var current = root
        while true {
            try lexer.skipBlank()
            guard let c = lexer.peek() else { break }
            if c == "[" {
                current = try readHeader()
            } else {
                try readKeyValue(into: current)
                try lexer.expectEndOfLine(after: "a value")
            }
        }
        return root.freeze()
    }

    // MARK: Headers

    private mutating func readHeader() throws(TOMLSyntaxError) -> TableBuilder {
        let line = lexer.line
        let isArray = lexer.starts(with: "[[")
        lexer.advance(isArray ? 2 : 1)
        let keyLine = lexer.line, keyColumn = lexer.column
        let path = try lexer.readKey()
        guard path.count <= TOML.maximumDepth else {
            throw TOMLSyntaxError(line: keyLine, column: keyColumn, message: Self.tooDeep)
        }
        lexer.skipWhitespace()
        if isArray {
            guard lexer.starts(with: "]]") else { throw lexer.error("expected ']]' to close the table header [[\(dotted(path))]]") }
            lexer.advance(2)
        } else {
            guard lexer.peek() == "]" else { throw lexer.error("expected ']' to close the table header [\(dotted(path))]") }
            lexer.advance()
        }
        let shown = isArray ? "[[\(dotted(path))]]" : "[\(dotted(path))]"
        try lexer.expectEndOfLine(after: "the table header \(shown)")
        func fail(_ message: String) -> TOMLSyntaxError {
            TOMLSyntaxError(line: keyLine, column: keyColumn, message: message)
        }

        var table = root
        for (i, key) in path.dropLast().enumerated() {
            switch table[key] {
            case nil:
                let created = TableBuilder(origin: .implicit, line: line, depth: table.depth + 1)
                table.set(key, .table(created), line: line)
                table = created
            case .table(let t):
                table = t
            case .tableArray(let ts):
                table = ts[ts.count - 1]
            case .value:
                throw fail("cannot define \(shown): \(dotted(path[...i])) is already a value")
            }
        }

        let last = path[path.count - 1]
        if isArray {
            let element = TableBuilder(origin: .header, line: line, depth: path.count)
            switch table[last] {
            case nil: table.set(last, .tableArray([element]), line: line)
            case .tableArray(let ts): table.set(last, .tableArray(ts + [element]), line: line)
            case .table: throw fail("cannot define \(shown): \(dotted(path)) is already a table")
            case .value: throw fail("cannot define \(shown): \(dotted(path)) is already a value")
            }
            return element
        }
        switch table[last] {
        case nil:
            let created = TableBuilder(origin: .header, line: line, depth: path.count)
            table.set(last, .table(created), line: line)
            return created
        case .table(let t) where t.origin == .implicit:
            t.origin = .header
            return t
        case .table:
            throw fail("table [\(dotted(path))] is defined more than once")
        case .tableArray:
            throw fail("cannot define \(shown): \(dotted(path)) is already an array of tables")
        case .value:
            throw fail("cannot define \(shown): \(dotted(path)) is already a value")
        }
    }

    // MARK: Key/value pairs

    private mutating func readKeyValue(into table: TableBuilder) throws(TOMLSyntaxError) {
        let keyLine = lexer.line, keyColumn = lexer.column
        let path = try lexer.readKey()
        // The value sits `path.count` levels below the table.
        let depth = table.depth + path.count
        guard depth <= TOML.maximumDepth else {
            throw TOMLSyntaxError(line: keyLine, column: keyColumn, message: Self.tooDeep)
        }
        lexer.skipWhitespace()
        guard lexer.peek() == "=" else {
            throw lexer.error("expected '=' after key \(dotted(path).debugDescription)")
        }
        lexer.advance()
        lexer.skipWhitespace()
        let value = try readValue(depth: depth)
        func fail(_ message: String) -> TOMLSyntaxError {
            TOMLSyntaxError(line: keyLine, column: keyColumn, message: message)
        }

        var target = table
        for (i, key) in path.dropLast().enumerated() {
            switch target[key] {
            case nil:
                let created = TableBuilder(origin: .dottedKey, line: keyLine, depth: target.depth + 1)
                target.set(key, .table(created), line: keyLine)
                target = created
            case .table(let t) where t.origin == .dottedKey:
                target = t
            case .table:
                throw fail("cannot add \(dotted(path)) with a dotted key: table \(dotted(path[...i])) is defined elsewhere")
            case .tableArray, .value:
                throw fail("cannot add \(dotted(path)): \(dotted(path[...i])) is already a value")
            }
        }
        let last = path[path.count - 1]
        guard target[last] == nil else { throw fail("duplicate key \(dotted(path).debugDescription)") }
        target.set(last, .value(value), line: keyLine)
    }

    // MARK: Values

    /// A value `depth` levels below the root.
    private mutating func readValue(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let line = lexer.line, column = lexer.column
        guard let c = lexer.peek() else { throw lexer.error("expected a value, found the end of the file") }
        switch c {
        case "\"":
            let s = lexer.starts(with: "\"\"\"") ? try lexer.readMultilineBasicString() : try lexer.readBasicString()
            return TOMLValue(.string(s), line: line)
        case "'":
            let s = lexer.starts(with: "'''") ? try lexer.readMultilineLiteralString() : try lexer.readLiteralString()
            return TOMLValue(.string(s), line: line)
        case "[", "{":
            guard depth < TOML.maximumDepth else { throw lexer.error(Self.tooDeep) }
            return c == "[" ? try readArray(depth: depth) : try readInlineTable(depth: depth)
        default:
            let atom = lexer.readAtom()
            if atom.isEmpty { throw lexer.error("expected a value, found \(TOMLLexer.show(c))") }
            switch TOMLNumber.parse(atom) {
            case .success(let kind):
                return TOMLValue(kind, line: line)
            case .failure(let error):
                throw TOMLSyntaxError(line: line, column: column, message: error.message)
            }
        }
    }

    private mutating func readArray(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let line = lexer.line
        lexer.advance()
        var elements: [TOMLValue] = []
        while true {
            try lexer.skipBlank()
            if lexer.peek() == "]" { break }
            elements.append(try readValue(depth: depth + 1))
            try lexer.skipBlank()
            if lexer.peek() == "," {
                lexer.advance()
                continue
            }
            guard lexer.peek() == "]" else {
                let found = lexer.peek().map(TOMLLexer.show) ?? "the end of the file"
                throw lexer.error("expected ',' or ']' in array, found \(found)")
            }
            break
        }
        lexer.advance()
        return TOMLValue(.array(elements), line: line)
    }

    private mutating func readInlineTable(depth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let line = lexer.line
        lexer.advance()
        let table = TableBuilder(origin: .dottedKey, line: line, depth: depth)
        lexer.skipWhitespace()
        if lexer.peek() == "}" {
            lexer.advance()
            return TOMLValue(.table(table.freeze()), line: line)
        }
        while true {
            lexer.skipWhitespace()
            if lexer.peek() == "\n" || lexer.peek() == "\r" { throw lexer.error("an inline table must stay on one line") }
            try readKeyValue(into: table)
            lexer.skipWhitespace()
            guard let c = lexer.peek() else { throw lexer.error("unterminated inline table: missing '}'") }
            if c == "," {
                lexer.advance()
                lexer.skipWhitespace()
                if lexer.peek() == "}" { throw lexer.error("trailing comma is not allowed in an inline table") }
                continue
            }
            if c == "}" {
                lexer.advance()
                return TOMLValue(.table(table.freeze()), line: line)
            }
            throw lexer.error("expected ',' or '}' in inline table, found \(TOMLLexer.show(c))")
        }
    }

    private static let tooDeep = "tables and arrays nest deeper than \(TOML.maximumDepth) levels (key parts, arrays and inline tables count)"

    private func dotted(_ path: some Collection<String>) -> String {
        path.map { key in
            key.unicodeScalars.allSatisfy(TOMLLexer.isBareKeyCharacter) && !key.isEmpty ? key : key.debugDescription
        }.joined(separator: ".")
    }
}
