import BridCore
import Foundation

/// Text as the pages show it: HTML-escaped (by `HTML`'s interpolation and the SVG renderer,
/// both through `escape`), times in UTC, links with the series key encoded.
enum PageText {
    /// `& < > " '` as entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// `2026-12-07T11:49:16Z`, or `-`.
    static func time(_ date: Date?) -> String {
        date.map(Timestamp.format) ?? "-"
    }

    /// A series key as one path segment: every byte but ASCII letters, digits and `. _ - : @ +`
    /// percent-encoded (a `/` too, so that the key stays one segment).
    static func pathSegment(_ key: String) -> String {
        var out = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "+"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// The same, for a query value (`api_key=`).
    static func queryValue(_ value: String) -> String { pathSegment(value) }

    /// A path's `%XX` decoded (UTF-8); nil when it is not valid.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `+1.58 %` from `old` to `new` (decimal texts); nil without two numbers or from zero.
    static func change(from old: String?, to new: String?) -> String? {
        guard let old = old.flatMap(Double.init), let new = new.flatMap(Double.init), old != 0, old.isFinite, new.isFinite else { return nil }
        let percent = (new - old) / abs(old) * 100
        let text = VintageChart.fixed(percent, decimals: 2)
        return (percent > 0 && text != "0.00" ? "+" : "") + text + " %"
    }
}

/// The links of one page: paths only (with tokens, a browser sends the pages' cookie; see
/// `PageRoutes.signIn`).
struct PageLinks: Sendable {
    /// When the page is rendered (the footer says it).
    let now: Date

    var home: String { "/" }

    func series(_ key: String) -> String { "/series/" + PageText.pathSegment(key) }

    func release(_ id: Int64) -> String { "/releases/\(id)" }

    /// `path?offset=N`.
    func page(_ path: String, offset: Int) -> String {
        withQuery(path, "offset=\(offset)")
    }

    /// `path?query`.
    func withQuery(_ path: String, _ query: String) -> String {
        path + "?" + query
    }
}
