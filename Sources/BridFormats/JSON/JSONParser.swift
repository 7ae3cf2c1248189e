import BridCore

/// The byte-level RFC 8259 parser behind `JSONDocument`: one pass over the bytes that
/// validates everything (grammar, string escapes and surrogate pairs, UTF-8, nesting
/// depth, member names unique in each object) and writes the flat token tape — except
/// inside containers an elision names, which are validated the same way but leave one
/// token. No recursion, no per-value objects.
///
/// RFC 8259 leaves an object with a repeated name to the reader ("SHOULD be unique");
/// parsers disagree on which one wins, so brid refuses it rather than pick one silently.
struct JSONParser {
    private let b: UnsafeBufferPointer<UInt8>
    private let maximumDepth: Int
    private var i = 0
    private(set) var tokens: [JSONToken] = []
    /// The open containers, innermost last.
    private var open: [Frame] = []
    /// Scratch for the duplicate check of large objects: (hash of the name, token index).
    private var names: [(hash: Int, token: Int)] = []
    /// Containers whose contents are validated but kept off the tape (see `JSONElision`).
    private let elision: JSONElision?
    /// The level (index in `open`) of the elided container being read; nil while recording.
    private var elided: Int?
    /// The member names of the open objects inside an elided container, for their
    /// duplicate check: the name's hash (high 32 bits) and its byte offset (low 32 bits).
    private var elidedNames: [UInt64] = []
    /// Called every `progressInterval` bytes (the caller drops the pages already read).
    private let progress: (() -> Void)?
    private var nextProgress = JSONParser.progressInterval
    static let progressInterval = 8 << 20

    private struct Frame {
        /// The container's token, or -1 inside an elided container.
        var token: Int
        var isObject: Bool
        var count = 0
        /// Where this object's names start in `elidedNames`.
        var namesBase: Int
    }

    private var recording: Bool { elided == nil }

    init(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, reserve: Bool = true, elision: JSONElision? = nil, progress: (() -> Void)? = nil) {
        self.b = bytes
        self.maximumDepth = maximumDepth
        self.elision = elision
        self.progress = progress
        // A rough guess that avoids most regrowth: structured data has a token every few bytes.
        if reserve, elision == nil { tokens.reserveCapacity(min(bytes.count / 5 + 16, 1 << 26)) }
    }

