/// The publisher's status of an observation: Eurostat's flags (`p` provisional, `e`
/// estimated, `bep`), SDMX's `OBS_STATUS` (`A`, `P`, `E`, …). Short text, compared exactly;
/// a change of status alone makes a new version (see README "Data model").
public enum ObservationStatus {
    /// At most this many characters (Unicode scalars, as SQLite's `length()` counts them);
    /// the schema checks it too.
    public static let maxLength = 16

    /// The trimmed status, nil for an empty one; an error for one that is too long or
    /// holds a control character.
    public static func parse(_ raw: String) -> Result<String?, StatusError> {
        // Almost every status is a few printable ASCII letters: taken as it is.
        let utf8 = raw.utf8
        if utf8.count <= maxLength, !utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            return .success(utf8.isEmpty ? nil : raw)
        }
        let scalars = raw.unicodeScalars
        let trimmed = scalars.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
        if trimmed.isEmpty { return .success(nil) }
        if trimmed.count > maxLength { return .failure(StatusError(text: raw, reason: "is longer than \(maxLength) characters")) }
        if trimmed.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .failure(StatusError(text: raw, reason: "holds a control character"))
        }
        if trimmed.count == scalars.count { return .success(raw) }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: trimmed.reversed())
        return .success(String(text))
    }
}

public struct StatusError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "status \(Excerpt(quoted: text)) \(reason)" }
}
