import Foundation

/// When URL sources are due: their schedule, a deterministic per-source jitter, and
/// exponential backoff after failures. Pure arithmetic on times, so the scheduler's
/// decisions can be tested without a clock.
public enum SchedulePolicy {
    /// The first retry waits this long; each further failure doubles it.
    public static let firstRetry = Duration.seconds(60)

    /// A fixed offset per source, so that many sources on one schedule do not all fire
    /// in the same second: up to a tenth of the interval (at most 5 minutes) for `every`,
    /// up to 30 seconds after the minute for `cron`.
    public static func jitter(for sourceID: String, schedule: Schedule) -> Duration {
        let limit: Duration
        switch schedule {
        case let .every(interval): limit = min(interval / 10, .seconds(300))
        case .cron: limit = .seconds(30)
        }
        let fraction = Double(mix(fnv1a(sourceID)) >> 11) / Double(1 << 53)
        return .milliseconds(Int64((limit.seconds * fraction * 1000).rounded(.down)))
    }

    /// When the source is due next after a completed check (success or unchanged) at `checked`.
    public static func nextDue(after checked: Date, schedule: Schedule, sourceID: String) -> Date {
        let jitter = jitter(for: sourceID, schedule: schedule).seconds
        switch schedule {
        case let .every(interval):
            return checked.addingTimeInterval(interval.seconds + jitter)
        case let .cron(expression):
            // The next firing after the check, not counting the jitter of the current one.
            return expression.next(after: checked.addingTimeInterval(-jitter)).addingTimeInterval(jitter)
        }
    }

    /// When to try again after `failures` consecutive failed checks (1 for the first):
    /// one minute, doubling, capped at the source's own interval — so a source checked
    /// more often than once a minute is retried at its interval, never less often.
    public static func retry(after failed: Date, failures: Int, schedule: Schedule) -> Date {
        failed.addingTimeInterval(retryDelay(failures: failures, cap: interval(of: schedule, near: failed)))
    }

    /// The wait before retry number `failures` (1 for the first): `firstRetry`, doubling,
    /// at most `cap` seconds.
    public static func retryDelay(failures: Int, cap: Double) -> Double {
        var delay = firstRetry.seconds
        for _ in 1..<max(failures, 1) where delay < cap { delay *= 2 }
        return min(delay, cap)
    }

    /// The interval of a schedule: its duration, or the gap between two cron firings.
    public static func interval(of schedule: Schedule, near date: Date) -> Double {
        switch schedule {
        case let .every(interval):
            return interval.seconds
        case let .cron(expression):
            let first = expression.next(after: date)
            return expression.next(after: first).timeIntervalSince(first)
        }
    }

    /// MurmurHash3's 64-bit finaliser: FNV alone leaves the high bits of similar ids alike.
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds (rounded down).
    public var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