    /// Parses the whole input: one value, or several separated by white space when
    /// `allowsMultipleValues` (a concatenation of documents). Returns the roots' indices.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, allowsMultipleValues: Bool,
                      elision: JSONElision? = nil, progress: (() -> Void)? = nil) throws(JSONSyntaxError) -> (tokens: [JSONToken], roots: [Int]) {
        guard bytes.count < Int(UInt32.max) else {
            throw JSONSyntaxError(offset: 0, line: 1, column: 1, message: "document larger than 4 GiB")
        }
        var parser = JSONParser(bytes, maximumDepth: maximumDepth, elision: elision, progress: progress)
        var roots: [Int] = []
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.i = 3 }
        while true {
            parser.skipSpace()
            if parser.i == bytes.count {
                if roots.isEmpty { throw parser.error("expected a JSON value, found the end of the input") }
                break
            }
            if !roots.isEmpty, !allowsMultipleValues {
                throw parser.error("unexpected text after the JSON value")
            }
            roots.append(parser.tokens.count)
            try parser.parseValue()
        }
        return (parser.tokens, roots)
    }

    /// Parses one member (`"name": value`, `element` false) or one element of an elided
    /// container, starting at `offset` (already validated as part of the whole document):
    /// the tokens (for a member the name, then the value) and the offset after it.
    static func parsePart(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, member: Bool, maximumDepth: Int) throws(JSONSyntaxError) -> (tokens: [JSONToken], end: Int) {
        var parser = JSONParser(bytes, maximumDepth: maximumDepth, reserve: false)
        parser.i = offset
        if member {
            let name = try parser.parseString()
            parser.tokens.append(name)
            parser.skipSpace()
            guard parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: ":") else { throw parser.expected("':' after the member name") }
            parser.i += 1
        }
        try parser.parseValue()
        return (parser.tokens, parser.i)
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(at: offset ?? i, in: b, message)
    }

    /// `expected X` at the current byte, or at the end of the input.
    private func expected(_ what: String) -> JSONSyntaxError {
        error(i < b.count ? "expected \(what)" : "unexpected end of input, expected \(what)")
    }

    @inline(__always) private mutating func skipSpace() {
        while i < b.count {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// One complete value (with everything inside it) starting at `i`.
    private mutating func parseValue() throws(JSONSyntaxError) {
        let base = open.count
        while true {
            if i >= nextProgress {
                nextProgress = i + JSONParser.progressInterval
                progress?()
            }
            // Expecting a value.
            skipSpace()
            guard i < b.count else { throw expected("a value") }
            let c = b[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
                let isObject = c == UInt8(ascii: "{")
                var token = -1
                if recording {
                    token = tokens.count
                    tokens.append(JSONToken(kind: isObject ? .object : .array, start: UInt32(truncatingIfNeeded: i), end: 0))
                    if elision != nil, elides(opening: token) {
                        tokens[token].markElided()
                        elided = open.count
                    }
                }
                open.append(Frame(token: token, isObject: isObject, namesBase: elidedNames.count))
                i += 1
                skipSpace()
                if i < b.count, b[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    try close()
                    break  // an empty container is a complete value
                }
                if isObject { try parseMemberName() }
                continue
            case UInt8(ascii: "\""):
                let token = try parseString()
                if recording { tokens.append(token) }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let token = try parseNumber()
                if recording { tokens.append(token) }
            case UInt8(ascii: "t"):
                try parseLiteral("true", .true)
            case UInt8(ascii: "f"):
                try parseLiteral("false", .false)
            case UInt8(ascii: "n"):
                try parseLiteral("null", .null)
            default:
                throw expected("a value")
            }
            // A value is complete: continue the enclosing containers.
            while open.count > base {
                open[open.count - 1].count += 1
                skipSpace()
                let isObject = open[open.count - 1].isObject
                guard i < b.count else { throw expected(isObject ? "',' or '}'" : "',' or ']'") }
                let c = b[i]
                if c == UInt8(ascii: ",") {
                    i += 1
                    if isObject {
                        skipSpace()
                        try parseMemberName()
                    }
                    break
                } else if c == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    try close()
                } else {
                    throw expected(isObject ? "',' or '}'" : "',' or ']'")
                }
            }
            if open.count == base { return }
        }
    }

    @inline(__always) private mutating func close() throws(JSONSyntaxError) {
        let frame = open.removeLast()
        let count = frame.count
        guard count < 1 << 28 else { throw error("more than \(1 << 28) elements in one array or object") }
        if elided == open.count { elided = nil }  // the elided container itself: recorded, its contents not
        if frame.token >= 0, recording, !tokens[frame.token].isElided {
            tokens[frame.token].close(end: tokens.count, count: count)
            if count > 1, frame.isObject { try checkUniqueNames(frame.token) }
            return
        }
        if frame.token >= 0 { tokens[frame.token].close(end: frame.token + 1, count: count) }
        if count > 1, frame.isObject { try checkUniqueElidedNames(from: frame.namesBase) }
        elidedNames.removeSubrange(frame.namesBase...)
    }

    /// Whether the container opening as `token` (while recording) is on one of the elided paths.
    private func elides(opening token: Int) -> Bool {
        guard let elision else { return false }
        let depth = open.count
        paths: for path in elision.paths where path.count == depth {
            for (level, component) in path.enumerated() {
                let frame = open[level]
                switch component {
                case .anyElement:
                    if frame.isObject { continue paths }
                case let .element(index):
                    if frame.isObject || frame.count != index { continue paths }
                case let .name(name):
                    let child = level + 1 < depth ? open[level + 1].token : token
                    if !frame.isObject || !nameEquals(child - 1, name) { continue paths }
                case let .token(reference):
                    if frame.isObject {
                        let child = level + 1 < depth ? open[level + 1].token : token
                        if !nameEquals(child - 1, reference) { continue paths }
                    } else if JSONPointer.arrayIndex(reference) != frame.count {
                        continue paths
                    }
                }
            }
            return true
        }
        return false
    }

    /// Whether the string token `key` is `name` (compared unescaped).
    private func nameEquals(_ key: Int, _ name: String) -> Bool {
        let t = tokens[key]
        guard t.kind == .string else { return false }
        if t.escaped { return t.unescaped(in: b).elementsEqual(name.utf8) }
        return b[Int(t.start)..<Int(t.end)].elementsEqual(name.utf8)
    }

    // MARK: Unique member names inside elided containers

    /// The string token of the name whose contents start at `offset` (already validated).
    private func nameToken(at offset: Int) -> JSONToken {
        var k = offset
        var escaped = false
        while b[k] != UInt8(ascii: "\"") {
            if b[k] == UInt8(ascii: "\\") {
                escaped = true
                k += 2
            } else {
                k += 1
            }
        }
        return JSONToken(kind: .string, start: UInt32(truncatingIfNeeded: offset), end: UInt32(truncatingIfNeeded: k), escaped: escaped)
    }

    /// A member name's hash, its escapes resolved.
    private func hash(_ t: JSONToken) -> Int {
        var hasher = Hasher()
        if t.escaped {
            t.unescaped(in: b).withUnsafeBytes { hasher.combine(bytes: $0) }
        } else {
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[Int(t.start)..<Int(t.end)])))
        }
        return hasher.finalize()
    }

    /// Whether two member names are the same once their escapes are resolved.
    private func same(_ s: JSONToken, _ t: JSONToken) -> Bool {
        if s.escaped || t.escaped { return s.unescapedOrRaw(in: b) == t.unescapedOrRaw(in: b) }
        return s.end - s.start == t.end - t.start && b[Int(s.start)..<Int(s.end)].elementsEqual(b[Int(t.start)..<Int(t.end)])
    }

    /// As `checkUniqueNames`, for an object off the tape: its names sorted by hash (8
    /// bytes a member while the object is open), the first repeat in document order thrown.
    private mutating func checkUniqueElidedNames(from base: Int) throws(JSONSyntaxError) {
        elidedNames[base...].sort()
        var first: Int?
        var k = base + 1
        while k < elidedNames.count {
            let h = elidedNames[k] >> 32
            if h == elidedNames[k - 1] >> 32 {
                let offset = Int(elidedNames[k] & 0xFFFF_FFFF)
                var j = k - 1
                while j >= base, elidedNames[j] >> 32 == h {
                    if same(nameToken(at: Int(elidedNames[j] & 0xFFFF_FFFF)), nameToken(at: offset)) {
                        first = min(first ?? offset, offset)
                        break
                    }
                    j -= 1
                }
            }
            k += 1
        }
        guard let first else { return }
        let name = String(decoding: nameToken(at: first).unescapedOrRaw(in: b), as: UTF8.self)
        let error = JSONSyntaxError(at: first - 1, in: b, "duplicate member name \(Excerpt(name.debugDescription))")
        // The member's value: after the name, its closing quote and the colon.
        var v = Int(nameToken(at: first).end) + 1
        while b[v] != UInt8(ascii: ":") { v += 1 }
        v += 1
        while b[v] == 0x20 || b[v] == 0x0A || b[v] == 0x0D || b[v] == 0x09 { v += 1 }
        throw JSONSyntaxError(offset: error.offset, line: error.line, column: error.column, message: error.message,
                              pointer: JSONParser.pointer(toValueAt: v, in: b))
    }

    /// The JSON pointer of the value starting at byte `target`, found by walking the
    /// (valid) text from the start: for messages only. Relative to the top-level value
    /// that holds it.
    static func pointer(toValueAt target: Int, in b: UnsafeBufferPointer<UInt8>) -> String {
        var frames: [(isObject: Bool, index: Int, name: String)] = []
        var k = b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
        func space() { while k < b.count, b[k] == 0x20 || b[k] == 0x0A || b[k] == 0x0D || b[k] == 0x09 { k += 1 } }
        func string() -> JSONToken {
            k += 1
            let start = k
            var escaped = false
            while b[k] != UInt8(ascii: "\"") {
                if b[k] == UInt8(ascii: "\\") { escaped = true; k += 2 } else { k += 1 }
            }
            defer { k += 1 }
            return JSONToken(kind: .string, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: k), escaped: escaped)
        }
        func name() -> String {
            space()
            let t = string()
            space()
            k += 1  // ':'
            return String(decoding: t.unescapedOrRaw(in: b), as: UTF8.self)
        }
        while k < b.count {
            space()
            if k >= target {
                return frames.map { "/" + ($0.isObject ? JSONPointer.escape($0.name) : String($0.index)) }.joined()
            }
            let c = b[k]
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                k += 1
                space()
                if b[k] == UInt8(ascii: "}") || b[k] == UInt8(ascii: "]") {
                    k += 1
                } else {
                    frames.append((c == UInt8(ascii: "{"), 0, c == UInt8(ascii: "{") ? name() : ""))
                    continue
                }
            } else if c == UInt8(ascii: "\"") {
                _ = string()
            } else {
                // A number or a literal (another value may follow it without a space: `9[1]`).
                let start = k
                while k < b.count, (b[k] | 0x20) &- UInt8(ascii: "a") < 26 || b[k] &- UInt8(ascii: "0") < 10
                    || b[k] == UInt8(ascii: "-") || b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: ".") { k += 1 }
                if k == start { k += 1 }  // not reached for valid text; never stall
            }
            // After a value: the next one in the container, or its end.
            while !frames.isEmpty {
                space()
                if b[k] == UInt8(ascii: ",") {
                    k += 1
                    frames[frames.count - 1].index += 1
                    if frames[frames.count - 1].isObject { frames[frames.count - 1].name = name() }
                    break
                }
                k += 1  // '}' or ']'
                frames.removeLast()
            }
        }
        return ""
    }

    // MARK: Unique member names

    /// Throws at the first member (in document order) whose name an earlier member of the
    /// object has too, compared unescaped. Small objects compare their names pairwise;
    /// larger ones sort them by a per-process seeded hash, so no input makes it quadratic.
    private mutating func checkUniqueNames(_ object: Int) throws(JSONSyntaxError) {
        let end = Int(tokens[object].end)
        if tokens[object].count <= 8 {
            var key = object + 1
            while key < end {
                var other = object + 1
                while other < key {
                    if same(tokens[other], tokens[key]) { throw duplicate(key, in: object) }
                    other = nextKey(after: other)
                }
                key = nextKey(after: key)
            }
            return
        }
        names.removeAll(keepingCapacity: true)
        var key = object + 1
        while key < end {
            names.append((hash(tokens[key]), key))
            key = nextKey(after: key)
        }
        names.sort { ($0.hash, $0.token) < ($1.hash, $1.token) }
        var first: Int?
        for k in 1..<names.count where names[k].hash == names[k - 1].hash {
            var j = k - 1
            while j >= 0, names[j].hash == names[k].hash {
                if same(tokens[names[j].token], tokens[names[k].token]) {
                    first = min(first ?? names[k].token, names[k].token)
                    break
                }
                j -= 1
            }
        }
        if let first { throw duplicate(first, in: object) }
    }

    /// The member name after the member whose name is `key`.
    @inline(__always) private func nextKey(after key: Int) -> Int {
        let value = tokens[key + 1]
        return value.isContainer ? Int(value.end) : key + 2
    }

    /// The error for a repeated name, at the name, with its member's JSON pointer.
    private func duplicate(_ key: Int, in object: Int) -> JSONSyntaxError {
        let name = String(decoding: tokens[key].unescapedOrRaw(in: b), as: UTF8.self)
        let error = JSONSyntaxError(at: Int(tokens[key].start) - 1, in: b, "duplicate member name \(Excerpt(name.debugDescription))")
        return JSONSyntaxError(offset: error.offset, line: error.line, column: error.column, message: error.message,
                               pointer: pointerWhileOpen(to: key + 1, in: object))
    }

    /// The JSON pointer of `target`, a value of the just closed `object`, while the
    /// containers around that object (`open`) are still open: everything before an open
    /// container's open child is closed, so the walk can skip over it.
    private func pointerWhileOpen(to target: Int, in object: Int) -> String {
        let chain = open.map(\.token) + [object]
        var path = ""
        for (level, container) in chain.enumerated() {
            let wanted = level + 1 < chain.count ? chain[level + 1] : target
            let isObject = tokens[container].kind == .object
            var child = container + 1, index = 0
            while (isObject ? child + 1 : child) != wanted {
                child = isObject ? nextKey(after: child) : (tokens[child].isContainer ? Int(tokens[child].end) : child + 1)
                index += 1
            }
            path += "/" + (isObject ? JSONPointer.escape(String(decoding: tokens[child].unescapedOrRaw(in: b), as: UTF8.self)) : String(index))
        }
        return path
    }

    /// `"name"` and the `:` after it.
    private mutating func parseMemberName() throws(JSONSyntaxError) {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw expected("a member name in double quotes") }
        let name = try parseString()
        if recording {
            tokens.append(name)
        } else {
            elidedNames.append(UInt64(UInt32(truncatingIfNeeded: hash(name))) << 32 | UInt64(name.start))
        }
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: ":") else { throw expected("':' after the member name") }
        i += 1
    }

    private mutating func parseLiteral(_ word: StaticString, _ kind: JSONKind) throws(JSONSyntaxError) {
        let start = i
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw error("invalid literal (expected \(word))") }
        let w = word.utf8Start
        for k in 0..<n where b[i + k] != w[k] {
            throw error("invalid literal (expected \(word))")
        }
        i += n
        if i < b.count, isWordByte(b[i]) { throw error("invalid literal (expected \(word))", at: start) }
        if recording { tokens.append(JSONToken(kind: kind, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: i))) }
    }

    @inline(__always) private func isWordByte(_ c: UInt8) -> Bool {
        (c | 0x20) &- UInt8(ascii: "a") < 26 || c &- UInt8(ascii: "0") < 10 || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c >= 0x80
    }

    /// RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as its lexeme.
    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONToken {
        let start = i
        @inline(__always) func digit(_ k: Int) -> Bool { k < b.count && b[k] &- UInt8(ascii: "0") < 10 }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "0") {
            i += 1
        } else if digit(i) {
            while digit(i) { i += 1 }
        } else {
            throw error("invalid number: expected a digit", at: i)
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { throw error("invalid number: expected a digit after '.'") }
            while digit(i) { i += 1 }
        }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { throw error("invalid number: expected a digit in the exponent") }
            while digit(i) { i += 1 }
        }
        if i < b.count, isWordByte(b[i]) {
            throw error("invalid number (leading zeros, hexadecimal, NaN and Infinity are not JSON)", at: start)
        }
        return JSONToken(kind: .number, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: i))
    }

    /// A string at `i` (the opening quote): checks escapes and UTF-8, records the span
    /// between the quotes (the caller puts it on the tape).
    private mutating func parseString() throws(JSONSyntaxError) -> JSONToken {
        i += 1
        let start = i
        var escaped = false
        while true {
            // Fast path: plain ASCII.
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
                i += 1
            }
            guard i < b.count else { throw error("unterminated string (missing '\"')", at: start - 1) }
            let c = b[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try parseEscape()
            } else if c < 0x20 {
                throw error(c == 0x0A ? "unterminated string (a line break must be written \\n)" : "control character U+00\(hex2(c)) in a string must be escaped")
            } else {
                try skipUTF8Sequence()
            }
        }
        i += 1
        return JSONToken(kind: .string, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: i - 1), escaped: escaped)
    }

    private func hex2(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(c >> 4)], digits[Int(c & 15)]], as: UTF8.self)
    }

    /// A backslash escape at `i`; `\uD83D\uDE00` must come as a surrogate pair.
    private mutating func parseEscape() throws(JSONSyntaxError) {
        let at = i
        guard i + 1 < b.count else { throw error("unterminated string (missing '\"')") }
        switch b[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: i + 2) else { throw error("invalid \\u escape (expected 4 hexadecimal digits)", at: at) }
            i += 6
            if unit >= 0xD800, unit <= 0xDBFF {
                guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u"),
                      let low = hex4(at: i + 2), low >= 0xDC00, low <= 0xDFFF else {
                    throw error("invalid \\u escape: a high surrogate must be followed by a low surrogate (\\uDC00–\\uDFFF)", at: at)
                }
                i += 6
            } else if unit >= 0xDC00, unit <= 0xDFFF {
                throw error("invalid \\u escape: a low surrogate without a high surrogate before it", at: at)
            }
        default:
            throw error("invalid escape in a string (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: at)
        }
    }

    func hex4(at k: Int) -> UInt32? {
        guard k + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for j in k..<(k + 4) {
            let c = b[j]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// One well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF) at `i`.
    private mutating func skipUTF8Sequence() throws(JSONSyntaxError) {
        let c = b[i]
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            k < b.count && b[k] >= lo && b[k] <= hi
        }
        let length: Int
        switch c {
        case 0xC2...0xDF: length = cont(i + 1) ? 2 : 0
        case 0xE0: length = cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE, 0xEF: length = cont(i + 1) && cont(i + 2) ? 3 : 0
        case 0xED: length = cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0
        case 0xF0: length = cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF1...0xF3: length = cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0
        case 0xF4: length = cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0
        default: length = 0
        }
        guard length > 0 else { throw error("invalid UTF-8 in a string") }
        i += length
    }
}
