/// Where a payload too large for memory keeps its sorted runs: storage provided by the
/// runtime (unnamed temporary files), so the core stays free of I/O.
public protocol SpillArea: Sendable {
    /// A new, empty run to append encoded records to.
    func makeRun() throws -> any SpillRun
}

/// One run of a spilled payload: written once, front to back, then read back (possibly
/// more than once) from the start.
public protocol SpillRun: AnyObject, Sendable {
    /// Appends bytes at the end of the run.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int
    /// Bytes written so far.
    var size: Int { get }
    /// The bytes written, mapped read-only (a reader that needs one buffer — an xlsx sheet
    /// inflated from its archive); nil when this storage cannot be mapped.
    func mapped() throws -> (any MappedBytes)?
}

extension SpillRun {
    public func mapped() throws -> (any MappedBytes)? { nil }
}

/// Bytes mapped from storage: resident only while read, dropped again by `releasePages()`
/// (they are read back from the file if looked at again).
public protocol MappedBytes: AnyObject, Sendable {
    var bytes: UnsafeBufferPointer<UInt8> { get }
    func releasePages()
}

/// A failure of the spill storage (disk full, …): not the payload's fault, so the payload
/// is kept to be tried again rather than rejected.
public struct SpillError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// One observation as a run holds it.
struct RunRecord {
    enum Kind: UInt8 { case noValue = 0, value = 1, deletion = 2 }
    /// Set in a record's kind byte when a status follows its value.
    static let statusFlag: UInt8 = 0x80

    var series: UInt32
    var ordinal: Int32
    var kind: Kind
    var period: String
    var value: String?
    var status: String?

    /// Runs are sorted by series (in first-seen order), period, then place in the payload.
    static func precedes(_ a: RunRecord, _ b: RunRecord) -> Bool {
        if a.series != b.series { return a.series < b.series }
        if a.period != b.period { return a.period < b.period }
        return a.ordinal < b.ordinal
    }
}

/// Encodes records into a run: varint series, varint ordinal, kind (its high bit set when a
/// status follows), then the period, value and status as length-prefixed UTF-8. Buffered:
/// bytes go to the run 1 MiB at a time.
struct RunEncoder {
    private let run: any SpillRun
    private var buffer: [UInt8] = []
    static let flushSize = 1 << 20

    init(run: any SpillRun) {
        self.run = run
        buffer.reserveCapacity(Self.flushSize + 512)
    }

    mutating func append(series: UInt32, ordinal: Int32, kind: RunRecord.Kind, period: String, value: String?, status: String? = nil) throws {
        varint(UInt64(series))
        varint(UInt64(UInt32(bitPattern: ordinal)))
        buffer.append(status == nil ? kind.rawValue : kind.rawValue | RunRecord.statusFlag)
        text(period)
        if kind == .value, let value { text(value) }
        if let status { text(status) }
        if buffer.count >= Self.flushSize { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try run.append($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    private mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            buffer.append(contentsOf: utf8)
        }
    }
}

/// Reads a run's records back, front to back, through a buffer of its own.
struct RunDecoder {
    private let run: any SpillRun
    private var buffer: [UInt8]
    private var start = 0, end = 0
    private var offset = 0
    static let bufferSize = 128 << 10

    init(run: any SpillRun) {
        self.run = run
        buffer = [UInt8](repeating: 0, count: Self.bufferSize)
    }

    /// The next record, or nil at the end of the run.
    mutating func next() throws -> RunRecord? {
        // A record is at most two varints, a byte and three texts; texts are short (keys,
        // periods and values are capped far below the buffer), so one refill suffices.
        if end - start < 4096 { try refill() }
        guard start < end else { return nil }
        let series = UInt32(truncatingIfNeeded: try varint())
        let ordinal = Int32(bitPattern: UInt32(truncatingIfNeeded: try varint()))
        let kindByte = try byte()
        guard let kind = RunRecord.Kind(rawValue: kindByte & ~RunRecord.statusFlag) else { throw SpillError("a spilled run is corrupt") }
        let period = try text()
        let value = kind == .value ? try text() : nil
        let status = kindByte & RunRecord.statusFlag != 0 ? try text() : nil
        return RunRecord(series: series, ordinal: ordinal, kind: kind, period: period, value: value, status: status)
    }

    private mutating func refill() throws {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: remaining)
                }
            }
            start = 0
            end = remaining
        }
        while end < buffer.count {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try run.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]), at: offset)
            }
            if n == 0 { break }
            end += n
            offset += n
        }
    }

    private mutating func byte() throws -> UInt8 {
        guard start < end else { throw SpillError("a spilled run ends in the middle of a record") }
        defer { start += 1 }
        return buffer[start]
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw SpillError("a spilled run is corrupt") }
        }
    }

    private mutating func text() throws -> String {
        let count = Int(try varint())
        guard count <= end - start else {
            // Longer than what is buffered: only possible for a corrupt run (texts are short).
            throw SpillError("a spilled run is corrupt")
        }
        let s = buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(start + count)]), as: UTF8.self) }
        start += count
        return s
    }
}
