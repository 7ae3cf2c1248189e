import Foundation

/// A completely parsed and validated payload, grouped by series, each series' periods in
/// canonical form, sorted and unique. Only a `Payload` can be handed to the store, so
/// nothing half-read is ever stored.
///
/// A small payload holds its observations in `series`; a large one (see `PayloadBuilder`)
/// keeps them in sorted runs on disk, and `series` holds only each series' key,
/// frequency and metadata. Either way the store reads it through `forEachBatch`, one
/// bounded batch of series at a time.
public struct Payload: Sendable {
    public var origin: String
    /// Every series of the payload in first-seen order; with their observations unless
    /// the payload was spilled.
    public var series: [SeriesObservations]
    /// When the publisher says the data were released, if the payload tells.
    public var publishedAt: Date?
    /// The sorted runs of a spilled payload (empty when it is held in memory).
    let runs: [any SpillRun]
    let ordinalKind: PayloadBuilder.OrdinalKind
    /// Observations (values and deletions) in the payload.
    public let observationCount: Int

    init(origin: String, series: [SeriesObservations], publishedAt: Date?, runs: [any SpillRun], ordinalKind: PayloadBuilder.OrdinalKind,
         observationCount: Int) {
        self.observationCount = observationCount
        self.origin = origin
        self.series = series
        self.publishedAt = publishedAt
        self.runs = runs
        self.ordinalKind = ordinalKind
    }

    /// Hands the series to `body` with their observations, in first-seen order, in
    /// batches of at most `maxSeries` series and (roughly) `maxObservations` observations.
    /// A spilled payload is merged from its runs here, so a duplicate observation found
    /// only across runs throws `InputError` (after earlier batches were handed over: the
    /// caller's transaction is what makes the payload all-or-nothing).
    /// How many series, and (roughly) observations, the store is handed at once.
    public static let batchSeries = 4_096
    public static let batchObservations = 1 << 18
    /// A streamed payload's first batch (see `PayloadBuilder.stream(to:)`); each next one
    /// is twice as large, up to `batchObservations`.
    public static let firstStreamedBatchObservations = 1 << 14

    public func forEachBatch(maxSeries: Int = Payload.batchSeries, maxObservations: Int = Payload.batchObservations,
                             _ body: ([SeriesObservations]) throws -> Void) throws {
        if runs.isEmpty {
            var start = 0
            while start < series.count {
                var end = start, observations = 0
                while end < series.count, end - start < maxSeries, end == start || observations + series[end].count <= maxObservations {
                    observations += series[end].count
                    end += 1
                }
                try body(Array(series[start..<end]))
                start = end
            }
            return
        }
        var merge = try RunMerge(runs: runs)
        var batch: [SeriesObservations] = []
        var observations = 0
        while let first = merge.upcomingSeries {
            var s = series[Int(first)]
            while merge.upcomingSeries == first, let record = try merge.next() {
                try s.appendSorted(record, origin: origin, ordinalKind: ordinalKind)
            }
            observations += s.count
            batch.append(s)
            if batch.count >= maxSeries || observations >= maxObservations {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
                observations = 0
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}

/// The observations of one series in one payload, as parallel arrays sorted by period.
public struct SeriesObservations: Sendable {
    public let key: String
    public let frequency: Frequency
    public internal(set) var periods: [String] = []
    /// Decimal text as published; nil is "no value".
    public internal(set) var values: [String?] = []
    /// The publisher's status of each observation (Eurostat's `p`, SDMX's `OBS_STATUS`),
    /// parallel to `values` — or empty while no observation of the series has one, so a
    /// payload without statuses costs nothing for them. Read it with `status(at:)`.
    public internal(set) var statuses: [String?] = []
    /// The line or record each observation came from, for messages.
    public internal(set) var ordinals: [Int32] = []
    /// Periods the payload explicitly deletes (SDMX `ACTION = D`), sorted; recorded as
    /// removals whatever the source's mode.
    public internal(set) var deletedPeriods: [String] = []
    public internal(set) var deletedOrdinals: [Int32] = []
    /// Metadata offered by the payload (e.g. a name column), used only for new series.
    public var name: String?
    public var unit: String?

    public init(key: String, frequency: Frequency) {
        self.key = key
        self.frequency = frequency
    }

    public var count: Int { periods.count + deletedPeriods.count }

    /// The status of observation `index`; nil for none.
    @inline(__always)
    public func status(at index: Int) -> String? {
        statuses.isEmpty ? nil : statuses[index]
    }

    /// Appends one observation (statuses stay empty until the first one that has a status).
    @inline(__always)
    mutating func append(period: String, value: String?, status: String?, ordinal: Int32) {
        periods.append(period)
        values.append(value)
        ordinals.append(ordinal)
        if status != nil || !statuses.isEmpty {
            if statuses.count < values.count - 1 { statuses += repeatElement(nil, count: values.count - 1 - statuses.count) }
            statuses.append(status)
        }
    }

    /// Room for `count` observations (values, without statuses or deletions).
    mutating func reserveCapacity(_ count: Int) {
        periods.reserveCapacity(count)
        values.reserveCapacity(count)
        ordinals.reserveCapacity(count)
    }

    /// Drops the observations (they were spilled), keeping the series' description.
    mutating func clearObservations() {
        periods = []
        values = []
        statuses = []
        ordinals = []
        deletedPeriods = []
        deletedOrdinals = []
    }

    /// Appends a merged record (records come in period order); a period seen before, as a
    /// value or a deletion, is a duplicate.
    mutating func appendSorted(_ record: RunRecord, origin: String, ordinalKind: PayloadBuilder.OrdinalKind) throws(InputError) {
        if let period = periods.last, period == record.period {
            throw PayloadBuilder.duplicate(origin: origin, kind: ordinalKind, series: key, period: period,
                                           first: ordinals[ordinals.count - 1], again: record.ordinal)
        }
        if let period = deletedPeriods.last, period == record.period {
            throw PayloadBuilder.duplicate(origin: origin, kind: ordinalKind, series: key, period: period,
                                           first: deletedOrdinals[deletedOrdinals.count - 1], again: record.ordinal)
        }
        if record.kind == .deletion {
            deletedPeriods.append(record.period)
            deletedOrdinals.append(record.ordinal)
        } else {
            append(period: record.period, value: record.value, status: record.status, ordinal: record.ordinal)
        }
    }
}
