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
struct FREDVintages: Sendable {
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

    /// Ordered by date.
    let observations: [Observation]
    /// Every day on which a version started, oldest first: FRED's vintage dates.
    let vintageDates: [FREDDay]

    static let noValue = "."

    init(versions: [SeriesVersion], releases: [Int64: Date], frequency: Frequency) {
        var byPeriod: [String: [(time: Date, release: Int64, value: String?, removed: Bool)]] = [:]
        for version in versions {
            let time = releases[version.releaseID] ?? Date(timeIntervalSince1970: 0)
            byPeriod[version.period, default: []].append((time, version.releaseID, version.value, version.removed))
        }
        var observations: [Observation] = []
        var days = Set<FREDDay>()
        for (period, raw) in byPeriod {
            guard let date = FREDDay.firstDay(ofPeriod: period, frequency: frequency) else { continue }
            let ordered = raw.sorted { ($0.time, $0.release) < ($1.time, $1.release) }
            // The day's last version of each day.
            var daily: [(day: FREDDay, value: String)] = []
            for (i, version) in ordered.enumerated() {
                let day = FREDDay(version.time)
                if i + 1 < ordered.count, FREDDay(ordered[i + 1].time) == day { continue }
                let value = version.removed ? Self.noValue : (version.value ?? Self.noValue)
                if let last = daily.last {
                    if last.value == value { continue }
                } else if version.removed {
                    continue  // removed before the end of the day it first appeared
                }
                daily.append((day, value))
            }
            guard !daily.isEmpty else { continue }
            var list: [Version] = []
            list.reserveCapacity(daily.count)
            for (i, entry) in daily.enumerated() {
                let end = i + 1 < daily.count ? daily[i + 1].day.adding(-1) : FREDDay.latest
                list.append(Version(start: entry.day, end: end, value: entry.value))
                days.insert(entry.day)
            }
            observations.append(Observation(date: date, period: period, versions: list))
        }
        self.observations = observations.sorted { $0.date < $1.date }
        vintageDates = days.sorted()
    }
}
