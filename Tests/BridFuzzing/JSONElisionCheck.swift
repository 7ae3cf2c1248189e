import BridFormats

/// The differential check of `JSONElision`: a document parsed with containers kept off the
/// tape must say exactly what the plain parse says — the same syntax error (message, place,
/// pointer), or the same values at the same pointers and places when read through
/// `forEachElided`. Run by the `json` fuzz target on every input, and by the tests.
public enum JSONElisionCheck {
    /// The elisions tried: the root, every element of a top-level array, SDMX-JSON's data sets.
    static let elisions: [JSONElision] = [
        JSONElision([[]]),
        JSONElision([[.anyElement]]),
        JSONElision([[.element(1)], [.name("a")]]),
        JSONElision([[.token("0")], [.token("a"), .token("1")], [.token("data")]]),
        JSONElision([[.name("data")], [.anyElement, .name("observations")], [.name("a"), .anyElement]]),
        JSONElision([[.name("dataSets"), .anyElement, .name("series")], [.name("dataSets"), .anyElement, .name("observations")],
                     [.name("data"), .name("dataSets"), .anyElement, .name("series")],
                     [.name("data"), .name("dataSets"), .anyElement, .name("observations")]]),
    ]

    /// nil when every elision agrees with the plain parse, else what differs.
    public static func disagreement(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        for multiple in [false, true] {
            let plain = outcome(bytes, multiple: multiple, elision: nil)
            for elision in elisions {
                let elided = outcome(bytes, multiple: multiple, elision: elision)
                if elided != plain { return "eliding \(elision.paths) (multiple: \(multiple)):\n\(elided)\nplain:\n\(plain)" }
            }
        }
        return nil
    }

    public static func disagreement(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { disagreement($0) }
    }

    /// The error, or every value with its pointer and place.
    static func outcome(_ bytes: UnsafeBufferPointer<UInt8>, multiple: Bool, elision: JSONElision?) -> String {
        let doc: JSONDocument
        do {
            doc = try JSONDocument(borrowing: bytes, allowsMultipleValues: multiple, eliding: elision)
        } catch {
            return "error \(error.description) at \(error.offset) pointer \(error.pointer ?? "-")"
        }
        var out = ""
        // Pointers and places cost a walk from the start each: for small inputs only.
        let places = bytes.count <= 4096
        for root in doc.roots { render(doc, root, places: places, into: &out) }
        return out
    }

    static func render(_ doc: JSONDocument, _ v: JSONDocument.Value, places: Bool, into out: inout String) {
        if places {
            let (line, column) = doc.location(of: v)
            out += "\n\(doc.pointer(to: v)) \(line):\(column) "
        } else {
            out += " "
        }
        switch doc.kind(v) {
        case .object:
            out += "{\(doc.count(v))"
            if doc.isElided(v) {
                doc.forEachElided(v) { part in
                    out += " " + (part.string(0) ?? "?").debugDescription
                    render(part, 1, places: places, into: &out)
                }
            } else {
                for (name, value) in doc.members(v) {
                    out += " " + (doc.string(name) ?? "?").debugDescription
                    render(doc, value, places: places, into: &out)
                }
            }
            out += "}"
        case .array:
            out += "[\(doc.count(v))"
            if doc.isElided(v) {
                doc.forEachElided(v) { part in render(part, 0, places: places, into: &out) }
            } else {
                for element in doc.elements(v) { render(doc, element, places: places, into: &out) }
            }
            out += "]"
        default:
            out += doc.scalarText(v) ?? doc.kind(v).description
        }
    }
}
