import BridCore
import Foundation

/// `format = "fred-json"`: FRED/ALFRED `series/observations` responses.
///
/// The file does not name its series, so the source's `series` is the key (a plain key,
/// no placeholders). Each `observations[]` entry is one observation: `date` is the
/// period, `value` the value (`"."` is "no value"). FRED dates are the first day of the
/// period (`1929-01-01` for 1929): with `frequency = "A"` (or Q, M, W, D) the reader
/// turns them into periods of that frequency itself (`1929`, `1929-Q1`, `1929-01`, the ISO
/// week, the day); without it the date is passed on as it is and the series' stored or
/// catalogued frequency decides (a new series then becomes daily).
///
/// The published-at time is the latest `realtime_start` in the file. An ALFRED response
/// with several vintages of one date keeps the latest vintage (latest `realtime_start`).
public struct FREDJSON: PayloadFormat {
    public static let name = "fred-json"
    public static let options: [String: OptionType] = ["frequency": .string]
    public static let ordinalKind = PayloadBuilder.OrdinalKind.record

    let key: String
    let frequency: Frequency?

    public init(settings: FormatSettings) throws {
        key = try JSONInput.fixedSeriesKey(settings, format: "fred-json")
        if let code = settings.string("frequency") {
            guard let f = Frequency(code: code) else {
                throw FormatSettingsError(key: "frequency", message: "\"\(code)\" is not a frequency (A, Q, M, W or D)")
            }
            frequency = f
        } else {
            frequency = nil
        }
    }

    /// JSON formats hold their document's tape in memory (the text stays in the caller's
    /// buffer).
    public func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        let doc = try JSONInput.parse(bytes, origin: origin)
        let root = doc.root
        guard doc.kind(root) == .object else {
            throw InputError(origin: origin, place: nil, reason: "expected a FRED series/observations object, found \(doc.kind(root).description)")
        }
        if let message = doc.member(root, "error_message") {
            let code = doc.member(root, "error_code").flatMap { doc.scalarText($0) }.map { " \(Excerpt($0))" } ?? ""
            throw InputError(origin: origin, place: nil, reason: "the FRED API returned error\(code): \(Excerpt(doc.scalarText(message) ?? ""))")
        }
        guard let observations = doc.member(root, "observations") else {
            throw InputError(origin: origin, place: nil, reason: "no observations found — the object has no \"observations\" (it has \(JSONInput.memberList(doc, root))); is this a series/observations response?")
        }
        guard doc.kind(observations) == .array else {
            throw doc.error(at: observations, origin: origin, "expected an array of observations, found \(doc.kind(observations).description)")
        }
        guard doc.count(observations) > 0 else {
            throw doc.error(at: observations, origin: origin, "no observations found — the response has none (check the series id and observation_start/observation_end)")
        }

        // First pass: shapes, realtime_start, and the latest vintage of each date.
        var entries: [(obs: JSONDocument.Value, date: String, start: String?)] = []
        var latest: [String: Int] = [:]
        var keep: [Bool] = []
        var newest = doc.member(root, "realtime_start").flatMap { doc.string($0) }
        for obs in doc.elements(observations) {
            guard doc.kind(obs) == .object else {
                throw doc.error(at: obs, origin: origin, "expected an observation (an object), found \(doc.kind(obs).description)")
            }
            guard let dateValue = doc.member(obs, "date"), let date = doc.string(dateValue) else {
                throw doc.error(at: obs, origin: origin, "the observation has no \"date\" string")
            }
            let start = doc.member(obs, "realtime_start").flatMap { doc.string($0) }
            if let start, newest.map({ start > $0 }) ?? true { newest = start }
            let n = entries.count
            entries.append((obs, date, start))
            keep.append(true)
            if let earlier = latest[date] {
                let a = entries[earlier].start ?? "", b = start ?? ""
                if b > a {
                    keep[earlier] = false
                    latest[date] = n
                } else if b < a {
                    keep[n] = false
                }  // the same vintage twice: both stay, and the builder reports the duplicate
            } else {
                latest[date] = n
            }
        }
        if let newest {
            guard let date = Timestamp.parse(newest) else {
                throw InputError(origin: origin, place: nil, reason: "realtime_start \(Excerpt(quoted: newest)) is not a date")
            }
            builder.publishedAt = date
        }

        for (n, entry) in entries.enumerated() where keep[n] {
            var period = entry.date
            if let frequency {
                switch Period.normalize(entry.date, frequency: frequency) {
                case let .success(normalized): period = normalized.text
                case let .failure(error):
                    throw doc.error(at: entry.obs, origin: origin, "\(error) (the source says frequency = \"\(frequency.code)\")")
                }
            }
            guard let v = doc.member(entry.obs, "value") else {
                throw doc.error(at: entry.obs, origin: origin, "the observation has no \"value\" (\".\" stands for no value)")
            }
            guard let value = doc.observationValue(v) else {
                throw doc.error(at: v, origin: origin, "value must be a string, found \(doc.kind(v).description)")
            }
            try builder.add(series: key, period: period, value: value, ordinal: Int32(n), place: .pointer(doc.pointer(to: entry.obs)))
        }
    }
}
