/// A parsed JSON text (RFC 8259) as a flat tape of tokens over the original bytes.
///
/// Values are addressed by `JSONDocument.Value` (a token index). Numbers keep their exact
/// lexeme (`6804128143.0` stays that text; nothing goes through `Double`); strings are
/// decoded only when asked for. The tape costs 12 bytes a value, and no object is
/// allocated per value, so a 50 MB message needs about 50 MB of tape besides its bytes —
/// unless its bulk is kept off the tape (`JSONElision`) and read a piece at a time.
public struct JSONDocument {
    /// A value of the document (its token index).
    public typealias Value = Int

    /// The text the tokens point into.
    private let text: JSONText
    var bytes: UnsafeBufferPointer<UInt8> { text.buffer }
    let tokens: [JSONToken]
    /// The top-level values: one, or several for a concatenation of documents.
    public let roots: [Value]
    /// The pointer of the root within the whole document (a part of an elided container).
    let base: String
    /// The depth limit the document was parsed with (its elided parts are parsed again).
    let maximumDepth: Int

    /// Nesting deeper than this is refused (a guard against hostile input).
    public static let defaultMaximumDepth = 512

    /// Parses and validates `bytes`. With `allowsMultipleValues`, the input may be several
    /// JSON texts separated by white space (each becomes a root).
    public init(parsing bytes: [UInt8], maximumDepth: Int = JSONDocument.defaultMaximumDepth, allowsMultipleValues: Bool = false) throws(JSONSyntaxError) {
        try self.init(text: JSONText(copying: bytes), maximumDepth: maximumDepth, allowsMultipleValues: allowsMultipleValues)
    }

    /// Parses `bytes` in place, without a copy: the document must not outlive them (a
    /// format reader's document lives for one `read`). Containers on the paths of
    /// `elision` are validated but kept off the tape (read them with `forEachElided`);
    /// `progress` is called every few megabytes of input.
    public init(borrowing bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = JSONDocument.defaultMaximumDepth, allowsMultipleValues: Bool = false,
                eliding elision: JSONElision? = nil, progress: (() -> Void)? = nil) throws(JSONSyntaxError) {
        try self.init(text: JSONText(borrowing: bytes), maximumDepth: maximumDepth, allowsMultipleValues: allowsMultipleValues,
                      elision: elision, progress: progress)
    }

    private init(text: JSONText, maximumDepth: Int, allowsMultipleValues: Bool, elision: JSONElision? = nil, progress: (() -> Void)? = nil) throws(JSONSyntaxError) {
        let parsed = try JSONParser.parse(text.buffer, maximumDepth: maximumDepth, allowsMultipleValues: allowsMultipleValues,
                                          elision: elision, progress: progress)
        self.text = text
        self.tokens = parsed.tokens
        self.roots = parsed.roots
        self.base = ""
        self.maximumDepth = maximumDepth
    }

    /// A part of an elided container, parsed on its own over the same text.
    private init(text: JSONText, tokens: [JSONToken], root: Value, base: String, maximumDepth: Int) {
        self.text = text
        self.tokens = tokens
        self.roots = [root]
        self.base = base
        self.maximumDepth = maximumDepth
    }

    /// The first (usually only) top-level value.
    public var root: Value { roots[0] }

    // MARK: Reading values

    public func kind(_ v: Value) -> JSONKind { tokens[v].kind }

    /// The number of elements of an array or members of an object; 0 for other values.
    public func count(_ v: Value) -> Int { tokens[v].isContainer ? tokens[v].count : 0 }

    /// The value after `v` and everything inside it.
    @inline(__always) public func next(after v: Value) -> Value {
        let t = tokens[v]
        return t.isContainer ? Int(t.end) : v + 1
    }

    /// The elements of an array (empty for other values).
    public func elements(_ array: Value) -> Children {
        Children(document: self, position: array + 1, end: kind(array) == .array ? Int(tokens[array].end) : array + 1)
    }

    /// The members of an object as (name, value) pairs (empty for other values); the name
    /// is a string value, read it with `string(_:)` or compare it with `name(_:is:)`.
    public func members(_ object: Value) -> Members {
        Members(document: self, position: object + 1, end: kind(object) == .object ? Int(tokens[object].end) : object + 1)
    }

    /// The `index`-th element of an array.
    public func element(_ array: Value, _ index: Int) -> Value? {
        guard kind(array) == .array, index >= 0, index < tokens[array].count else { return nil }
        var v = array + 1
        for _ in 0..<index { v = next(after: v) }
        return v
    }

    /// The value of the member `name` of an object (the first, should a name repeat).
    public func member(_ object: Value, _ name: String) -> Value? {
        guard kind(object) == .object else { return nil }
        var name = name
        return name.withUTF8 { (utf8) -> Value? in
            for (key, value) in members(object) where self.name(key, is: utf8) { return value }
            return nil
        }
    }

    /// Whether the string value `key` is exactly `name` (compared as UTF-8, no allocation
    /// unless the string has escapes).
    public func name(_ key: Value, is name: UnsafeBufferPointer<UInt8>) -> Bool {
        let t = tokens[key]
        guard t.kind == .string else { return false }
        if t.escaped { return Array(decodedString(t).utf8).elementsEqual(name) }
        let start = Int(t.start), length = Int(t.end) - start
        guard length == name.count else { return false }
        let b = bytes
        for k in 0..<length where b[start + k] != name[k] { return false }
        return true
    }

    /// A string value, unescaped; nil for other kinds.
    public func string(_ v: Value) -> String? {
        let t = tokens[v]
        guard t.kind == .string else { return nil }
        return t.escaped ? decodedString(t) : String(decoding: bytes[Int(t.start)..<Int(t.end)], as: UTF8.self)
    }

