#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A command whose reply streams (protocol version 2): a header line — an ordinary success
/// reply whose `result` is the `Header`, marked `"stream":true` — then lines of rows
/// `{"id":7,"rows":[…],"v":2}`, each well under `ControlProtocol.maxLineBytes`, then an end
/// line `{"end":{"rows":N,"next":…},"id":7,"v":2}`; or, when something fails midway, an
/// error line `{"error":{…},"id":7,"ok":false,"v":2}` that ends the stream instead. An error
/// found before the first row (no such release) is an ordinary error reply, with no stream.
///
/// `Response` is the whole result reassembled: the header's fields plus the rows under
/// `rowsKey` (what `--json` prints, written as the rows arrive).
public protocol StreamedRequest: ControlRequest {
    associatedtype Header: Codable, Sendable, Equatable
    associatedtype Row: Codable, Sendable, Equatable
    /// The key of the rows in the reassembled result.
    static var rowsKey: String { get }
    /// The whole result from its header, its rows and its end.
    static func assemble(_ header: Header, _ rows: [Row], _ end: StreamEnd) -> Response
    /// A whole result cut into header and rows (for servers that have it whole, and tests).
    static func split(_ response: Response) -> (Header, [Row], next: String?)
}

/// The last line of a stream: how many rows it carried, and where the next page starts
/// when a `limit` cut the list short.
public struct StreamEnd: Codable, Sendable, Equatable {
    public var rows: Int
    /// The key to pass as `after` for the next page; nil when there is none.
    public var next: String?

    public init(rows: Int, next: String? = nil) {
        self.rows = rows
        self.next = next
    }
}

/// Rows produced on demand, in batches, by a handler: `next(n)` returns up to about `n`
/// rows (empty at the end); `end()` is asked once after that; `close()` is called exactly
/// once when the stream ends, fails or loses its client, and frees what the rows came from.
public struct RowSource<Row: Sendable>: Sendable {
    let next: @Sendable (Int) throws -> [Row]
    let end: @Sendable () -> String?
    let close: @Sendable () -> Void

    public init(next: @escaping @Sendable (Int) throws -> [Row], end: @escaping @Sendable () -> String? = { nil },
                close: @escaping @Sendable () -> Void = {}) {
        self.next = next
        self.end = end
        self.close = close
    }

    /// Rows already in hand.
    public init(_ rows: [Row]) {
        let pending = Mutex(rows)
        self.init(next: { count in
            pending.withLock { rows in
                let batch = Array(rows.prefix(count))
                rows.removeFirst(batch.count)
                return batch
            }
        })
    }
}

/// The lines of one streamed reply after its header, produced one at a time when the
/// server is ready to send them (so a slow reader holds one batch, not the whole result).
public final class ReplyStream: Sendable {
    private struct State {
        var rows = 0
        var batchSize = 256
        var finished = false
    }

    private let id: Int
    private let produce: @Sendable (Int) throws -> [(line: Data, rows: Int)]
    private let end: @Sendable () -> String?
    private let closeSource: @Sendable () -> Void
    private let state = Mutex(State())

    /// Rows are encoded into lines of at most this many bytes, when rows are small enough.
    public static let targetLineBytes = 256 << 10

    init<Row: Encodable & Sendable>(id: Int, source: RowSource<Row>) {
        self.id = id
        // Each batch is encoded right away: rows never wait in memory beyond one batch.
        produce = { count in
            let rows = try source.next(count)
            return try ReplyStream.encodeRows(rows, id: id)
        }
        end = source.end
        closeSource = source.close
    }

    deinit { close() }

    /// Whether the stream has sent its last line (end or error).
    public var isFinished: Bool { state.withLock { $0.finished } }

    /// The next line (newline included; one or more row lines, the end line, or an error
    /// line), or nil once the stream has ended.
    public func nextLine() -> Data? {
        state.withLock { state -> Data? in
            guard !state.finished else { return nil }
            var data = Data()
            var lines = 0
            do {
                var count = try append(produce(state.batchSize), to: &data, lines: &lines)
                state.rows += count
                // A short batch is usually the last: if so, the end line goes with it, which
                // saves a small reply a round through the server.
                if count < state.batchSize {
                    count = try append(produce(state.batchSize), to: &data, lines: &lines)
                    state.rows += count
                    if count == 0 {
                        let next = end()
                        finish(&state)
                        return data + ControlMessage.encodeLine(StreamEndEnvelope(v: ControlProtocol.protocolVersion, id: id,
                                                                                  end: StreamEnd(rows: state.rows, next: next)))
                    }
                }
                // Aim at lines of about a quarter MiB.
                let bytes = data.count / max(1, lines)
                if bytes < Self.targetLineBytes / 4 && state.batchSize < 8_192 { state.batchSize *= 2 }
                if bytes > Self.targetLineBytes && state.batchSize > 1 { state.batchSize /= 2 }
                return data
            } catch {
                // What was read before the failure is sent, then the error that ends the stream.
                finish(&state)
                let wire = error as? ControlError ?? .internal("the reply failed midway: \(error)")
                return data + ControlMessage.encodeErrorReply(id: id, wire)
            }
        }
    }

    /// Appends encoded lines; returns how many rows they carry.
    private func append(_ produced: [(line: Data, rows: Int)], to data: inout Data, lines: inout Int) -> Int {
        var count = 0
        for (line, rows) in produced {
            data += line
            count += rows
        }
        lines += produced.count
        return count
    }

    /// Ends the stream early (the client went away): frees its source. Idempotent.
    public func close() {
        state.withLock { finish(&$0) }
    }

    private func finish(_ state: inout State) {
        guard !state.finished else { return }
        state.finished = true
        closeSource()
    }

    /// Rows as one or more lines, each at most `maxLineBytes`: a batch that encodes too long
    /// is cut in halves; a single row that does not fit in a line is an error.
    static func encodeRows<Row: Encodable>(_ rows: [Row], id: Int) throws -> [(line: Data, rows: Int)] {
        guard !rows.isEmpty else { return [] }
        let line = try ControlMessage.encodeRowsLine(rows, id: id)
        if line.count - 1 <= ControlProtocol.maxLineBytes { return [(line, rows.count)] }
        guard rows.count > 1 else {
            throw ControlError.failed("a row of the reply is longer than the protocol's 1 MiB line")
        }
        let half = rows.count / 2
        return try encodeRows(Array(rows[..<half]), id: id) + encodeRows(Array(rows[half...]), id: id)
    }
}
