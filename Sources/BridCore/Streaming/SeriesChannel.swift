import Foundation

/// Hands a payload's series from the thread that reads the payload to the thread that
/// writes the release, a few batches at a time (the reader waits when the writer lags,
/// so memory holds at most `capacity` batches).
public final class SeriesChannel: @unchecked Sendable {
    // Every field is guarded by `condition`.
    public enum Message: Sendable {
        /// Series complete (sorted, checked), in payload order.
        case batch([SeriesObservations])
        /// Every series was sent.
        case end(publishedAt: Date?, observations: Int)
        /// A series came back after the payload had moved on from it: the payload is not
        /// grouped by series and must be read whole (sorted in memory or in runs) instead.
        case scattered
        /// The payload is invalid.
        case failed(InputError)
    }

    private let condition = ThreadCondition()
    private var queue: [Message] = []
    private var hungUp = false
    private let capacity: Int

    public init(capacity: Int = 2) {
        self.capacity = max(1, capacity)
    }

    /// Queues a message, waiting while the queue is full; false when the receiver hung up.
    @discardableResult
    public func send(_ message: Message) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !hungUp { condition.wait() }
        if hungUp { return false }
        queue.append(message)
        condition.broadcast()
        return true
    }

    /// The next message, waiting for it.
    public func receive() -> Message {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        let message = queue.removeFirst()
        condition.broadcast()
        return message
    }

    /// The receiver stops listening: queued and later messages are dropped, a waiting
    /// sender is released.
    public func hangUp() {
        condition.lock()
        defer { condition.unlock() }
        hungUp = true
        queue.removeAll()
        condition.broadcast()
    }
}

/// Thrown while a streamed payload is written when it turns out not to be grouped by
/// series: the write is rolled back and the payload read again as a whole.
public struct ScatteredPayload: Error, Sendable {
    public init() {}
}

/// A payload's series in batches: held in memory or in runs (`Payload`), or arriving from
/// the reading thread (`StreamedPayload`).
public protocol SeriesBatches: Sendable {
    var origin: String { get }
    /// Calls `body` with every series (each exactly once, observations sorted), in bounded
    /// batches; returns when the publisher says the data were released, if it says.
    func forEachBatch(_ body: ([SeriesObservations]) throws -> Void) throws -> Date?
}

extension Payload: SeriesBatches {
    public func forEachBatch(_ body: ([SeriesObservations]) throws -> Void) throws -> Date? {
        try forEachBatch(maxSeries: Payload.batchSeries, maxObservations: Payload.batchObservations, body)
        return publishedAt
    }
}

/// Series as the reading thread sends them through a channel.
public struct StreamedPayload: SeriesBatches {
    public let origin: String
    let channel: SeriesChannel
    /// Used when the payload does not say when it was published.
    let publishedAt: Date?

    public init(origin: String, channel: SeriesChannel, publishedAt: Date?) {
        self.origin = origin
        self.channel = channel
        self.publishedAt = publishedAt
    }

    public func forEachBatch(_ body: ([SeriesObservations]) throws -> Void) throws -> Date? {
        while true {
            switch channel.receive() {
            case let .batch(series): try body(series)
            case let .end(published, _): return published ?? publishedAt
            case .scattered: throw ScatteredPayload()
            case let .failed(error): throw error
            }
        }
    }
}
