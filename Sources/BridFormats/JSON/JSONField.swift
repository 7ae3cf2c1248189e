import BridCore

/// Where a record keeps a field: a member name (`primaryValue`) or, when the setting
/// starts with `/`, a JSON pointer relative to the record (`/indicator/id`).
enum JSONField: Sendable, Equatable, CustomStringConvertible {
    case name(String)
    case pointer(JSONPointer)

    init(_ text: String, key: String) throws(FormatSettingsError) {
        guard !text.isEmpty else { throw FormatSettingsError(key: key, message: "must name a field (or be a JSON pointer such as \"/indicator/id\")") }
        if text.hasPrefix("/") {
            do {
                self = .pointer(try JSONPointer(text))
            } catch {
                throw FormatSettingsError(key: key, message: error.description)
            }
        } else {
            self = .name(text)
        }
    }

    var description: String {
        switch self {
        case let .name(name): "\"\(name)\""
        case let .pointer(pointer): "\"\(pointer)\""
        }
    }

    /// The field's value in `record`, if present.
    func value(in doc: JSONDocument, _ record: JSONDocument.Value) -> JSONDocument.Value? {
        switch self {
        case let .name(name): doc.member(record, name)
        case let .pointer(pointer): doc.resolve(pointer, from: record)
        }
    }
}
