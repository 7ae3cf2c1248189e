/// An RFC 6901 JSON pointer: `""` is the whole document, `/data/17/primaryValue` a value
/// inside it; `~1` stands for `/` and `~0` for `~` in a reference token.
public struct JSONPointer: Sendable, Equatable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public let tokens: [String]

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses the pointer text; throws when it is not a pointer.
    public init(_ text: String) throws(JSONPointerError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPointerError(text: text, reason: "must be empty or start with '/' (e.g. \"/data\")")
        }
        var result: [String] = []
        for part in text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            var token: [UInt8] = []
            var k = part.startIndex
            while k < part.endIndex {
                let c = part[k]
                if c == UInt8(ascii: "~") {
                    let next = part.index(after: k)
                    guard next < part.endIndex, part[next] == UInt8(ascii: "0") || part[next] == UInt8(ascii: "1") else {
                        throw JSONPointerError(text: text, reason: "has '~' not followed by 0 or 1 (write ~0 for '~' and ~1 for '/')")
                    }
                    token.append(part[next] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
                    k = part.index(after: next)
                } else {
                    token.append(c)
                    k = part.index(after: k)
                }
            }
            result.append(String(decoding: token, as: UTF8.self))
        }
        tokens = result
    }

    /// The pointer text, escaped.
    public var description: String {
        tokens.map { "/" + JSONPointer.escape($0) }.joined()
    }

    /// A reference token escaped for a pointer text (`a/b` → `a~1b`).
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        return token.replacingTildeAndSlash()
    }

    /// The array index a reference token names, RFC 6901 style (`0` or no leading zero).
    static func arrayIndex(_ token: String) -> Int? {
        let u = token.utf8
        guard let first = u.first, u.count <= 18, first != UInt8(ascii: "0") || u.count == 1 else { return nil }
        var n = 0
        for c in u {
            let d = c &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }
}

extension String {
    fileprivate func replacingTildeAndSlash() -> String {
        var out: [UInt8] = []
        for c in utf8 {
            switch c {
            case UInt8(ascii: "~"): out += [UInt8(ascii: "~"), UInt8(ascii: "0")]
            case UInt8(ascii: "/"): out += [UInt8(ascii: "~"), UInt8(ascii: "1")]
            default: out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
