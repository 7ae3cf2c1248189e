/// The headers of the response being received, kept as curl hands them over one line at a time.
///
/// A status line starts a new response (a `100 Continue` comes before the real one), so what
/// is left at the end belongs to the final response.
struct ResponseHeaders: Equatable {
    var status: Int?
    var etag: String?
    var lastModified: String?

    /// Takes one raw header line (with its CRLF), or a status line.
    mutating func consume(_ line: String) {
        if line.hasPrefix("HTTP/") {
            self = ResponseHeaders()
            let fields = line.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
            if fields.count >= 2 { status = Int(fields[1]) }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = Self.trimmed(line[line.index(after: colon)...])
        switch name {
        case "etag": etag = value.isEmpty ? nil : value
        case "last-modified": lastModified = value.isEmpty ? nil : value
        default: break
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        // CRLF is one Character, so isWhitespace/isNewline see it whole.
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }
}
