/// A source's `series` key template: literal text with `{field}` placeholders, e.g.
/// `comtrade.{reporterISO}.{partnerISO}.{flowCode}.{cmdCode}`. What a placeholder names
/// (a record field, a World Bank row part, an SDMX dimension) is up to the format.
public struct SeriesTemplate: Sendable, Equatable, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case literal(String)
        case placeholder(String)
    }

    public let parts: [Part]
    public let description: String

    /// Parses a template; `{` and `}` only delimit placeholders, which must not be empty.
    public init(_ text: String) throws(FormatSettingsError) {
        var parts: [Part] = []
        var literal = ""
        var placeholder: String?
        for c in text {
            if var open = placeholder {
                switch c {
                case "}":
                    let name = open.trimmingSpaces()
                    guard !name.isEmpty else { throw SeriesTemplate.error(text, "has an empty placeholder {}") }
                    parts.append(.placeholder(name))
                    placeholder = nil
                case "{":
                    throw SeriesTemplate.error(text, "has '{' inside a placeholder")
                default:
                    open.append(c)
                    placeholder = open
                }
            } else if c == "{" {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                placeholder = ""
            } else if c == "}" {
                throw SeriesTemplate.error(text, "has '}' without '{'")
            } else {
                literal.append(c)
            }
        }
        guard placeholder == nil else { throw SeriesTemplate.error(text, "has '{' without '}'") }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        self.description = text
    }

    private static func error(_ text: String, _ problem: String) -> FormatSettingsError {
        FormatSettingsError(key: "series", message: "template \"\(text)\" \(problem)")
    }

    /// The placeholder names, in order.
    public var placeholders: [String] {
        parts.compactMap { if case let .placeholder(name) = $0 { name } else { nil } }
    }

    /// The key for one record: each placeholder replaced by `value(name)`.
    public func render<E: Error>(_ value: (String) throws(E) -> String) throws(E) -> String {
        var key = ""
        for part in parts {
            switch part {
            case let .literal(text): key += text
            case let .placeholder(name): key += try value(name)
            }
        }
        return key
    }
}
