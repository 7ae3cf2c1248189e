/// A piece of a page's HTML. Written as a string literal whose interpolations are escaped
/// in this one place: a `String` (any text from the store, the config or the request) is
/// always HTML-escaped; a number is written as digits; another `HTML` is inserted as it is;
/// `nil` writes nothing. Only `raw:` inserts text unescaped — the style sheet and the
/// chart's SVG, which brid writes itself (the SVG escapes its own texts).
/// There is no other way to put a `String` into an `HTML`.
struct HTML: ExpressibleByStringInterpolation, Sendable {
    private(set) var text: String

    init(stringLiteral value: String) {
        text = value
    }

    init(stringInterpolation: Interpolation) {
        text = stringInterpolation.text
    }

    /// `parts` one after the other (the rows of a table).
    init(_ parts: some Sequence<HTML>) {
        text = ""
        for part in parts { text += part.text }
    }

    struct Interpolation: StringInterpolationProtocol {
        fileprivate var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        /// Text, escaped.
        mutating func appendInterpolation(_ value: String) {
            text += PageText.escape(value)
        }

        mutating func appendInterpolation(_ value: some FixedWidthInteger) {
            text += String(value)
        }

        /// HTML already written (a row, a section); nothing when nil.
        mutating func appendInterpolation(_ html: HTML?) {
            if let html { text += html.text }
        }

        /// Unescaped: only for what brid writes itself (the style sheet, the chart's SVG).
        mutating func appendInterpolation(raw: String) {
            text += raw
        }
    }
}

extension HTML {
    static func + (left: HTML, right: HTML) -> HTML {
        var joined = left
        joined.text += right.text
        return joined
    }
}
