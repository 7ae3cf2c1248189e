import Foundation

/// A rule's `summary`: text with `{field}` and `{field:+.1f}` placeholders, filled in
/// when an alert fires: `"{series} {period}: {value} ({change_pct:+.1f} % vs {previous})"`.
///
/// A format is an optional `+` (always show the sign), an optional `.N` (N decimals) and
/// `f`. A field without a value (`previous` for a first observation) prints as `n/a`.
/// `{{` and `}}` are literal braces.
public enum SummaryTemplate {
    /// Every field a template may name.
    public static let fields = ["rule", "severity", "target", "series", "source", "period", "value", "previous", "change",
                                "change_pct", "threshold", "failures", "last", "age_days", "reason"]

    /// Why the template cannot be used, or nil when it is fine.
    public static func problem(in template: String) -> String? {
        do {
            for piece in try pieces(of: template) {
                guard case .field(let name, _) = piece else { continue }
                if !fields.contains(name) {
                    return "{\(name)} is not a summary field; use \(fields.map { "{\($0)}" }.joined(separator: ", "))"
                }
            }
            return nil
        } catch {
            return error.reason
        }
    }

    /// Fills the template in; placeholders it cannot read are left as written.
    public static func render(_ template: String, _ values: [String: String]) -> String {
        guard let pieces = try? pieces(of: template) else { return template }
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .field(let name, let format):
                guard let value = values[name] else {
                    out += "n/a"
                    continue
                }
                out += format.map { $0.apply(to: value) } ?? value
            }
        }
        return out
    }

    // MARK: - Reading

    enum Piece: Equatable {
        case text(String)
        case field(String, NumberFormat?)
    }

    public struct NumberFormat: Equatable, Sendable {
        var sign = false
        var decimals: Int?

        func apply(to value: String) -> String {
            guard let number = Double(value) else { return value }
            var text = decimals.map { cFormat("%.\($0)f", number) } ?? Self.shortest(number)
            if sign && number >= 0 && !text.hasPrefix("-") { text = "+" + text }
            return text
        }

        /// `25` rather than `25.0`.
        public static func shortest(_ x: Double) -> String {
            x.rounded() == x && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        }
    }

    struct TemplateError: Error { let reason: String }

    static func pieces(of template: String) throws(TemplateError) -> [Piece] {
        var pieces: [Piece] = []
        var text = ""
        var index = template.startIndex
        while index < template.endIndex {
            let c = template[index]
            let next = template.index(after: index)
            if (c == "{" || c == "}"), next < template.endIndex, template[next] == c {
                text.append(c)
                index = template.index(after: next)
                continue
            }
            if c == "}" { throw TemplateError(reason: "a `}` without its `{` (write `}}` for a brace)") }
            guard c == "{" else {
                text.append(c)
                index = next
                continue
            }
            guard let close = template[next...].firstIndex(of: "}") else {
                throw TemplateError(reason: "a `{` without its `}` (write `{{` for a brace)")
            }
            let inside = template[next..<close]
            let parts = inside.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            var format: NumberFormat?
            if parts.count == 2 {
                guard let read = readFormat(parts[1]) else {
                    throw TemplateError(reason: "{\(inside)}: the format \(String(parts[1]).debugDescription) is not one of f, .1f, +.1f, +f")
                }
                format = read
            }
            if !text.isEmpty { pieces.append(.text(text)) }
            text = ""
            pieces.append(.field(name, format))
            index = template.index(after: close)
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        return pieces
    }

    private static func readFormat(_ spec: Substring) -> NumberFormat? {
        var rest = spec
        var format = NumberFormat()
        if rest.first == "+" {
            format.sign = true
            rest = rest.dropFirst()
        }
        guard rest.last == "f" else { return nil }
        rest = rest.dropLast()
        if rest.isEmpty { return format }
        guard rest.first == ".", let decimals = Int(rest.dropFirst()), (0...12).contains(decimals) else { return nil }
        format.decimals = decimals
        return format
    }
}
