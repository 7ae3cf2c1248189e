import BridCore
import BridStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A series' history as FRED sees it: each observation dated by the first day of its
/// period, each version valid for whole UTC days. Of several releases on one day only the
/// day's last counts (the state at the end of the day); consecutive days with the same
/// value are one version. A current version runs until 9999-12-31. `.` is no value: a
/// missing value, or an observation the publisher removed.
///
/// Read from the store one observation at a time (`forEach`), in date order: memory holds
/// one page of stored versions and one observation's, whatever the series' length.
struct FREDVintages {
    struct Version: Sendable, Equatable {
        let start: FREDDay
        let end: FREDDay
        /// The decimal text, or `.`.
        let value: String
    }

    struct Observation: Sendable {
        let date: FREDDay
        let period: String
        /// Oldest first; the intervals do not overlap.
        let versions: [Version]

        /// The version valid on `day`.
        func version(on day: FREDDay) -> Version? {
            versions.last { $0.start <= day && day <= $0.end }
        }
    }

    static let noValue = "."

    let key: String
    let frequency: Frequency
    /// The ingest time of each release that wrote the series (milliseconds), to order a
    /// period's versions and date them.
    private let releaseTimes: [Int64: Int64]

    /// `times`: every release's ingest time (`ReleaseTimes`), or nil to read the releases
    /// that wrote this series. Its versions are read by `forEach`.
    init(series key: String, frequency: Frequency, times: [Int64: Int64]?, store: any VintageStore) throws {
        self.key = key
        self.frequency = frequency
        if let times {
            releaseTimes = times
        } else {
            var times: [Int64: Int64] = [:]
            for release in try store.releasesWriting(series: key) {
                times[release.id] = Int64((release.ingestedAt.timeIntervalSince1970 * 1000).rounded())
            }
            releaseTimes = times
        }
    }

    /// A version of a release the times given do not have (one newer than them, committed
    /// while the answer was read): the answer is read again with the series' own releases.
    struct UnknownRelease: Error {}

    /// The observations dated within `dates`, in date order (`descending`: newest first),
    /// handed to `body` until it returns false.
    func forEach(dates: ClosedRange<FREDDay> = FREDDay.earliest...FREDDay.latest, descending: Bool = false,
                 store: any VintageStore, _ body: (Observation) throws -> Bool) throws {
        // The periods around the dates as an index range of period texts (periods sort by
        // text within a frequency); the exact dates are checked below.
        let (from, to) = Self.periodRange(dates, frequency: frequency)
        var period = ""
        var group: [SeriesVersion] = []
        var going = true
        func flush() throws {
            defer { group.removeAll(keepingCapacity: true) }
            guard !group.isEmpty, let date = FREDDay.firstDay(ofPeriod: period, frequency: frequency), dates.contains(date),
                  let observation = try observation(group, period: period, date: date, descending: descending) else { return }
            going = try body(observation)
        }
        _ = try store.forEachVersion(series: key, from: from, to: to, descending: descending) { version in
            if version.period != period {
                try flush()
                guard going else { return false }
                period = version.period
            }
            group.append(version)
            return true
        }
        if going { try flush() }
    }

    /// The period texts that bound the periods dated within `dates`: the period holding
    /// each end (its first day may fall before the range: the dates are checked again), or
    /// for weeks, whose ISO year may differ from their days', the years around. Nil: open.
    static func periodRange(_ dates: ClosedRange<FREDDay>, frequency: Frequency) -> (from: String?, to: String?) {
        func text(_ day: FREDDay) -> String? {
            let (y, m, _) = day.civil
            guard (1000...9999).contains(y) else { return nil }
            switch frequency {
            case .annual: return String(y)
            case .quarterly: return "\(y)-Q\((m - 1) / 3 + 1)"
            case .monthly: return "\(y)-" + (m < 10 ? "0" : "") + String(m)
            case .daily: return day.text
            case .weekly: return nil
            }
        }
        if frequency == .weekly {
            let (first, last) = (dates.lowerBound.civil.year, dates.upperBound.civil.year)
            return (first - 1 >= 1000 ? String(first - 1) : nil, last + 2 <= 9999 ? String(last + 2) : nil)
        }
        return (text(dates.lowerBound), text(dates.upperBound))
    }

    /// FRED's vintage dates: every day on which a version started, oldest first.
    func vintageDates(store: any VintageStore) throws -> [FREDDay] {
        var days = Set<FREDDay>()
        try forEach(store: store) { observation in
            for version in observation.versions { days.insert(version.start) }
            return true
        }
        return days.sorted()
    }

    /// One period's versions (`group`, in release order, reversed when `descending`) as
    /// FRED's daily versions; nil when none survives the end of a day.
    private func observation(_ group: [SeriesVersion], period: String, date: FREDDay, descending: Bool) throws -> Observation? {
        if group.count == 1 {
            // The usual case, a period written once: current since its day, unless removed.
            let version = group[0]
            guard !version.removed else { return nil }
            guard let time = releaseTimes[version.releaseID] else { throw UnknownRelease() }
            let day = FREDDay(milliseconds: time)
            return Observation(date: date, period: period, versions: [Version(start: day, end: .latest, value: version.value ?? Self.noValue)])
        }
        var ordered = try group.map { version in
            guard let time = releaseTimes[version.releaseID] else { throw UnknownRelease() }
            return (time: time, version: version)
        }
        if descending { ordered.reverse() }
        ordered.sort { ($0.time, $0.version.releaseID) < ($1.time, $1.version.releaseID) }
        // The day's last version of each day.
        var daily: [(day: FREDDay, value: String)] = []
        for (i, entry) in ordered.enumerated() {
            let day = FREDDay(milliseconds: entry.time)
            if i + 1 < ordered.count, FREDDay(milliseconds: ordered[i + 1].time) == day { continue }
            let value = entry.version.removed ? Self.noValue : (entry.version.value ?? Self.noValue)
            if let last = daily.last {
                if last.value == value { continue }
            } else if entry.version.removed {
                continue  // removed before the end of the day it first appeared
            }
            daily.append((day, value))
        }
        guard !daily.isEmpty else { return nil }
        var list: [Version] = []
        list.reserveCapacity(daily.count)
        for (i, entry) in daily.enumerated() {
            let end = i + 1 < daily.count ? daily[i + 1].day.adding(-1) : FREDDay.latest
            list.append(Version(start: entry.day, end: end, value: entry.value))
        }
        return Observation(date: date, period: period, versions: list)
    }
}
