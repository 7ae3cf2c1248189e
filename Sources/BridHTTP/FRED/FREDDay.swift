import BridCore
import BridInfo
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A UTC calendar day as FRED counts real time: days since 1970-01-01. FRED's dates are
/// days, so brid's release times are seen at the resolution of their UTC day.
struct FREDDay: Comparable, Hashable, Sendable {
    let number: Int

    init(number: Int) { self.number = number }

    init(_ date: Date) {
        number = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    init(year: Int, month: Int, day: Int) {
        number = Int(WireTime.days(fromCivil: year, month, day))
    }

    /// FRED's earliest real-time start, and its "until further notice".
    static let earliest = FREDDay(year: 1776, month: 7, day: 4)
    static let latest = FREDDay(year: 9999, month: 12, day: 31)

    static func < (a: FREDDay, b: FREDDay) -> Bool { a.number < b.number }

    /// The UTC day of a time in milliseconds since 1970.
    init(milliseconds: Int64) {
        number = Int(milliseconds >= 0 ? milliseconds / 86_400_000 : -((-milliseconds - 1) / 86_400_000) - 1)
    }

    func adding(_ days: Int) -> FREDDay { FREDDay(number: number + days) }

    var civil: (year: Int, month: Int, day: Int) {
        let (y, m, d) = WireTime.civil(fromDays: Int64(number))
        return (y, m, d)
    }

    /// `YYYY-MM-DD`.
    var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYY-MM-DD` appended to `bytes` (years of four digits: FRED's dates run 1776–9999).
    func write(to bytes: inout [UInt8]) {
        let (y, m, d) = civil
        let zero = UInt8(ascii: "0")
        let year = min(max(y, 0), 9999)
        bytes.append(zero + UInt8(year / 1000))
        bytes.append(zero + UInt8(year / 100 % 10))
        bytes.append(zero + UInt8(year / 10 % 10))
        bytes.append(zero + UInt8(year % 10))
        bytes.append(UInt8(ascii: "-"))
        bytes.append(zero + UInt8(m / 10))
        bytes.append(zero + UInt8(m % 10))
        bytes.append(UInt8(ascii: "-"))
        bytes.append(zero + UInt8(d / 10))
        bytes.append(zero + UInt8(d % 10))
    }

    /// `YYYYMMDD`, the suffix of output types 2 and 3's vintage columns.
    var compact: String {
        let (y, m, d) = WireTime.civil(fromDays: Int64(number))
        return Self.pad(y, 4) + Self.pad(m, 2) + Self.pad(d, 2)
    }

    /// Reads exactly `YYYY-MM-DD` (a real calendar date), as FRED's date parameters are written.
    static func parse(_ text: Substring) -> FREDDay? {
        guard text.utf8.count == 10 else { return nil }
        return Period.firstDay(of: String(text), frequency: .daily).map(FREDDay.init(number:))
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.utf8.count >= width ? digits : String(repeating: "0", count: width - digits.utf8.count) + digits
    }

    /// The first day of a canonical period (README "Data model"): `2018` → 2018-01-01,
    /// `2018-Q2` → 2018-04-01, `2018-03` → 2018-03-01, `2018-W05` → the Monday of ISO week 5,
    /// `2018-03-15` → itself. Nil for a text that is no canonical period.
    static func firstDay(ofPeriod period: String, frequency: Frequency) -> FREDDay? {
        Period.firstDay(of: period, frequency: frequency).map(FREDDay.init(number:))
    }
}

extension Frequency {
    /// FRED's `frequency` and `frequency_short`.
    var fredName: String {
        switch self {
        case .annual: "Annual"
        case .quarterly: "Quarterly"
        case .monthly: "Monthly"
        case .weekly: "Weekly"
        case .daily: "Daily"
        }
    }
}
