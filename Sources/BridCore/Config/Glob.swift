/// A shell-style pattern over series keys, source ids and rule ids: `*` any run of
/// characters, `?` one character, `[abc]`, `[a-z]`, `[!x]` one character of (not of) a set.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    private enum Token: Sendable, Equatable {
        case literal(Character)
        case any
        case anyRun
        case set(ranges: [ClosedRange<Character>], negated: Bool)
    }

    /// The same tokens over bytes, for an ASCII pattern without CR (whose characters are
    /// single bytes: CR LF is the one ASCII pair Swift counts as one character).
    private enum ByteToken: Sendable, Equatable {
        case literal(UInt8)
        case any
        case anyRun
        case set(ranges: [ClosedRange<UInt8>], negated: Bool)
    }

    public let pattern: String
    private let tokens: [Token]
    /// `tokens` over bytes, when the pattern is ASCII without CR; nil otherwise.
    private let byteTokens: [ByteToken]?

    /// Compiles `pattern`; throws when a `[` set is unterminated or empty.
    public init(_ pattern: String) throws(ConfigValueError) {
        self.pattern = pattern
        var tokens: [Token] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            switch chars[i] {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
                i += 1
            case "?":
                tokens.append(.any)
                i += 1
            case "[":
                var j = i + 1
                var negated = false
                if j < chars.count, chars[j] == "!" || chars[j] == "^" {
                    negated = true
                    j += 1
                }
                var ranges: [ClosedRange<Character>] = []
                // A `]` right after `[` or `[!` is a member, as in shells.
                var first = true
                while j < chars.count, chars[j] != "]" || first {
                    first = false
                    let low = chars[j]
                    if j + 2 < chars.count, chars[j + 1] == "-", chars[j + 2] != "]" {
                        let high = chars[j + 2]
                        guard low <= high else {
                            throw ConfigValueError("invalid glob \(pattern.debugDescription): range \(low)-\(high) is backwards")
                        }
                        ranges.append(low...high)
                        j += 3
                    } else {
                        ranges.append(low...low)
                        j += 1
                    }
                }
                guard j < chars.count else {
                    throw ConfigValueError("invalid glob \(pattern.debugDescription): '[' without a closing ']'")
                }
                tokens.append(.set(ranges: ranges, negated: negated))
                i = j + 1
            case let c:
                tokens.append(.literal(c))
                i += 1
            }
        }
        self.tokens = tokens
        byteTokens = Self.asBytes(tokens)
    }

    private static func asBytes(_ tokens: [Token]) -> [ByteToken]? {
        func byte(_ c: Character) -> UInt8? {
            guard let ascii = c.asciiValue, ascii != UInt8(ascii: "\r") else { return nil }
            return ascii
        }
        var result: [ByteToken] = []
        for token in tokens {
            switch token {
            case let .literal(c):
                guard let b = byte(c) else { return nil }
                result.append(.literal(b))
            case .any: result.append(.any)
            case .anyRun: result.append(.anyRun)
            case let .set(ranges, negated):
                var byteRanges: [ClosedRange<UInt8>] = []
                for range in ranges {
                    guard let low = byte(range.lowerBound), let high = byte(range.upperBound) else { return nil }
                    byteRanges.append(low...high)
                }
                result.append(.set(ranges: byteRanges, negated: negated))
            }
        }
        return result
    }

    /// True when `text` contains glob characters, so it is a pattern rather than a name.
    public static func isPattern(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// Whether the whole of `s` matches the pattern.
    public func matches(_ s: String) -> Bool {
        // An ASCII key without CR against an ASCII pattern: byte by byte, the same answer
        // as character by character without splitting the key into characters.
        if let byteTokens, let answer = s.utf8.withContiguousStorageIfAvailable({ Self.matches(byteTokens, $0) }),
           let answer {
            return answer
        }
        return matchesByCharacter(s)
    }

    /// The byte tokens against `text`; nil when `text` is not ASCII or holds a CR.
    private static func matches(_ tokens: [ByteToken], _ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        for b in text where b >= 0x80 || b == UInt8(ascii: "\r") { return nil }
        return wildcard(tokens, text, isRun: { $0 == .anyRun }, matchOne)
    }

    private static func matchOne(_ token: ByteToken, _ b: UInt8) -> Bool {
        switch token {
        case .literal(let l): l == b
        case .any: true
        case .anyRun: true
        case .set(let ranges, let negated): ranges.contains { $0.contains(b) } != negated
        }
    }

    /// Whether the whole of `s` matches the pattern, compared by character.
    func matchesByCharacter(_ s: String) -> Bool {
        Self.wildcard(tokens, Array(s), isRun: { $0 == .anyRun }, Self.matchOne)
    }

    /// Whether all of `text` matches `tokens`, `*` (`isRun`) taking any run: iterative,
    /// with one backtrack point for the last `*` (linear in practice). By bytes or by
    /// characters, the same walk.
    @inline(__always)
    private static func wildcard<Tok, Text: RandomAccessCollection>(_ tokens: [Tok], _ text: Text, isRun: (Tok) -> Bool,
                                                                     _ one: (Tok, Text.Element) -> Bool) -> Bool where Text.Index == Int {
        var t = 0, c = text.startIndex
        var starToken = -1, starChar = text.startIndex
        while c < text.endIndex {
            if t < tokens.count, !isRun(tokens[t]), one(tokens[t], text[c]) {
                t += 1
                c += 1
            } else if t < tokens.count, isRun(tokens[t]) {
                starToken = t
                starChar = c
                t += 1
            } else if starToken >= 0 {
                starChar += 1
                c = starChar
                t = starToken + 1
            } else {
                return false
            }
        }
        while t < tokens.count, isRun(tokens[t]) { t += 1 }
        return t == tokens.count
    }

    private static func matchOne(_ token: Token, _ c: Character) -> Bool {
        switch token {
        case .literal(let l): l == c
        case .any: true
        case .anyRun: true
        case .set(let ranges, let negated): ranges.contains { $0.contains(c) } != negated
        }
    }

    public var description: String { pattern }
}
