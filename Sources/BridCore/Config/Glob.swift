/// A shell-style pattern over series keys, source ids and rule ids: `*` any run of
/// characters, `?` one character, `[abc]`, `[a-z]`, `[!x]` one character of (not of) a set.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    private enum Token: Sendable, Equatable {
        case literal(Character)
        case any
        case anyRun
        case set(ranges: [ClosedRange<Character>], negated: Bool)
    }

    public let pattern: String
    private let tokens: [Token]

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
    }

    /// True when `text` contains glob characters, so it is a pattern rather than a name.
    public static func isPattern(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// Whether the whole of `s` matches the pattern.
    public func matches(_ s: String) -> Bool {
        let chars = Array(s)
        // Iterative matching with one backtrack point for the last `*`: linear in practice.
        var t = 0, c = 0
        var starToken = -1, starChar = 0
        while c < chars.count {
            if t < tokens.count, tokens[t] != .anyRun, Self.matchOne(tokens[t], chars[c]) {
                t += 1
                c += 1
            } else if t < tokens.count, tokens[t] == .anyRun {
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
        while t < tokens.count, tokens[t] == .anyRun { t += 1 }
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
