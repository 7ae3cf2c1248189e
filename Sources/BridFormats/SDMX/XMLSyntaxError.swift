/// XML that is not well-formed (or uses what `XMLScanner` refuses), with the line it was found on.
struct XMLSyntaxError: Error, Sendable {
    let line: Int
    let reason: String
}
