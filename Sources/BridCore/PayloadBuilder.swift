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

    /// Where observations go once `memoryLimit` of them are held; nil keeps everything in
    /// memory (small payloads: control-socket uploads, tests).
    private let spill: (any SpillArea)?
    /// The runtime's temporary storage, for readers that need room of their own beyond the
    /// payload (an xlsx sheet inflated from its archive); nil in memory-only builds.
    public var scratch: (any SpillArea)? { spill }
    /// The most a reader may inflate one compressed part of the payload to (an xlsx
    /// workbook's sheet or shared strings): the source's `max_bytes`, as for a zip member or
    /// a gzip payload; nil leaves the reader's own limit.
    public var maxInflatedBytes: Int?
    /// How many observations are held in memory before they are sorted into a run.
    public let memoryLimit: Int
    private var held = 0
    private var total = 0
    private var runs: [any SpillRun] = []
    private var spillFailure: SpillError?
    /// Called every `progressInterval` observations: the runtime drops the payload's
    /// pages already read from memory then.
    public var onProgress: (@Sendable () -> Void)?
    /// How the payload writes numbers (`decimal`, `thousands`): readers of local formats
    /// set it before their first `add`.
    public var numberFormat = NumberFormat.plain
    /// Small enough that rows of a kilobyte (a long note column, many attributes) keep
    /// only some 16 MB of the payload resident between two calls; a call costs a page-table
    /// walk over the mapping (well under a millisecond per 100 MB).
    public static let progressInterval = 1 << 14
    private var sinceProgress = 0

    /// What ordinals count: lines of text, records of a document, or rows of a spreadsheet.
    public enum OrdinalKind: Sendable { case line, record, row }

    /// Streaming (see `stream(to:)`): where complete series go, which series were sent,
    /// the batch being gathered.
    private var channel: SeriesChannel?
    private var sent: [Bool] = []
    private var batch: [SeriesObservations] = []
    private var batchObservations = 0
    /// The observations that close the batch being gathered: small at first, doubling up
    /// to `Payload.batchObservations`, so the writer starts on the first series while the
    /// rest is read rather than idle through a whole batch.
    private var batchLimit = Payload.firstStreamedBatchObservations
    /// Observations of the series sent last (what a new series is given room for).
    private var lastSentCount = 0
    /// The most observations a new streamed series is given room for before its first.
    static let maxReservedObservations = 1_024
    /// Metadata arrived for a series already sent.
    private var lateMetadata = false
    /// The builder stopped streaming (the payload is scattered, or the writer hung up):
    /// the `InputError` it threw to stop the reader is not the payload's fault.
    public private(set) var streamStopped = false

    /// - Parameter knownFrequency: the frequency of a series as stored or catalogued, or
    ///   nil for a series whose frequency is to be inferred from its first period.
    /// - Parameters:
    ///   - spill: where to sort observations beyond `memoryLimit` (an external merge sort);
    ///     nil to hold the whole payload in memory.
    public init(origin: String, ordinalKind: OrdinalKind = .line, spill: (any SpillArea)? = nil,
                memoryLimit: Int = PayloadBuilder.defaultMemoryLimit, knownFrequency: @escaping (String) -> Frequency?) {
        self.origin = origin
        self.ordinalKind = ordinalKind
        self.spill = spill
        self.memoryLimit = max(1, memoryLimit)
        self.knownFrequency = knownFrequency
    }

    /// About 60 MB of observations in memory; a payload beyond it is sorted in runs.
    public static let defaultMemoryLimit = 1 << 20

    /// Adds one observation. `value` is the published text (nil when the payload has an
    /// explicit null); `status` the publisher's status of it (Eurostat's flags, SDMX's
    /// `OBS_STATUS`), if any. Throws an `InputError` naming `place` on the first invalid field.
    public mutating func add(series key: String, period: String, value: String?, status: String? = nil, ordinal: Int32,
                             place: @autoclosure () -> InputPlace) throws(InputError) {
        let slot = try self.slot(for: key, period: period, place: place)
        let canonical: String
        switch Period.normalize(period, frequency: series[slot].frequency) {
        case let .success(normalized): canonical = normalized.text
        case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) for series \(Excerpt(key))")
        }
        let parsedValue: String?
        if var value {
            if !numberFormat.isPlain {
                switch numberFormat.plainText(value) {
                case let .success(plain): value = plain
                case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) (series \(Excerpt(key)), period \(canonical))")
                }
            }
            switch ObservationValue.parse(value) {
            case let .success(v): parsedValue = v
            case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) (series \(Excerpt(key)), period \(canonical))")
            }
        } else {
            parsedValue = nil
        }
        var parsedStatus: String?
        if let status {
            switch ObservationStatus.parse(status) {
            case let .success(s): parsedStatus = s
            case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) (series \(Excerpt(key)), period \(canonical))")
            }
        }
        if sorted[slot], let last = series[slot].periods.last, canonical <= last {
            sorted[slot] = false
        }
        series[slot].append(period: canonical, value: parsedValue, status: parsedStatus, ordinal: ordinal)
        try counted()
    }

    /// Counts one observation held; spills a run when the limit is reached.
    private mutating func counted() throws(InputError) {
        held += 1
        total += 1
        sinceProgress += 1
        if sinceProgress >= Self.progressInterval {
            sinceProgress = 0
            onProgress?()
        }
        if channel != nil {
            // One series larger than memory, or metadata for a series already sent: read
            // the payload whole instead (sorted in runs).
            if held >= memoryLimit || lateMetadata { try stopStreaming(.scattered) }
            return
        }
        if held >= memoryLimit, let spill {
            try spillRun(to: spill)
        }
    }

    // MARK: - Streaming

    /// Streams the payload: each series is sent through `channel` as soon as the payload
    /// moves on to another series, so a payload grouped by series (most long tables, SDMX
    /// messages) is written while it is read, in memory bounded by one series. A series
    /// that comes back later stops the stream (`.scattered`).
    public mutating func stream(to channel: SeriesChannel) {
        self.channel = channel
    }

    private mutating func send(_ slot: Int) throws(InputError) {
        if !sorted[slot] { try sortAndCheck(&series[slot]) }
        sorted[slot] = true
        sent[slot] = true
        held -= series[slot].count
        lastSentCount = series[slot].count
        batchObservations += series[slot].count
        batch.append(series[slot])
        series[slot].clearObservations()
        if batch.count >= Payload.batchSeries || batchObservations >= batchLimit { try sendBatch() }
    }

    private mutating func sendBatch() throws(InputError) {
        guard !batch.isEmpty, let channel else { return }
        let full = batch
        batch = []
        batchObservations = 0
        batchLimit = min(batchLimit * 2, Payload.batchObservations)
        if !channel.send(.batch(full)) { try stopStreaming(nil) }
    }

    /// Tells the writer (unless it hung up) and stops the reader with an error that
    /// `streamStopped` marks as not the payload's.
    private mutating func stopStreaming(_ message: SeriesChannel.Message?) throws(InputError) -> Never {
        streamStopped = true
        if let message { channel?.send(message) }
        throw InputError(origin: origin, place: nil, reason: "streaming stopped")
    }

    /// Ends a streamed payload: the series still open are sent, then the end.
    public mutating func finishStream() throws(InputError) {
        guard let channel else { return }
        guard !series.isEmpty else {
            throw InputError(origin: origin, place: nil, reason: "no observations found")
        }
        if lateMetadata { try stopStreaming(.scattered) }
        for slot in series.indices where !sent[slot] { try send(slot) }
        try sendBatch()
        if !channel.send(.end(publishedAt: publishedAt, observations: total)) { try stopStreaming(nil) }
    }

    /// Sorts what is held, checks it for duplicates and writes it as one run. A storage
    /// failure is kept for `finish` (it is not the payload's fault); what is held is
    /// dropped so memory stays bounded.
    private mutating func spillRun(to area: any SpillArea) throws(InputError) {
        defer { held = 0 }
        var run: (any SpillRun)?
        var encoder: RunEncoder?
        if spillFailure == nil {
            do {
                let made = try area.makeRun()
                run = made
                encoder = RunEncoder(run: made)
            } catch {
                spillFailure = SpillError("cannot spill a large payload: \(error)")
            }
        }
        for slot in series.indices where series[slot].count > 0 {
            if !sorted[slot] { try sortAndCheck(&series[slot]) }
            sorted[slot] = true
            let s = series[slot]
            if encoder != nil {
                do {
                    let index = UInt32(slot)
                    for i in s.periods.indices {
                        try encoder!.append(series: index, ordinal: s.ordinals[i], kind: s.values[i] == nil ? .noValue : .value,
                                            period: s.periods[i], value: s.values[i], status: s.status(at: i))
                    }
                    for i in s.deletedPeriods.indices {
                        try encoder!.append(series: index, ordinal: s.deletedOrdinals[i], kind: .deletion, period: s.deletedPeriods[i], value: nil)
                    }
                } catch {
                    spillFailure = SpillError("cannot spill a large payload: \(error)")
                    encoder = nil
                }
            }
            series[slot].clearObservations()
        }
        if var encoder, let run {
            do {
                try encoder.flush()
                runs.append(run)
                if runs.count >= Self.maxRuns { runs = [try Self.mergeRuns(runs, into: area)] }
            } catch {
                spillFailure = SpillError("cannot spill a large payload: \(error)")
            }
        }
    }

    /// Runs merged at once at most: each holds a read buffer and a descriptor while merged,
    /// so past this many they are first merged into one (a multi-pass merge sort).
    static let maxRuns = 32

    /// Merges sorted runs into one sorted run.
    static func mergeRuns(_ runs: [any SpillRun], into area: any SpillArea) throws -> any SpillRun {
        let run = try area.makeRun()
        var encoder = RunEncoder(run: run)
        var merge = try RunMerge(runs: runs)
        while let record = try merge.next() {
            try encoder.append(series: record.series, ordinal: record.ordinal, kind: record.kind, period: record.period, value: record.value,
                               status: record.status)
        }
        try encoder.flush()
        return run
    }

    /// The index of a series, created on first sight with its frequency.
    private mutating func slot(for key: String, period: String, place: () -> InputPlace) throws(InputError) -> Int {
        if key == lastKey { return lastIndex }
        // Streaming: the payload moved on, so the series read last is complete.
        if channel != nil, lastKey != nil, !sent[lastIndex] { try send(lastIndex) }
        let slot: Int
        if let existing = index[key] {
            if channel != nil, sent[existing] { try stopStreaming(.scattered) }
            slot = existing
        } else {
            if let problem = SeriesKey.problem(with: key) {
                throw InputError(origin: origin, place: place(), reason: problem)
            }
            let periodFrequency: Frequency
            switch Period.normalize(period, frequency: knownFrequency(key)) {
            case let .success(normalized): periodFrequency = normalized.frequency
            case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) for series \(Excerpt(key))")
            }
            slot = series.count
            var added = SeriesObservations(key: key, frequency: periodFrequency)
            // Streaming, series mostly come whole and alike: room for as many observations
            // as the last one sent had, rather than growing each array from empty.
            if channel != nil, lastSentCount > 0 { added.reserveCapacity(min(lastSentCount, Self.maxReservedObservations)) }
            series.append(added)
            sorted.append(true)
            sent.append(false)
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
        case let .failure(error): throw InputError(origin: origin, place: place(), reason: "\(error) for series \(Excerpt(key))")
        }
        series[slot].deletedPeriods.append(canonical)
        series[slot].deletedOrdinals.append(ordinal)
        sorted[slot] = false
        try counted()
    }

    /// Sets metadata the payload offers for a series already added.
    public mutating func describe(series key: String, name: String?, unit: String?) {
        guard let slot = index[key] else { return }
        if channel != nil, sent[slot] { lateMetadata = true }
        if let name, !name.isEmpty { series[slot].name = name }
        if let unit, !unit.isEmpty { series[slot].unit = unit }
    }

    /// The payload, with each series sorted by period; duplicates are an error, and so is a
    /// payload with no observation at all (almost always a misconfigured reader).
    ///
    /// Throws `InputError` for the payload's faults and `SpillError` when a large payload
    /// could not be spilled (the payload is then to be tried again, not rejected).
    public func finish() throws -> Payload {
        guard !series.isEmpty else {
            throw InputError(origin: origin, place: nil, reason: "no observations found")
        }
        if !runs.isEmpty || spillFailure != nil, let spill {
            var rest = self
            try rest.spillRun(to: spill)
            if let spillFailure = rest.spillFailure { throw spillFailure }
            return Payload(origin: origin, series: rest.series, publishedAt: publishedAt, runs: rest.runs, ordinalKind: ordinalKind, observationCount: total)
        }
        var result = series
        for slot in result.indices where !sorted[slot] {
            try sortAndCheck(&result[slot])
        }
        return Payload(origin: origin, series: result, publishedAt: publishedAt, runs: [], ordinalKind: ordinalKind, observationCount: total)
    }

    private func sortAndCheck(_ s: inout SeriesObservations) throws(InputError) {
        let order = s.periods.indices.sorted { s.periods[$0] < s.periods[$1] || (s.periods[$0] == s.periods[$1] && s.ordinals[$0] < s.ordinals[$1]) }
        s.periods = order.map { s.periods[$0] }
        s.values = order.map { s.values[$0] }
        if !s.statuses.isEmpty { s.statuses = order.map { s.statuses[$0] } }
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
            throw Self.duplicate(origin: origin, kind: ordinalKind, series: s.key, period: a.period, first: a.ordinal, again: b.ordinal)
        }
    }

    static func duplicate(origin: String, kind: OrdinalKind, series: String, period: String, first: Int32, again: Int32) -> InputError {
        InputError(origin: origin, place: place(again, kind), reason: "duplicate observation for series \(Excerpt(series)), period \(Excerpt(period)) (first at \(place(first, kind)))")
    }

    static func place(_ ordinal: Int32, _ kind: OrdinalKind) -> InputPlace {
        switch kind {
        case .line: .line(Int(ordinal))
        case .record: .record(Int(ordinal))
        case .row: .row(Int(ordinal))
        }
    }
}
