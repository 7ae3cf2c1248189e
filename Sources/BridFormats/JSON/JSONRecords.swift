import BridCore

/// `format = "json"`: an array of flat records, one observation each, e.g. UN Comtrade:
///
/// ```toml
/// records = "/data"
/// series = "comtrade.{reporterISO}.{partnerISO}.{flowCode}.{cmdCode}"
/// value = "primaryValue"
/// ```
///
/// The series key comes from the source's `series` template over fields of the record, or
/// from one field (`series_field`); the period from `period`, the value from `value`.
/// A field setting is a member name, or a JSON pointer into the record when it starts
/// with `/`. Strings and numbers are both accepted (numbers as their exact text); a
/// `null` value is "no value".
public struct JSONRecords: PayloadFormat {
    public static let name = "json"
    public static let options: [String: OptionType] = [
        "records": .string,
        "period": .string,
        "value": .string,
        "series_field": .string,
        "name_field": .string,
        "unit_field": .string,
        "published_at": .string,
    ]
    public static let ordinalKind = PayloadBuilder.OrdinalKind.record

    enum SeriesSource: Sendable {
        case template(SeriesTemplate, [String: JSONField])
        case field(JSONField)
    }

    let records: JSONPointer
    let series: SeriesSource
    let period: JSONField
    let value: JSONField
    let nameField: JSONField?
    let unitField: JSONField?
    let publishedAt: JSONPointer?

    public init(settings: FormatSettings) throws {
        records = try JSONInput.pointer(settings, "records", default: "")!
        period = try JSONField(settings.string("period") ?? "period", key: "period")
        value = try JSONField(settings.string("value") ?? "value", key: "value")
        nameField = try settings.string("name_field").map { (s) throws(FormatSettingsError) in try JSONField(s, key: "name_field") }
        unitField = try settings.string("unit_field").map { (s) throws(FormatSettingsError) in try JSONField(s, key: "unit_field") }
        publishedAt = try JSONInput.pointer(settings, "published_at")
        switch (settings.seriesTemplate, settings.string("series_field")) {
        case let (template?, nil):
            let parsed = try SeriesTemplate(template)
            var fields: [String: JSONField] = [:]
            for name in parsed.placeholders { fields[name] = try JSONField(name, key: "series") }
            series = .template(parsed, fields)
        case let (nil, field?):
            series = .field(try JSONField(field, key: "series_field"))
        case (nil, nil):
            throw FormatSettingsError(key: "series", message: "json records need a series key: set `series` to a template over record fields (e.g. \"comtrade.{reporterISO}.{cmdCode}\") or `series_field` to the field that holds the key")
        case (_?, _?):
            throw FormatSettingsError(key: "series_field", message: "set either `series` (a key template) or `series_field`, not both")
        }
    }

    /// The document is validated whole first (pages dropped behind the parser), with the
    /// records array off the tape; the records are then read one at a time. (Unless
    /// `published_at` points inside the records: then the whole tape is kept.)
    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        let inside = publishedAt.map { $0.tokens.starts(with: records.tokens) } ?? false
        let doc = try JSONInput.parse(bytes, origin: origin, eliding: inside ? nil : JSONElision(pointer: records), progress: builder.onProgress)
        if let publishedAt {
            guard let v = doc.resolve(publishedAt) else {
                throw InputError(origin: origin, place: nil, reason: "`published_at` names \"\(publishedAt)\" but the document has no value there")
            }
            builder.publishedAt = try JSONInput.timestamp(doc, v, origin: origin, what: "`published_at` value")
        }
        guard let array = doc.resolve(records) else {
            var hint = ""
            if doc.kind(doc.root) == .object { hint = " (the top level has \(JSONInput.memberList(doc, doc.root)))" }
            throw InputError(origin: origin, place: nil, reason: "no observations found — `records` is \"\(records)\" but the document has no value there\(hint)")
        }
        guard doc.kind(array) == .array else {
            throw doc.error(at: array, origin: origin, "`records` must point to an array of records, found \(doc.kind(array).description)")
        }
        guard doc.count(array) > 0 else {
            throw doc.error(at: array, origin: origin, "no observations found — the array of records (`records` = \"\(records)\") is empty")
        }
        var n: Int32 = 0
        if doc.isElided(array) {
            try doc.forEachElided(array) { (part) throws(InputError) in
                try readRecord(part, 0, ordinal: n, into: &builder)
                n += 1
            }
        } else {
            for record in doc.elements(array) {
                try readRecord(doc, record, ordinal: n, into: &builder)
                n += 1
            }
        }
    }

    private func readRecord(_ doc: JSONDocument, _ record: JSONDocument.Value, ordinal n: Int32, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        guard doc.kind(record) == .object else {
            throw doc.error(at: record, origin: origin, "expected a record (an object), found \(doc.kind(record).description)")
        }
        func text(_ field: JSONField, _ role: String) throws(InputError) -> String {
            guard let v = field.value(in: doc, record) else {
                throw doc.error(at: record, origin: origin, "the record has no field \(field) (the \(role))")
            }
            guard let text = doc.scalarText(v) else {
                throw doc.error(at: v, origin: origin, "the \(role) field \(field) must be a string or a number, found \(doc.kind(v).description)")
            }
            return text
        }
        let key: String
        switch series {
        case let .template(template, fields):
            key = try template.render { (name) throws(InputError) in try text(fields[name]!, "series template placeholder {\(name)}") }
        case let .field(field):
            key = try text(field, "series key")
        }
        let periodText = try text(period, "period")
        guard let v = value.value(in: doc, record) else {
            throw doc.error(at: record, origin: origin, "the record has no field \(value) (the value; use null for no value)")
        }
        guard let valueText = doc.observationValue(v) else {
            throw doc.error(at: v, origin: origin, "the value must be a number, a string or null, found \(doc.kind(v).description)")
        }
        try builder.add(series: key, period: periodText, value: valueText, ordinal: n, place: .pointer(doc.pointer(to: record)))
        if nameField != nil || unitField != nil {
            let name = nameField.flatMap { $0.value(in: doc, record) }.flatMap { doc.string($0) }
            let unit = unitField.flatMap { $0.value(in: doc, record) }.flatMap { doc.string($0) }
            builder.describe(series: key, name: name, unit: unit)
        }
    }
}
