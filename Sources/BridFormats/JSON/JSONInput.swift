import BridCore
import Foundation

/// What the JSON formats share: parsing into an `InputError`, pointer and field
/// settings, errors that name a value's pointer, timestamps.
enum JSONInput {
    /// The document, or an input error with the line and column of the syntax error.
    /// The document reads `bytes` in place: it must not outlive them.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, origin: String, allowsMultipleValues: Bool = false,
                      eliding elision: JSONElision? = nil, progress: (() -> Void)? = nil) throws(InputError) -> JSONDocument {
        do {
            return try JSONDocument(borrowing: bytes, allowsMultipleValues: allowsMultipleValues, eliding: elision, progress: progress)
        } catch {
            if let pointer = error.pointer {  // well-formed, but which member holds is anyone's guess
                throw InputError(origin: origin, place: .pointer(pointer),
                                 reason: "\(error.message) in one object (line \(error.line), column \(error.column)): brid does not guess which one holds")
            }
            throw InputError(origin: origin, place: nil, reason: "invalid JSON at \(error.description)")
        }
    }

    /// A pointer setting, or a settings error naming the key.
    static func pointer(_ settings: FormatSettings, _ key: String, default fallback: String? = nil) throws(FormatSettingsError) -> JSONPointer? {
        guard let text = settings.string(key) ?? fallback else { return nil }
        do {
            return try JSONPointer(text)
        } catch {
            throw FormatSettingsError(key: key, message: error.description)
        }
    }

    /// A series key setting that must be a fixed key (no placeholders).
    static func fixedSeriesKey(_ settings: FormatSettings, format: String) throws(FormatSettingsError) -> String {
        guard let key = settings.seriesTemplate else {
            throw FormatSettingsError(key: "series", message: "\(format) files do not name their series: set `series` to the key to store them under (e.g. series = \"fred.GNPCA\")")
        }
        guard !key.contains("{" as Character), !key.contains("}" as Character) else {
            throw FormatSettingsError(key: "series", message: "\(format) has no fields to fill placeholders from: `series` must be a plain key, not the template \"\(key)\"")
        }
        if let problem = SeriesKey.problem(with: key) { throw FormatSettingsError(key: "series", message: problem) }
        return key
    }

    /// A timestamp value (`2020-07-01`, `2018-03-11T14:30:47Z`), or an error naming it.
    static func timestamp(_ doc: JSONDocument, _ v: JSONDocument.Value, origin: String, what: String) throws(InputError) -> Date {
        guard let text = doc.string(v), let date = Timestamp.parse(text) else {
            let shown = doc.scalarText(v).map { Excerpt(quoted: $0).description } ?? doc.kind(v).description
            throw doc.error(at: v, origin: origin, "\(what) \(shown) is not an ISO-8601 timestamp (e.g. 2020-07-01 or 2020-07-01T06:00:00Z)")
        }
        return date
    }

    /// A member name of an object, for messages (`"a", "b", "c"`), at most `limit` of them.
    static func memberList(_ doc: JSONDocument, _ object: JSONDocument.Value, limit: Int = 12) -> String {
        let names = doc.members(object).prefix(limit + 1).map { Excerpt(quoted: doc.string($0.name) ?? "").description }
        return names.prefix(limit).joined(separator: ", ") + (names.count > limit ? ", …" : "")
    }
}

extension JSONDocument {
    /// An input error placed at a value's JSON pointer.
    func error(at v: Value, origin: String, _ reason: String) -> InputError {
        let path = pointer(to: v)
        return InputError(origin: origin, place: path.isEmpty ? nil : .pointer(path), reason: reason)
    }
}
