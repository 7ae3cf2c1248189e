/// A piece of input as a message shows it: whole when it is short; otherwise its first
/// `limit` characters, `…` and its length — `"abc…" (5242880 characters)` — so that a 5 MB
/// field cannot make a 5 MB error, log line, `.error` file or `status` reply.
///
/// Every message that echoes input (a value, a period, a series key, a member or element
/// name, a service's error text, a request's argument) puts it in through this.
public struct Excerpt: CustomStringConvertible, Sendable {
    /// The most characters of the input a message shows.
    public static let limit = 100

    public let description: String

    /// `text` as it is, or cut with its length after it.
    public init(_ text: some StringProtocol) {
        self.init(text, quoted: false)
    }

    /// `text` in double quotes; when cut, the length follows the closing quote.
    public init(quoted text: some StringProtocol) {
        self.init(text, quoted: true)
    }

    private init(_ text: some StringProtocol, quoted: Bool) {
        let quote = quoted ? "\"" : ""
        // Fewer bytes than the limit means fewer characters: no counting.
        guard text.utf8.count > Self.limit, let cut = text.index(text.startIndex, offsetBy: Self.limit, limitedBy: text.endIndex),
              cut < text.endIndex else {
            description = quote + String(text) + quote
            return
        }
        description = quote + String(text[..<cut]) + "…" + quote + " (\(text.count) characters)"
    }
}
