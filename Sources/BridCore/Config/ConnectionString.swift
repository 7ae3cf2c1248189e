/// What brid checks in a libpq connection string before handing it to libpq (which checks
/// the rest when it connects): its form, and that no password is written in it.
public enum ConnectionString {
    /// Why `text` cannot be the store's `url`, or nil.
    public static func problem(with text: String) -> String? {
        if text.contains(where: { $0.isNewline }) { return "must be on one line" }
        if isURI(text) {
            return uriHasPassword(text) ? passwordAdvice : nil
        }
        guard let pairs = keywordPairs(text) else {
            return "is neither a libpq URI (postgresql://user@host/database) nor key=value pairs (host=… dbname=…)"
        }
        if pairs.contains(where: { $0 == "password" }) { return passwordAdvice }
        return nil
    }

    static let passwordAdvice = "holds a password; take it out and give it as password = { env = \"BRID_PG_PASSWORD\" } or { file = \"/etc/brid/pg-password\" }, so it is never in a file that is shown or logged"

    static func isURI(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    /// `user:password@` in the authority, or a `password=` query parameter.
    private static func uriHasPassword(_ text: String) -> Bool {
        let rest = text[text.firstRange(of: "://")!.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(Character(":")) { return true }
        // libpq takes the user part up to the first `@` before any `/`, `?` included
        // (`postgresql://brid:pa?ss@db/brid` carries the password `pa?ss`).
        let userPart = rest.prefix { $0 != "@" && $0 != "/" }
        if userPart.endIndex < rest.endIndex, rest[userPart.endIndex] == "@", userPart.contains(Character(":")) { return true }
        guard let question = rest.firstIndex(of: "?") else { return false }
        return rest[rest.index(after: question)...].split(separator: "&").contains { parameter in
            percentDecoded(parameter.prefix { $0 != "=" }).lowercased() == "password"
        }
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The keywords of `key = value` pairs (values bare or single-quoted with backslash
    /// escapes, as libpq reads them), or nil when the text is not such pairs.
    static func keywordPairs(_ text: String) -> [String]? {
        var keywords: [String] = []
        var chars = Array(text)[...]
        func skipSpaces() { while chars.first?.isWhitespace == true { chars = chars.dropFirst() } }
        skipSpaces()
        while !chars.isEmpty {
            let key = chars.prefix { !$0.isWhitespace && $0 != "=" }
            guard !key.isEmpty else { return nil }
            chars = chars.dropFirst(key.count)
            skipSpaces()
            guard chars.popFirst() == "=" else { return nil }
            skipSpaces()
            if chars.first == "'" {
                chars = chars.dropFirst()
                var closed = false
                while let c = chars.popFirst() {
                    if c == "\\" { _ = chars.popFirst(); continue }
                    if c == "'" { closed = true; break }
                }
                guard closed else { return nil }
            } else {
                while let c = chars.first, !c.isWhitespace {
                    chars = chars.dropFirst()
                    if c == "\\" { _ = chars.popFirst() }
                }
            }
            keywords.append(String(key))
            skipSpaces()
        }
        return keywords.isEmpty ? nil : keywords
    }
}
