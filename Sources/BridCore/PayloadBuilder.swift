import Foundation

/// Collects raw records from a format reader, normalising and validating each one, and
/// produces a `Payload` only if every record was valid.
///
/// Readers call `add` once per observation with the text they found; the builder owns
/// the rules of CONTRACT §2 (series keys, periods per frequency, values, duplicates).
public struct PayloadBuilder {
    public let origin: String
    /// What `ordinal`s passed to `add` count: lines or records.
    public let ordinalKind: OrdinalKind
    private let knownFrequency: (String) -> Frequency?
    private var series: [SeriesObservations] = []
    private var sorted: [Bool] = []
    private var index: [String: Int] = [:]
    private var lastKey: String?
    private var lastIndex = 0
    public var publishedAt: Date?

    public enum OrdinalKind: Sendable { case line, record }

    /// - Parameter knownFrequency: the frequency of a series as stored or catalogued, or
    ///   nil for a series whose frequency is to be inferred from its first period.
    public init(origin: String, ordinalKind: OrdinalKind = .line, knownFrequency: @escaping (String) -> Frequency?) {
        self.origin = origin
        self.ordinalKind = ordinalKind
        self.knownFrequency = knownFrequency
    }

    /// Adds one observation. `value` is the published text (nil when the payload has an
    /// explicit null). Throws an `InputError` naming `place` on the first invalid field.
    public mutating func add(series key: String, period: String, value: String?, ordinal: Int32, place: @autoclosure () -> InputPlace) throws(InputError) {
        let slot = try self.slot(for: key, period: period, place: place)
        let canonical: String
        switch Period.normalize(period, frequency: series[slot].frequency) {
        case let .success(normalized): canonical = normalized.text
        case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) for series \(key)")
        }
        let parsedValue: String?
        if let value {
            switch ObservationValue.parse(value) {
            case let .success(v): parsedValue = v
            case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) (series \(key), period \(canonical))")
            }
        } else {
            parsedValue = nil
        }
        if sorted[slot], let last = series[slot].periods.last, canonical <= last {
            sorted[slot] = false
        }
        series[slot].periods.append(canonical)
        series[slot].values.append(parsedValue)
        series[slot].ordinals.append(ordinal)
    }

    /// The index of a series, created on first sight with its frequency.
    private mutating func slot(for key: String, period: String, place: () -> InputPlace) throws(InputError) -> Int {
        let slot: Int
        if key == lastKey {
            slot = lastIndex
        } else if let existing = index[key] {
            slot = existing
        } else {
            if let problem = SeriesKey.problem(with: key) {
                throw InputError(origin: origin, place: place(), reason: problem)
            }
            let periodFrequency: Frequency
            switch Period.normalize(period, frequency: knownFrequency(key)) {
            case let .success(normalized): periodFrequency = normalized.frequency
            case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) for series \(key)")
            }
            slot = series.count
            series.append(SeriesObservations(key: key, frequency: periodFrequency))
            sorted.append(true)
            index[key] = slot
        }
        lastKey = key
        lastIndex = slot
        return slot
    }

    /// Records that the payload deletes an observation (SDMX `ACTION = D`).
    public mutating func delete(series key: String, period: String, ordinal: Int32, place: @autoclosure () -> InputPlace) throws(InputError) {
        let slot = try self.slot(for: key, period: period, place: place)
        let canonical: String
        switch Period.normalize(period, frequency: series[slot].frequency) {
        case let .success(normalized): canonical = normalized.text
        case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) for series \(key)")
        }
        series[slot].deletedPeriods.append(canonical)
        series[slot].deletedOrdinals.append(ordinal)
        sorted[slot] = false
    }

    /// Sets metadata the payload offers for a series already added.
    public mutating func describe(series key: String, name: String?, unit: String?) {
        guard let slot = index[key] else { return }
        if let name, !name.isEmpty { series[slot].name = name }
        if let unit, !unit.isEmpty { series[slot].unit = unit }
    }

    /// The payload, with each series sorted by period; duplicates are an error, and so is a
    /// payload with no observation at all (almost always a misconfigured reader).
    public func finish() throws(InputError) -> Payload {
        var result = series
        for slot in result.indices where !sorted[slot] {
            try sortAndCheck(&result[slot])
        }
        guard !result.isEmpty else {
            throw InputError(origin: origin, place: nil, reason: "no observations found")
        }
        return Payload(origin: origin, series: result, publishedAt: publishedAt)
    }

    private func sortAndCheck(_ s: inout SeriesObservations) throws(InputError) {
        let order = s.periods.indices.sorted { s.periods[$0] < s.periods[$1] || (s.periods[$0] == s.periods[$1] && s.ordinals[$0] < s.ordinals[$1]) }
        s.periods = order.map { s.periods[$0] }
        s.values = order.map { s.values[$0] }
        s.ordinals = order.map { s.ordinals[$0] }
        let deletions = s.deletedPeriods.indices.sorted { s.deletedPeriods[$0] < s.deletedPeriods[$1] }
        s.deletedPeriods = deletions.map { s.deletedPeriods[$0] }
        s.deletedOrdinals = deletions.map { s.deletedOrdinals[$0] }
        // Every period once, whether stored or deleted.
        var all: [(period: String, ordinal: Int32)] = []
        all.reserveCapacity(s.count)
        for i in s.periods.indices { all.append((s.periods[i], s.ordinals[i])) }
        for i in s.deletedPeriods.indices { all.append((s.deletedPeriods[i], s.deletedOrdinals[i])) }
        all.sort { a, b in a.period < b.period || (a.period == b.period && a.ordinal < b.ordinal) }
        for (a, b) in zip(all, all.dropFirst()) where a.period == b.period {
            throw InputError(origin: origin, place: place(b.ordinal), reason: "duplicate observation for series \(s.key), period \(a.period) (first at \(place(a.ordinal)))")
        }
    }

    private func place(_ ordinal: Int32) -> InputPlace {
        ordinalKind == .line ? .line(Int(ordinal)) : .record(Int(ordinal))
    }
}