    /// The exact text of a number (`6804128143.0`, `1e-3`); nil for other kinds.
    public func numberText(_ v: Value) -> String? {
        let t = tokens[v]
        guard t.kind == .number else { return nil }
        return String(decoding: bytes[Int(t.start)..<Int(t.end)], as: UTF8.self)
    }

    /// A string's text or a number's lexeme, for fields that may be either; nil otherwise.
    public func scalarText(_ v: Value) -> String? {
        switch tokens[v].kind {
        case .string: string(v)
        case .number: numberText(v)
        default: nil
        }
    }

    /// An observation's value as every JSON format reads it: `.some(nil)` for null (no
    /// value), the text of a string or number, nil for anything else (the caller's error).
    public func observationValue(_ v: Value) -> String?? {
        tokens[v].kind == .null ? .some(nil) : scalarText(v).map { .some($0) }
    }

    private func decodedString(_ t: JSONToken) -> String {
        String(decoding: t.unescaped(in: bytes), as: UTF8.self)
    }

    // MARK: Pointers

    /// The value `pointer` names, starting at `from` (the root by default).
    public func resolve(_ pointer: JSONPointer, from: Value? = nil) -> Value? {
        var v = from ?? root
        for token in pointer.tokens {
            switch kind(v) {
            case .object:
                guard let m = member(v, token) else { return nil }
                v = m
            case .array:
                guard let index = JSONPointer.arrayIndex(token), let e = element(v, index) else { return nil }
                v = e
            default:
                return nil
            }
        }
        return v
    }

    /// The JSON pointer of any value (`/data/dataSets/0/series/0:1:0/observations/3`),
    /// relative to the root that contains it. Found by descending from the root, so it
    /// costs a walk over the siblings on the way: meant for messages.
    public func pointer(to target: Value) -> String {
        guard let top = roots.last(where: { $0 <= target }) else { return base }
        var path = base
        var v = top
        while v != target {
            let t = tokens[v]
            guard t.isContainer, target < Int(t.end) else { break }
            if t.kind == .array {
                var index = 0
                var child = v + 1
                while next(after: child) <= target { child = next(after: child); index += 1 }
                path += "/\(index)"
                v = child
            } else {
                var key = v + 1
                while next(after: key + 1) <= target { key = next(after: key + 1) }
                path += "/" + JSONPointer.escape(string(key) ?? "")
                v = key + 1
                if target == key { break }  // a member name: name its member
            }
        }
        return path
    }

    /// The 1-based line and column where a value starts.
    public func location(of v: Value) -> (line: Int, column: Int) {
        let t = tokens[v]
        let offset = t.kind == .string ? Int(t.start) - 1 : Int(t.start)
        return JSONSyntaxError.lineAndColumn(of: offset, in: bytes)
    }

    // MARK: Elided containers

    /// Whether `v` is a container kept off the tape (see `JSONElision`): `count` holds, but
    /// its contents are read with `forEachElided`.
    public func isElided(_ v: Value) -> Bool { tokens[v].isElided }

    /// Calls `body` with each member of an elided object, or each element of an elided
    /// array, parsed as a small document of its own over the same text: a member's name is
    /// its value 0 and its value is its root (value 1); an element is value 0. Their
    /// pointers and locations are those in the whole document.
    public func forEachElided<E: Error>(_ container: Value, _ body: (JSONDocument) throws(E) -> Void) throws(E) {
        let t = tokens[container]
        guard t.isElided else { return }
        let isObject = t.kind == .object
        let prefix = pointer(to: container)
        let b = bytes
        var k = Int(t.start) + 1
        func space() { while k < b.count, b[k] == 0x20 || b[k] == 0x0A || b[k] == 0x0D || b[k] == 0x09 { k += 1 } }
        for index in 0..<t.count {
            space()
            let part: (tokens: [JSONToken], end: Int)
            do {
                part = try JSONParser.parsePart(b, at: k, member: isObject, maximumDepth: maximumDepth)
            } catch {
                preconditionFailure("an elided container was validated: \(error)")
            }
            let name = isObject ? JSONPointer.escape(String(decoding: part.tokens[0].unescapedOrRaw(in: b), as: UTF8.self)) : String(index)
            try body(JSONDocument(text: text, tokens: part.tokens, root: isObject ? 1 : 0, base: prefix + "/" + name,
                                  maximumDepth: maximumDepth))
            k = part.end
            space()
            k += 1  // ',' or the closing bracket
        }
    }

    // MARK: Iteration

    /// The elements of an array.
    public struct Children: Sequence, IteratorProtocol {
        let document: JSONDocument
        var position: Int
        let end: Int

        public mutating func next() -> Value? {
            guard position < end else { return nil }
            let v = position
            position = document.next(after: v)
            return v
        }
    }

    /// The members of an object, as (name, value).
    public struct Members: Sequence, IteratorProtocol {
        let document: JSONDocument
        var position: Int
        let end: Int

        public mutating func next() -> (name: Value, value: Value)? {
            guard position < end else { return nil }
            let key = position
            position = document.next(after: key + 1)
            return (key, key + 1)
        }
    }
}

/// A JSON document's text: a copy it owns, or a caller's buffer it borrows.
final class JSONText: @unchecked Sendable {
    // Immutable after init.
    let buffer: UnsafeBufferPointer<UInt8>
    private let owned: UnsafeMutableBufferPointer<UInt8>?

    init(copying bytes: [UInt8]) {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = copy.initialize(from: bytes)
        owned = copy
        buffer = UnsafeBufferPointer(start: copy.baseAddress, count: bytes.count)
    }

    init(borrowing bytes: UnsafeBufferPointer<UInt8>) {
        owned = nil
        buffer = bytes
    }

    deinit { owned?.deallocate() }
}
